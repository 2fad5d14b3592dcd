package dev.ferry;

import java.nio.file.Path;
import java.util.List;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import dev.ferry.testing.javamigration.V10__java_table;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rerun is Flyway's own answer every time: up to date when nothing changed; a changed, missing or new script, a
 * new Java migration, a changed placeholder or a history changed by hand all count, as they do for Flyway.
 */
class RerunTest {

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	private Scripts scripts;

	@BeforeEach
	void applyAProject() {
		this.scripts = Scripts.in(this.folder)
			.write("V1__one.sql", "CREATE TABLE one (id int);")
			.write("V2__two.sql", "CREATE TABLE two (id int);")
			.write("V3__three.sql", "CREATE TABLE three (id int);")
			.write("R__view.sql", "CREATE OR REPLACE VIEW team AS SELECT '${team}'::text AS name;");
		FerryRun first = migrate();
		assertThat(first.exitCode()).as(first.toString()).isZero();
	}

	@Test
	void aRerunWithNothingChangedIsUpToDateAndReportsTheVersion() {
		FerryRun rerun = migrate();

		assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
		assertThat(rerun.<List<String>>report("$.applied")).isEmpty();
		assertThat(rerun.<String>report("$.outcome")).isEqualTo("up to date");
		assertThat(rerun.<String>report("$.schemaVersion")).isEqualTo("3");
	}

	@Test
	void anEditedAppliedScriptIsStillAValidationFailure() {
		this.scripts.write("V2__two.sql", "CREATE TABLE two (id bigint);");

		FerryRun rerun = migrate();

		assertThat(rerun.exitCode()).as(rerun.toString()).isEqualTo(5);
	}

	@Test
	void aDeletedAppliedScriptIsStillAValidationFailure() {
		this.scripts.delete("V2__two.sql");

		FerryRun rerun = migrate();

		assertThat(rerun.exitCode()).as(rerun.toString()).isEqualTo(5);
	}

	@Test
	void aNewScriptIsApplied() {
		this.scripts.write("V4__four.sql", "CREATE TABLE four (id int);");

		FerryRun rerun = migrate();

		assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
		assertThat(rerun.<String>report("$.applied[0].script")).isEqualTo("V4__four.sql");
		assertThat(migrate().<String>report("$.outcome")).isEqualTo("up to date");
	}

	@Test
	void aJavaMigrationAddedToTheClasspathIsApplied() {
		FerryRun rerun = FerryProcess.against(this.database)
			.withTestClasses()
			.env("FERRY_LOCATIONS", "filesystem:" + this.folder.toAbsolutePath() + "," + V10__java_table.LOCATION)
			.env("FERRY_PLACEHOLDER_team", "platform")
			.run();

		assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
		assertThat(rerun.<List<String>>report("$.applied[*].script")).containsExactly(V10__java_table.class.getName());
		assertThat(this.database.single("SELECT id FROM made_by_java")).isEqualTo("10");
	}

	@Test
	void aChangedPlaceholderValueRerunsTheRepeatableScriptThatUsesIt() {
		FerryRun rerun = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FERRY_PLACEHOLDER_team", "platform-two")
			.run();

		assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
		assertThat(rerun.<String>report("$.applied[0].script")).isEqualTo("R__view.sql");
		assertThat(this.database.single("SELECT name FROM team")).isEqualTo("platform-two");
	}

	@Test
	void aHistoryChangedByHandIsAValidationFailure() {
		this.database.execute("UPDATE flyway_schema_history SET checksum = 42 WHERE version = '1'");

		FerryRun rerun = migrate();

		assertThat(rerun.exitCode()).as(rerun.toString()).isEqualTo(5);
		assertThat(rerun.output()).contains("checksum mismatch for migration version 1");
	}

	@Test
	void callbackScriptsRunOnEveryRunAsFlywayRunsThem() {
		this.scripts.write("afterMigrate.sql", "INSERT INTO one VALUES (1);");
		assertThat(migrate().exitCode()).isZero();

		FerryRun rerun = migrate();

		assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
		assertThat(this.database.single("SELECT count(*) FROM one")).isEqualTo("2");
	}

	private FerryRun migrate() {
		return FerryProcess.against(this.database).locations(this.folder).env("FERRY_PLACEHOLDER_team", "platform").run();
	}

}
