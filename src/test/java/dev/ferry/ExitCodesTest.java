package dev.ferry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.MotoServer;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.Tag;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every exit code of README's "Exit codes" that does not need AWS, each produced through the real entry point: a
 * Ferry process configured by its environment; and 13, the restore's, against RDS in moto.
 */
class ExitCodesTest {

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	@Nested
	class ConfigurationInvalidExitsWith2 {

		@Test
		void whenTheCommandIsUnknown() {
			FerryRun run = FerryProcess.against(ExitCodesTest.this.database).env("FERRY_COMMAND", "upgrade").run();
			assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
			assertThat(run.output()).contains("FERRY_COMMAND 'upgrade' is not a command");
		}

		@Test
		void whenNoDatabaseIsConfigured() {
			FerryRun run = FerryProcess.bare().run();
			assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
			assertThat(run.output()).contains("FERRY_DB_URL is not set");
		}

		@Test
		void whenASettingHasTheWrongTypeAndTheMessageNamesIt() {
			FerryRun run = FerryProcess.against(ExitCodesTest.this.database).env("FERRY_LOCK_TIMEOUT", "soon").run();
			assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
			assertThat(run.output()).contains("FERRY_LOCK_TIMEOUT").contains("ferry.lock-timeout");
			assertThat(run.<String>report("$.message")).as("the report says what the log says")
				.startsWith("setting ferry.lock-timeout from")
				.contains("FERRY_LOCK_TIMEOUT")
				.contains("it must be a duration")
				.as("the value may be a secret given to the wrong setting")
				.doesNotContain("soon");
			assertThat(run.output()).contains(run.<String>report("$.message"));
			assertThat(run.output()).as("nor in the log: Spring's failure analysis would print it").doesNotContain("soon")
				.doesNotContain("APPLICATION FAILED TO START");
		}

		@Test
		void whenTheLogFormatIsUnknown() {
			FerryRun run = FerryProcess.against(ExitCodesTest.this.database).env("FERRY_LOG_FORMAT", "xml").run();
			assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
			assertThat(run.output()).contains("FERRY_LOG_FORMAT must be json or text");
		}

		@Test
		void whenCleanIsNotAllowed() {
			FerryRun run = FerryProcess.against(ExitCodesTest.this.database).run("clean");
			assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
			assertThat(run.output()).contains("FERRY_ALLOW_CLEAN=true");
		}

		@Test
		void whenCleanIsAskedForInProductionEvenIfAllowed() {
			FerryRun run = FerryProcess.against(ExitCodesTest.this.database)
				.env("FERRY_ALLOW_CLEAN", "true")
				.env("FERRY_ENVIRONMENT", "prod-eu")
				// Production is a list of exact names (FERRY_PRODUCTION_ENVIRONMENTS), no longer any name with "prod".
				.env("FERRY_PRODUCTION_ENVIRONMENTS", "prod-eu")
				.env("FERRY_COMMAND", "clean")
				.run();
			assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
			assertThat(run.output()).contains("clean is refused where FERRY_ENVIRONMENT names production");
		}

		@Test
		void whenAPendingScriptUsesAPlaceholderWithoutValue() {
			FerryRun run = FerryProcess.against(ExitCodesTest.this.database)
				.env("FERRY_PLACEHOLDER_api_db_password", null)
				.run();
			assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
			assertThat(run.output()).contains("${api_db_password} used by V3__api_database_user.sql");
		}

	}

	@Nested
	class DatabaseUnreachableExitsWith4 {

		@Test
		void whenNothingListensWithinTheConnectWindow() {
			FerryRun run = FerryProcess.against(ExitCodesTest.this.database)
				.env("FERRY_DB_URL", "jdbc:postgresql://127.0.0.1:1/nowhere")
				.env("FERRY_CONNECT_TIMEOUT", "2s")
				.run();
			assertThat(run.exitCode()).as(run.toString()).isEqualTo(4);
			assertThat(run.output()).contains("database unreachable after 2s (FERRY_CONNECT_TIMEOUT)");
		}

		@Test
		void atOnceWhenThePasswordIsWrong() {
			FerryRun run = FerryProcess.against(ExitCodesTest.this.database)
				.env("FERRY_DB_USERNAME", "ferry_nobody")
				.env("FERRY_DB_PASSWORD", "wrong-password-123")
				.env("FERRY_CONNECT_TIMEOUT", "60s")
				.timeout(Duration.ofSeconds(30))
				.run();
			assertThat(run.exitCode()).as(run.toString()).isEqualTo(4);
			assertThat(run.output()).contains("database refused the connection (SQLSTATE 28");
		}

	}

	@Nested
	class ValidationFailedExitsWith5 {

		@Test
		void whenAnAppliedScriptWasEdited() {
			Scripts scripts = Scripts.in(ExitCodesTest.this.folder).write("V1__one.sql", "CREATE TABLE one (id int);");
			assertThat(migrate().exitCode()).isZero();
			scripts.write("V1__one.sql", "CREATE TABLE one (id bigint);");

			FerryRun run = migrate();

			assertThat(run.exitCode()).as(run.toString()).isEqualTo(5);
			assertThat(run.output()).contains("checksum mismatch for migration version 1");
		}

		@Test
		void whenAnAppliedScriptIsMissingLocally() {
			Scripts scripts = Scripts.in(ExitCodesTest.this.folder)
				.write("V1__one.sql", "CREATE TABLE one (id int);")
				.write("V2__two.sql", "CREATE TABLE two (id int);")
				.write("V3__three.sql", "CREATE TABLE three (id int);");
			assertThat(migrate().exitCode()).isZero();
			scripts.delete("V2__two.sql");

			FerryRun run = migrate();

			assertThat(run.exitCode()).as(run.toString()).isEqualTo(5);
			assertThat(run.output()).contains("Detected applied migration not resolved locally: 2");
		}

		@Test
		void whenAppliedTestDataIsNoLongerAddedAndTheMessageSaysWhatHappenedAndWhatToSet() {
			// The test data of FerryProcess' sample project, in an environment that gets it...
			assertThat(FerryProcess.against(ExitCodesTest.this.database).env("FERRY_ENVIRONMENT", "dev").run().exitCode())
				.isZero();

			// ...then the same database under a name that gets none: Flyway finds the applied test data missing.
			FerryRun run = FerryProcess.against(ExitCodesTest.this.database).env("FERRY_ENVIRONMENT", "staging").run();

			assertThat(run.exitCode()).as(run.toString()).isEqualTo(5);
			assertThat(run.<String>report("$.message"))
				.startsWith("applied migration not resolved locally: R__test_users.sql is test data of filesystem:")
				.contains("FERRY_ENVIRONMENT staging is not one of FERRY_TESTDATA_ENVIRONMENTS (local,dev,test)")
				.contains("To keep it, run it as the environment that got the test data")
				.contains("FERRY_COMMAND=repair");
			assertThat(run.output()).contains(run.<String>report("$.message"));
		}

		@Test
		void whenAScriptNameBreaksTheConvention() {
			Scripts.in(ExitCodesTest.this.folder)
				.write("V1__one.sql", "CREATE TABLE one (id int);")
				.write("V2_two.sql", "CREATE TABLE two (id int);");

			FerryRun run = migrate();

			assertThat(run.exitCode()).as(run.toString()).isEqualTo(5);
			assertThat(run.output()).contains("V2_two.sql");
			assertThat(ExitCodesTest.this.database.tableExists("public.one")).isFalse();
		}

		@Test
		void whenValidateFindsAnEditedScript() {
			Scripts scripts = Scripts.in(ExitCodesTest.this.folder).write("V1__one.sql", "CREATE TABLE one (id int);");
			assertThat(migrate().exitCode()).isZero();
			scripts.write("V1__one.sql", "CREATE TABLE one (id text);");

			FerryRun run = FerryProcess.against(ExitCodesTest.this.database)
				.locations(ExitCodesTest.this.folder)
				.run("validate");

			assertThat(run.exitCode()).as(run.toString()).isEqualTo(5);
			assertThat(run.output()).contains("checksum mismatch");
		}

	}

	@Nested
	class MigrationFailedExitsWith6 {

		@Test
		void whenAScriptHasASyntaxErrorAndTheReportNamesScriptAndLine() {
			Scripts.in(ExitCodesTest.this.folder)
				.write("V1__one.sql", "CREATE TABLE one (id int);")
				.write("V2__two.sql", "CREATE TABLE two (id int);\n\nCREAT TABLE three (id int);\n");

			FerryRun run = migrate();

			assertThat(run.exitCode()).as(run.toString()).isEqualTo(6);
			assertThat(run.<String>report("$.error.script")).isEqualTo("V2__two.sql");
			assertThat(run.<Integer>report("$.error.line")).isEqualTo(3);
			assertThat(run.<String>report("$.error.sqlState")).isEqualTo("42601");
			assertThat(run.<Integer>report("$.exitCode")).isEqualTo(6);
			assertThat(run.<String>report("$.schemaVersion")).as("what the run committed before").isEqualTo("1");
			assertThat(ExitCodesTest.this.database.tableExists("public.one")).isTrue();
			assertThat(ExitCodesTest.this.database.tableExists("public.two")).as("rolled back").isFalse();
		}

		@Test
		void whenDataViolatesAConstraintHalfwayAndNothingOfThatScriptRemains() {
			Scripts.in(ExitCodesTest.this.folder)
				.write("V1__codes.sql", "CREATE TABLE code (code text PRIMARY KEY);")
				.write("V2__load_codes.sql", """
						INSERT INTO code VALUES ('A');
						INSERT INTO code VALUES ('B');
						INSERT INTO code VALUES ('A');
						INSERT INTO code VALUES ('C');
						""");

			FerryRun run = migrate();

			assertThat(run.exitCode()).as(run.toString()).isEqualTo(6);
			assertThat(run.<String>report("$.error.sqlState")).isEqualTo("23505");
			assertThat(run.<Integer>report("$.error.line")).isEqualTo(3);
			assertThat(ExitCodesTest.this.database.single("SELECT count(*) FROM code")).isEqualTo("0");
			assertThat(ExitCodesTest.this.database.history("flyway_schema_history")).containsExactly("1:true");
		}

		@Test
		void whenAStatementRunsLongerThanTheStatementTimeout() {
			Scripts.in(ExitCodesTest.this.folder).write("V1__slow.sql", "SELECT pg_sleep(5);");

			FerryRun run = FerryProcess.against(ExitCodesTest.this.database)
				.locations(ExitCodesTest.this.folder)
				.env("FERRY_STATEMENT_TIMEOUT", "500ms")
				.run();

			assertThat(run.exitCode()).as(run.toString()).isEqualTo(6);
			assertThat(run.<String>report("$.error.sqlState")).isEqualTo("57014");
		}

	}

	@Test
	void driftExitsWith10WhenFerryDriftIsFailAndNothingIsApplied() {
		Scripts scripts = Scripts.in(this.folder).write("V1__one.sql", "CREATE TABLE one (id int);");
		assertThat(migrate().exitCode()).isZero();
		this.database.execute("ALTER TABLE one ADD COLUMN added_by_hand text");
		scripts.write("V2__two.sql", "CREATE TABLE two (id int);");

		FerryRun run = FerryProcess.against(this.database).locations(this.folder).env("FERRY_DRIFT", "fail").run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(10);
		assertThat(run.<String>report("$.error.status")).isEqualTo("drift");
		assertThat(run.output()).contains("column public.one.added_by_hand added: text");
		assertThat(this.database.tableExists("public.two")).as("nothing applied").isFalse();
	}

	@Test
	void sigtermDuringAMigrationExitsWith11WithTheMigrationRolledBack() throws Exception {
		Scripts.in(this.folder).write("V1__slow.sql", "CREATE TABLE slow (id int);\nSELECT pg_sleep(60);");
		FerryProcess.Started started = FerryProcess.against(this.database).locations(this.folder).start();
		this.database.awaitActive("pg_sleep", Duration.ofSeconds(60));

		started.process().destroy();
		FerryRun run = started.await();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(11);
		assertThat(run.<String>report("$.error.status")).isEqualTo("stopped by SIGTERM");
		assertThat(this.database.tableExists("public.slow")).isFalse();
	}

	@Test
	void aRestoreWhoseClusterNameIsTakenByAClusterThatIsNotFerrysExitsWith13() {
		MotoServer moto = MotoServer.get();
		String cluster = "aurora-" + UUID.randomUUID().toString().substring(0, 8);
		String snapshot = "ferry-exit13-" + UUID.randomUUID().toString().substring(0, 8);
		try (RdsClient rds = moto.rds()) {
			MotoServer.createAuroraCluster(rds, cluster, null);
			rds.createDBClusterSnapshot((r) -> r.dbClusterIdentifier(cluster)
				.dbClusterSnapshotIdentifier(snapshot)
				.tags(Tag.builder().key("ferry:managed").value("true").build()));
			MotoServer.createAuroraCluster(rds, "ferry-restore-" + snapshot.substring("ferry-".length()), null);
		}

		FerryRun run = FerryProcess.against(this.database)
			.aws(moto)
			.env("FERRY_SNAPSHOT_CLUSTER_ID", cluster)
			.env("FERRY_ALLOW_RESTORE", "true")
			.env("FERRY_RESTORE_SNAPSHOT_ID", snapshot)
			.run("restore");

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(13);
		assertThat(run.<String>report("$.error.status")).isEqualTo("restore failed");
	}

	@Test
	void anUnexpectedFailureExitsWith1WithItsStackTrace() {
		Scripts.in(this.folder).write("V1__one.sql", "CREATE TABLE one (id int);");

		FerryRun run = FerryProcess.against(this.database)
			.locations(this.folder)
			.withTestClasses()
			.env("FLYWAY_CALLBACKS", "dev.ferry.testing.ExplodingCallback")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
		assertThat(run.output()).contains("a bug in a callback").contains("\tat ");
		assertThat(run.<String>report("$.outcome")).isEqualTo("failed");
	}

	private FerryRun migrate() {
		return FerryProcess.against(this.database).locations(this.folder).run();
	}

}
