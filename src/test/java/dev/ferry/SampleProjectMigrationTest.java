package dev.ferry;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import dev.ferry.testing.TestSecrets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * A sample-shaped project (the tests' own copy in {@code src/test/resources/sample-project}, never {@code db/}, which
 * teams replace) as a user's pipeline runs it, configured by environment variables. The baked {@code db/} is
 * checked by {@code .ci/run} (the jar, README's main command) and the image test, against what {@code db/} holds.
 */
class SampleProjectMigrationTest {

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@Test
	void firstRunAppliesEveryMigrationAndASecondRunChangesNothing() {
		FerryRun first = FerryProcess.against(this.database).env("FERRY_ENVIRONMENT", "dev").run();
		assertThat(first.exitCode()).as(first.toString()).isZero();
		assertThat(first.<Integer>report("$.applied.length()")).isEqualTo(7);
		assertThat(first.<String>report("$.outcome")).isEqualTo("applied");
		assertThat(first.<String>report("$.schemaVersion")).isEqualTo("5");
		assertThat(first.<List<Integer>>report("$.applied[*].checksum")).doesNotContainNull();
		assertThat(first.output()).contains("Applied V1 \"access management schema\"")
			.contains("Applied R \"code set values\"")
			.contains("applied 7 migrations");
		List<String> schemaAfterFirst = schemaDump();

		FerryRun second = FerryProcess.against(this.database).env("FERRY_ENVIRONMENT", "dev").run();
		assertThat(second.exitCode()).as(second.toString()).isZero();
		assertThat(second.<String>report("$.outcome")).isEqualTo("up to date");
		assertThat(second.<Integer>report("$.applied.length()")).isZero();
		assertThat(second.output()).contains("up to date").doesNotContain("Applied ");
		assertThat(schemaDump()).isEqualTo(schemaAfterFirst);
		assertThat(this.database.history("flyway_schema_history")).hasSize(7).allMatch((row) -> row.endsWith(":true"));
	}

	@Test
	void testDataIsAppliedInDevAndTestButNeverInProd() {
		TestDatabase prod = PostgresServer.get().createDatabase();
		assertThat(FerryProcess.against(prod).env("FERRY_ENVIRONMENT", "prod").run().exitCode()).isZero();
		assertThat(prod.single("SELECT count(*) FROM app.app_user")).isEqualTo("0");
		assertThat(prod.single("SELECT count(*) FROM app.code_value")).isEqualTo("6");

		assertThat(FerryProcess.against(this.database).env("FERRY_ENVIRONMENT", "test").run().exitCode()).isZero();
		assertThat(this.database.column("SELECT username FROM app.app_user ORDER BY username"))
			.containsExactly("alice", "bob", "carol");
	}

	@Test
	void referenceDataFollowsItsScriptWhenTheScriptChanges(@TempDir Path folder) {
		Scripts scripts = Scripts.copyOfSample(folder);
		assertThat(FerryProcess.against(this.database).locations(folder).run().exitCode()).isZero();
		String script = read(folder.resolve("R__code_set_values.sql"));
		scripts.write("R__code_set_values.sql", script.replace("('USER_STATUS', 'CLOSED', 'Closed', 30),", "")
			.replace("'Suspended'", "'On hold'"));

		FerryRun rerun = FerryProcess.against(this.database).locations(folder).run();

		assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
		assertThat(rerun.<List<String>>report("$.applied[*].script")).containsExactly("R__code_set_values.sql");
		assertThat(this.database.single("SELECT label FROM app.code_value WHERE code = 'SUSPENDED'"))
			.isEqualTo("On hold");
		assertThat(this.database.single("SELECT active FROM app.code_value WHERE code = 'CLOSED'")).isEqualTo("f");
	}

	@Test
	void theApiUserLogsInWithThePlaceholderPasswordAndMayOnlyTouchData() throws SQLException {
		assertThat(FerryProcess.against(this.database).run().exitCode()).isZero();
		try (Connection api = DriverManager.getConnection(this.database.url(), TestSecrets.API_DB_USERNAME,
				TestSecrets.API_DB_PASSWORD)) {
			assertThatNoException().isThrownBy(() -> api.createStatement()
				.execute("INSERT INTO app.audit_event (actor, action) VALUES ('test', 'LOGIN')"));
			assertThat(api.createStatement().executeQuery("SELECT has_table_privilege('app.app_user', 'DELETE')"))
				.satisfies((rows) -> {
					rows.next();
					assertThat(rows.getBoolean(1)).isTrue();
				});
			assertThat(api.createStatement().executeQuery("SELECT has_schema_privilege('app', 'CREATE')"))
				.satisfies((rows) -> {
					rows.next();
					assertThat(rows.getBoolean(1)).isFalse();
				});
		}
	}

	@Test
	void theStepSummaryIsAMarkdownTableOfWhatWasApplied() {
		FerryRun run = FerryProcess.against(this.database).env("FERRY_ENVIRONMENT", "dev").run();
		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.summary()).startsWith("### Ferry migrate on `dev`: applied")
			.contains("| Applied | Description | Script | Checksum | Duration |")
			.contains("| 3 | api database user | `V3__api_database_user.sql` |");
	}

	private List<String> schemaDump() {
		return this.database.column("""
				SELECT table_schema || '.' || table_name || '.' || column_name || ':' || data_type
				FROM information_schema.columns WHERE table_schema = 'app'
				UNION ALL SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'app'
				UNION ALL SELECT 'rows ' || code_set || '.' || code || ' ' || label || ' ' || active FROM app.code_value
				ORDER BY 1""");
	}

	private static String read(Path file) {
		try {
			return java.nio.file.Files.readString(file);
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

}
