package dev.ferry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test data goes only where it belongs: Ferry's baked test data only with Ferry's baked migrations, a team's own
 * test data where the team names it, and never in production.
 */
class TestDataLocationsTest {

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	private Path migrations;

	private Path testdata;

	@BeforeEach
	void aProjectOfItsOwn() throws Exception {
		this.migrations = Files.createDirectory(this.folder.resolve("migration"));
		this.testdata = Files.createDirectory(this.folder.resolve("testdata"));
		Scripts.in(this.migrations).write("V1__customer.sql", "CREATE TABLE customer (name text PRIMARY KEY);");
		Scripts.in(this.testdata)
			.write("R__test_customers.sql", "INSERT INTO customer VALUES ('test') ON CONFLICT DO NOTHING;");
	}

	@Test
	void aProjectOfOnesOwnInDevGetsNoneOfFerrysSampleTestData() {
		FerryRun run = FerryProcess.against(this.database)
			.locations(this.migrations)
			.env("FERRY_TESTDATA_LOCATIONS", null)
			.env("FERRY_ENVIRONMENT", "dev")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<List<String>>report("$.applied[*].script")).containsExactly("V1__customer.sql");
		assertThat(this.database.single("SELECT count(*) FROM customer")).isEqualTo("0");
	}

	@Test
	void testDataTheTeamNamesIsAddedInDev() {
		FerryRun run = FerryProcess.against(this.database)
			.locations(this.migrations)
			.env("FERRY_TESTDATA_LOCATIONS", "filesystem:" + this.testdata.toAbsolutePath())
			.env("FERRY_ENVIRONMENT", "dev")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<List<String>>report("$.applied[*].script"))
			.containsExactly("V1__customer.sql", "R__test_customers.sql");
		assertThat(this.database.single("SELECT name FROM customer")).isEqualTo("test");
	}

	@Test
	void testDataTheTeamNamesNeverReachesProduction() {
		FerryRun run = FerryProcess.against(this.database)
			.locations(this.migrations)
			.env("FERRY_TESTDATA_LOCATIONS", "filesystem:" + this.testdata.toAbsolutePath())
			.env("FERRY_ENVIRONMENT", "prod")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<List<String>>report("$.applied[*].script")).containsExactly("V1__customer.sql");
		assertThat(this.database.single("SELECT count(*) FROM customer")).isEqualTo("0");
	}

}
