package dev.ferry;

import java.nio.file.Path;
import java.util.List;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ferry's commands other than migrate, chosen by FERRY_COMMAND or the first argument.
 */
class CommandsTest {

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	@Test
	void infoShowsWhatIsPendingWithChecksumsAndChangesNothing() {
		FerryRun run = FerryProcess.against(this.database).env("FERRY_COMMAND", "info").run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<List<String>>report("$.pending[*].script")).containsExactly("V1__access_management_schema.sql",
				"V2__code_sets.sql", "V3__api_database_user.sql", "V4__index_user_email.sql", "V5__add_audit_table.sql",
				"R__code_set_values.sql");
		assertThat(run.<List<Integer>>report("$.pending[*].checksum")).doesNotContainNull();
		assertThat(run.output()).contains("6 pending").doesNotContain("test users");
		assertThat(this.database.tableExists("app.app_user")).isFalse();
	}

	@Test
	void infoNamesItsColumnsInAHeaderRowAboveTheMigrations() {
		FerryRun run = FerryProcess.against(this.database).run("info");

		assertThat(run.exitCode()).as(run.toString()).isZero();
		List<String> lines = run.output().lines().toList();
		int header = indexOf(lines, "Version    Description");
		int first = indexOf(lines, "V1__access_management_schema.sql");
		assertThat(header).as(run.toString()).isNotNegative().isLessThan(first);
		assertThat(lines.get(header)).containsSubsequence("Version", "Description", "State", "Checksum", "Script");
		assertThat(lines.get(first)).as("the columns line up under the header")
			.contains("access management schema")
			.containsPattern("\\bPending\\b");
		assertThat(lines.get(header).indexOf("State")).isEqualTo(lines.get(first).indexOf("Pending"));
	}

	private static int indexOf(List<String> lines, String text) {
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).contains(text)) {
				return i;
			}
		}
		return -1;
	}

	@Test
	void theFirstArgumentChoosesTheCommand() {
		assertThat(FerryProcess.against(this.database).run().exitCode()).isZero();

		FerryRun run = FerryProcess.against(this.database).env("FERRY_COMMAND", "migrate").run("info");

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<String>report("$.command")).isEqualTo("info");
		assertThat(run.output()).contains("up to date, nothing pending");
	}

	@Test
	void validatePassesWhenEveryAppliedScriptIsUnchanged() {
		assertThat(FerryProcess.against(this.database).run().exitCode()).isZero();

		FerryRun run = FerryProcess.against(this.database).run("validate");

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.output()).contains("validated");
	}

	@Test
	void repairClearsAFailedNonTransactionalMigrationSoTheFixedScriptCanRun() {
		Scripts scripts = Scripts.in(this.folder)
			.write("V1__table.sql", "CREATE TABLE one (id int);")
			.write("V2__index.sql", "CREATE INDEX CONCURRENTLY one_idx ON one (no_such_column);");
		FerryRun failed = migrate();
		assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(6);
		FerryRun blocked = migrate();
		assertThat(blocked.exitCode()).as(blocked.toString()).isEqualTo(5);
		assertThat(blocked.output()).contains("failed migration");

		FerryRun repaired = FerryProcess.against(this.database).locations(this.folder).run("repair");
		scripts.write("V2__index.sql", "CREATE INDEX CONCURRENTLY one_idx ON one (id);");
		FerryRun fixed = migrate();

		assertThat(repaired.exitCode()).as(repaired.toString()).isZero();
		assertThat(fixed.exitCode()).as(fixed.toString()).isZero();
		assertThat(this.database.history("flyway_schema_history")).containsExactly("1:true", "2:true");
	}

	@Test
	void baselineAdoptsADatabaseThatExistedBeforeFerry() {
		this.database.execute("CREATE TABLE legacy (id int)");
		Scripts.in(this.folder)
			.write("V1__legacy.sql", "CREATE TABLE legacy (id int);")
			.write("V2__new.sql", "CREATE TABLE newer (id int);");
		FerryRun refused = migrate();
		assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(5);

		FerryRun baselined = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("SPRING_FLYWAY_BASELINE_VERSION", "1")
			.run("baseline");
		FerryRun migrated = migrate();

		assertThat(baselined.exitCode()).as(baselined.toString()).isZero();
		assertThat(migrated.exitCode()).as(migrated.toString()).isZero();
		assertThat(migrated.<List<String>>report("$.applied[*].script")).containsExactly("V2__new.sql");
	}

	@Test
	void cleanEmptiesFlywaysSchemasWhenAllowedOutsideProduction() {
		Scripts.in(this.folder).write("V1__one.sql", "CREATE TABLE one (id int);");
		assertThat(migrate().exitCode()).isZero();

		FerryRun run = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FERRY_ALLOW_CLEAN", "true")
			.env("FERRY_ENVIRONMENT", "dev")
			.run("clean");

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(this.database.tableExists("public.one")).isFalse();
		assertThat(this.database.tableExists("public.flyway_schema_history")).isFalse();
	}

	private FerryRun migrate() {
		return FerryProcess.against(this.database).locations(this.folder).run();
	}

}
