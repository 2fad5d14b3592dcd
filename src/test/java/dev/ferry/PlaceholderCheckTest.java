package dev.ferry;

import java.nio.file.Path;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Placeholders are checked before any SQL runs, and only where a script that needs them is going to run.
 */
class PlaceholderCheckTest {

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	@Test
	void aMissingValueStopsTheRunBeforeAnyScriptRunsAndNamesPlaceholderAndFile() {
		Scripts.in(this.folder)
			.write("V1__one.sql", "CREATE TABLE one (id int);")
			.write("V2__grant.sql", "GRANT SELECT ON one TO ${reader_role};")
			.write("V3__comment.sql", "COMMENT ON TABLE one IS '${owner_team}';");

		FerryRun run = FerryProcess.against(this.database).locations(this.folder).run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.output()).contains("${reader_role} used by V2__grant.sql (set FERRY_PLACEHOLDER_reader_role)")
			.contains("${owner_team} used by V3__comment.sql");
		assertThat(this.database.tableExists("public.one")).as("V1 must not have run").isFalse();
		assertThat(this.database.tableExists("public.flyway_schema_history")).isFalse();
	}

	@Test
	void flywaysBuiltInPlaceholdersAreNeverMissing() {
		Scripts.in(this.folder)
			.write("V1__one.sql", "CREATE TABLE one (id int, note text DEFAULT '${flyway:user} ${flyway:timestamp}');"
					+ "\nCOMMENT ON TABLE one IS '${flyway:database} ${flyway:defaultSchema} ${flyway:filename}';");

		FerryRun run = FerryProcess.against(this.database).locations(this.folder).run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(this.database.single("SELECT obj_description('one'::regclass)"))
			.isEqualTo(this.database.name() + " public V1__one.sql");
	}

	@Test
	void aRetiredPlaceholderOfAnAppliedScriptDoesNotBlockLaterRuns() {
		Scripts scripts = Scripts.in(this.folder).write("V1__comment.sql", "CREATE TABLE one (id int);\n"
				+ "COMMENT ON TABLE one IS '${old_team_name}';");
		assertThat(FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FERRY_PLACEHOLDER_old_team_name", "platform")
			.run()
			.exitCode()).isZero();
		scripts.write("V2__two.sql", "CREATE TABLE two (id int);");

		FerryRun run = FerryProcess.against(this.database).locations(this.folder).run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<String>report("$.applied[0].script")).isEqualTo("V2__two.sql");
	}

	@Test
	void aRepeatableScriptNeedsItsValuesOnEveryRunAndGetsAWarningWhenItUsesASecret() {
		Scripts.in(this.folder)
			.write("V1__one.sql", "CREATE TABLE one (id int, note text);")
			.write("R__note.sql", "DELETE FROM one; INSERT INTO one VALUES (1, md5('${api_db_password}'));");
		FerryRun first = FerryProcess.against(this.database).locations(this.folder).run();
		assertThat(first.exitCode()).as(first.toString()).isZero();
		assertThat(first.output()).contains("R__note.sql is repeatable and uses secret placeholder(s) [api_db_password]");

		FerryRun withoutValue = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FERRY_PLACEHOLDER_api_db_password", null)
			.run();

		assertThat(withoutValue.exitCode()).as(withoutValue.toString()).isEqualTo(2);
		assertThat(withoutValue.output()).contains("${api_db_password} used by R__note.sql");
	}

	@Test
	void flywaysOwnPlaceholderSettingsCountAsValues() {
		Scripts.in(this.folder).write("V1__one.sql", "CREATE TABLE ${table_name} (id int);");

		FerryRun run = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FLYWAY_PLACEHOLDERS_TABLE_NAME", "from_flyway_env")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(this.database.tableExists("public.from_flyway_env")).isTrue();
	}

	@Test
	void aPlaceholderSetThroughSpringPropertiesCountsAsAValue() {
		Scripts.in(this.folder).write("V1__one.sql", "CREATE TABLE ${table_name} (id int);");

		FerryRun run = FerryProcess.against(this.database)
			.locations(this.folder)
			.run("--spring.flyway.placeholders[table_name]=from_spring");

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(this.database.tableExists("public.from_spring")).isTrue();
	}

}
