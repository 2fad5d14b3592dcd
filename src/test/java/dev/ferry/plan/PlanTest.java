package dev.ferry.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import dev.ferry.testing.CatalogDump;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import dev.ferry.testing.TestSecrets;
import dev.ferry.testing.javamigration.V10__java_table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code plan} command: what migrate would run, read-only.
 */
class PlanTest {

	/** squawk 2.66.0's answer for a script with an ALTER TABLE ... ADD COLUMN, as {@code --reporter json} prints it. */
	private static final String SQUAWK_JSON = "[{\"file\":\"x.sql\",\"line\":0,\"column\":0,\"level\":\"Warning\","
			+ "\"message\":\"Missing `set lock_timeout` before potentially slow ACCESS EXCLUSIVE lock operations\","
			+ "\"help\":\"Configure a `lock_timeout` before this statement.\",\"rule_name\":\"require-lock-timeout\","
			+ "\"column_end\":40,\"line_end\":0},{\"file\":\"x.sql\",\"line\":1,\"column\":0,\"level\":\"Warning\","
			+ "\"message\":\"During normal index creation, table updates are blocked, but reads are still allowed.\","
			+ "\"help\":\"Use `concurrently` to avoid blocking writes.\",\"rule_name\":\"require-concurrent-index-creation\","
			+ "\"column_end\":24,\"line_end\":1}]";

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	@Test
	void planOnAnEmptyDatabaseChangesNothingNotEvenAHistoryTable() {
		CatalogDump before = CatalogDump.of(this.database);
		List<String> rolesBefore = this.database.column("SELECT rolname FROM pg_roles ORDER BY 1");

		FerryRun plan = FerryProcess.against(this.database).run("plan");

		assertThat(plan.exitCode()).as(plan.toString()).isZero();
		assertThat(CatalogDump.of(this.database).differencesFrom(before)).isEmpty();
		assertThat(this.database.tableExists("public.flyway_schema_history")).isFalse();
		assertThat(this.database.column("SELECT rolname FROM pg_roles ORDER BY 1")).isEqualTo(rolesBefore);
		assertThat(plan.<Integer>report("$.plan.migrationCount")).isEqualTo(6);
	}

	@Test
	void planOnAMigratedDatabaseChangesNeitherTheSchemaNorTheHistory() throws IOException {
		Scripts scripts = Scripts.copyOfSample(Files.createDirectories(this.folder.resolve("db")));
		assertThat(FerryProcess.against(this.database).locations(scripts.folder()).run().exitCode()).isZero();
		scripts.write("V6__more.sql", "ALTER TABLE app.audit_event ADD COLUMN source text;\n");
		CatalogDump before = CatalogDump.of(this.database);
		List<String> history = this.database.history("flyway_schema_history");

		FerryRun plan = FerryProcess.against(this.database).locations(scripts.folder()).run("plan");

		assertThat(plan.exitCode()).as(plan.toString()).isZero();
		assertThat(CatalogDump.of(this.database).differencesFrom(before)).isEmpty();
		assertThat(this.database.history("flyway_schema_history")).isEqualTo(history);
		assertThat(plan.<List<String>>report("$.plan.migrations[*].script")).containsExactly("V6__more.sql");
	}

	@Test
	void eachStatementIsListedWithTheLockItTakesOnWhichRelation() {
		FerryRun plan = FerryProcess.against(this.database).run("plan");

		assertThat(plan.exitCode()).as(plan.toString()).isZero();
		String alter = "$.plan.migrations[?(@.script == 'V2__code_sets.sql')].statements[2]";
		assertThat(plan.<List<String>>report(alter + ".sql"))
			.containsExactly("ALTER TABLE app.app_user ADD COLUMN status text NOT NULL DEFAULT 'ACTIVE'");
		assertThat(plan.<List<String>>report(alter + ".lock")).containsExactly("ACCESS EXCLUSIVE");
		assertThat(plan.<List<String>>report(alter + ".relation")).containsExactly("app.app_user");
		assertThat(plan.<List<Boolean>>report(alter + ".rewrites")).containsExactly(false);
		String index = "$.plan.migrations[?(@.script == 'V4__index_user_email.sql')].statements[0]";
		assertThat(plan.<List<String>>report(index + ".lock")).containsExactly("SHARE UPDATE EXCLUSIVE");
		assertThat(plan.<List<String>>report(index + ".relation")).containsExactly("app.app_user");
		assertThat(plan.summary()).contains("### Ferry plan on")
			.contains("**ACCESS EXCLUSIVE** on `app.app_user`")
			.contains("```sql\nCREATE TABLE app.code_value (");
		assertThat(plan.output()).contains("Would run V2 V2__code_sets.sql (Pending)")
			.contains("ALTER TABLE app.app_user ADD COLUMN status text NOT NULL DEFAULT 'ACTIVE'  -- ACCESS EXCLUSIVE on app.app_user");
	}

	@Test
	void aSecretPlaceholderValueIsMaskedInTheStatementsTheLogTheReportAndTheSummary() {
		FerryRun plan = FerryProcess.against(this.database).run("plan");

		assertThat(plan.exitCode()).as(plan.toString()).isZero();
		List<String> statements = plan.report("$.plan.migrations[?(@.script == 'V3__api_database_user.sql')].statements[0].sql");
		assertThat(statements).singleElement().asString()
			.contains("CREATE ROLE \"" + TestSecrets.API_DB_USERNAME + "\" LOGIN PASSWORD '****'")
			.doesNotContain(TestSecrets.API_DB_PASSWORD);
		for (String text : List.of(plan.output(), plan.report(), plan.summary())) {
			assertThat(text).contains("PASSWORD '****'").doesNotContain(TestSecrets.API_DB_PASSWORD);
		}
	}

	@Test
	void aJavaMigrationIsListedAsNotKnownInAdvance() {
		Scripts.in(this.folder).write("V1__table.sql", "CREATE TABLE one (id int);");

		FerryRun plan = FerryProcess.against(this.database)
			.withTestClasses()
			.env("FERRY_LOCATIONS", "filesystem:" + this.folder.toAbsolutePath() + "," + V10__java_table.LOCATION)
			.run("plan");

		assertThat(plan.exitCode()).as(plan.toString()).isZero();
		assertThat(plan.<String>report("$.plan.migrations[1].note"))
			.isEqualTo("Java migration " + V10__java_table.class.getName() + ", statements not known in advance");
		assertThat(this.database.tableExists("public.made_by_java")).isFalse();
	}

	@Test
	void withoutSquawkOnThePathThePlanSaysSoOnceAndSucceeds() {
		FerryRun plan = FerryProcess.against(this.database).env("PATH", "/usr/bin:/bin").run("plan");

		assertThat(plan.exitCode()).as(plan.toString()).isZero();
		assertThat(plan.<String>report("$.plan.squawk")).isEqualTo("squawk not on PATH");
		assertThat(plan.output().split("squawk not on PATH", -1)).hasSize(2);
	}

	@Test
	void squawksFindingsAreListedWithTheirScript() throws IOException {
		Path bin = Files.createDirectories(this.folder.resolve("bin"));
		Path json = bin.resolve("findings.json");
		Files.writeString(json, SQUAWK_JSON);
		Path squawk = bin.resolve("squawk");
		// Behaves like squawk's documented CLI: --reporter json FILE, findings on stdout, exit 1 when there are any.
		Files.writeString(squawk, "#!/bin/sh\n[ \"$1\" = --reporter ] && [ \"$2\" = json ] && [ -f \"$3\" ] || exit 2\n"
				+ "cat '" + json + "'\nexit 1\n");
		Files.setPosixFilePermissions(squawk, PosixFilePermissions.fromString("rwxr-xr-x"));
		Path db = Files.createDirectories(this.folder.resolve("db"));
		Scripts.in(db).write("V1__t.sql", "CREATE TABLE t (id int);\nCREATE INDEX t_idx ON t (id);\n");

		FerryRun plan = FerryProcess.against(this.database)
			.locations(db)
			.env("PATH", bin + ":/usr/bin:/bin")
			.run("plan");

		assertThat(plan.exitCode()).as(plan.toString()).isZero();
		assertThat(plan.<List<String>>report("$.plan.migrations[0].squawk[*].rule"))
			.containsExactly("require-lock-timeout", "require-concurrent-index-creation");
		assertThat(plan.<List<Integer>>report("$.plan.migrations[0].squawk[*].line")).containsExactly(1, 2);
		assertThat(plan.<String>report("$.plan.squawk")).isNull();
		assertThat(plan.summary()).contains("- Warning `require-concurrent-index-creation` (line 2)");
		assertThat(plan.output()).contains("squawk Warning require-lock-timeout at line 1").doesNotContain("squawk not on PATH");
	}

}
