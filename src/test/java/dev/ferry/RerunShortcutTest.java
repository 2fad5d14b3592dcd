package dev.ferry;

import java.nio.file.Path;

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
 * A rerun with nothing to do skips Flyway's resolve-and-validate of every script, but only when it can prove
 * nothing changed: a changed, missing or new script, a changed setting or a history changed behind Ferry's back
 * all still get Flyway's full answer.
 */
class RerunShortcutTest {

	private static final String SHORTCUT = "unchanged since the last run";

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
		assertThat(first.output()).doesNotContain(SHORTCUT);
	}

	@Test
	void aRerunWithNothingChangedTakesTheShortcutAndReportsTheVersion() {
		FerryRun rerun = migrate();

		assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
		assertThat(rerun.output()).contains(SHORTCUT);
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
		assertThat(migrate().output()).contains(SHORTCUT);
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
	void aHistoryChangedBehindFerrysBackGetsFlywaysFullCheck() {
		this.database.execute("UPDATE flyway_schema_history SET checksum = 42 WHERE version = '1'");

		FerryRun rerun = migrate();

		assertThat(rerun.exitCode()).as(rerun.toString()).isEqualTo(5);
		assertThat(rerun.output()).contains("checksum mismatch for migration version 1");
	}

	@Test
	void aProjectWithCallbackScriptsNeverTakesTheShortcutSinceFlywayRunsThemEveryTime() {
		this.scripts.write("afterMigrate.sql", "INSERT INTO one VALUES (1);");
		assertThat(migrate().exitCode()).isZero();

		FerryRun rerun = migrate();

		assertThat(rerun.output()).doesNotContain(SHORTCUT);
		assertThat(this.database.single("SELECT count(*) FROM one")).isEqualTo("2");
	}

	@Test
	void theShortcutCanBeTurnedOff() {
		FerryRun rerun = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FERRY_PLACEHOLDER_team", "platform")
			.env("FERRY_SKIP_UNCHANGED", "false")
			.run();

		assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
		assertThat(rerun.output()).contains("up to date").doesNotContain(SHORTCUT);
	}

	private FerryRun migrate() {
		return FerryProcess.against(this.database).locations(this.folder).env("FERRY_PLACEHOLDER_team", "platform").run();
	}

}
