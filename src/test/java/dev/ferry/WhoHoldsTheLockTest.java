package dev.ferry;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import dev.ferry.testing.TestSecrets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A lock timeout tells the on-call engineer whom to talk to: Ferry watches each migration from a second connection
 * and, when it waits on a lock, asks {@code pg_blocking_pids} who holds it; the exit-7 message, every retry's warning,
 * the JSON report and the step summary name those sessions, their queries masked.
 */
class WhoHoldsTheLockTest {

	private static final String HOLDER_APPLICATION = "nightly-report";

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	@Test
	void aLockTimeoutNamesTheBlockingSessionInTheExitMessageTheLogTheReportAndTheSummary() throws Exception {
		prepareBusyTable();
		FerryRun run;
		int holderPid;
		try (Connection holder = connectAs(HOLDER_APPLICATION)) {
			holderPid = pidOf(holder);
			holder.createStatement().execute("SELECT count(*) AS busy_rows\nFROM busy");
			run = ferryWithShortLockTimeout().run();
		}

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(7);
		String named = "blocked by pid " + holderPid + " (" + PostgresServer.get().username() + ", application \""
				+ HOLDER_APPLICATION + "\", idle in transaction for ";
		assertThat(run.output()).as("each retry's warning")
			.containsPattern("Lock timeout \\(try 1 of 2\\), retrying in 200 ms: another session holds a lock the"
					+ " migration needs, " + java.util.regex.Pattern.quote(named))
			.as("the exit-7 message")
			.containsPattern("lock_timeout \\(1000 ms\\) hit 2 times; another session holds a lock the migration"
					+ " needs, " + java.util.regex.Pattern.quote(named)
					+ "[^\\n]*transaction open \\d+ (s|ms): \"SELECT count\\(\\*\\) AS busy_rows\"\\)");
		assertThat(run.<String>report("$.message")).contains(named);
		List<Map<String, Object>> blockers = run.report("$.error.blockers");
		assertThat(blockers).hasSize(1);
		Map<String, Object> blocker = blockers.get(0);
		assertThat(blocker).containsEntry("pid", holderPid)
			.containsEntry("user", PostgresServer.get().username())
			.containsEntry("applicationName", HOLDER_APPLICATION)
			.containsEntry("state", "idle in transaction")
			.containsEntry("query", "SELECT count(*) AS busy_rows");
		assertThat(blocker.get("waitEvent")).as("what the blocker waits for itself").isNull();
		assertThat(((Number) blocker.get("transactionAgeMs")).longValue()).isGreaterThanOrEqualTo(
				((Number) blocker.get("stateAgeMs")).longValue());
		assertThat(run.summary()).contains("| Blocked by pid | User | Application | State |")
			.contains("| " + holderPid + " | " + PostgresServer.get().username() + " | " + HOLDER_APPLICATION
					+ " | idle in transaction | ")
			.contains(" | SELECT count(*) AS busy_rows |");
	}

	@Test
	void aSecretValueInTheBlockersQueryIsMaskedAndAppearsNowhere() throws Exception {
		prepareBusyTable();
		FerryRun run;
		try (Connection holder = connectAs(HOLDER_APPLICATION)) {
			holder.createStatement().execute("LOCK TABLE busy IN ACCESS SHARE MODE");
			holder.createStatement()
				.execute("SELECT set_config('app.api_password', '" + TestSecrets.API_DB_PASSWORD + "', true)");
			run = ferryWithShortLockTimeout().run();
		}

		// FerryProcess also checks the output, the report and the summary for the value itself.
		assertThat(run.exitCode()).as(run.toString()).isEqualTo(7);
		assertThat(run.<String>report("$.error.blockers[0].query"))
			.isEqualTo("SELECT set_config('app.api_password', '****', true)");
		assertThat(run.output()).contains(": \"SELECT set_config('app.api_password', '****', true)\")");
	}

	@Test
	void aPasswordInTheBlockersQueryIsMaskedEvenWhenFerryDoesNotKnowTheValue() throws Exception {
		prepareBusyTable();
		String unknown = "Unknown-To-Ferry-771";
		String role = "blocker_role_" + this.database.name();
		FerryRun run;
		try (Connection holder = connectAs(HOLDER_APPLICATION)) {
			holder.createStatement().execute("LOCK TABLE busy IN ACCESS SHARE MODE");
			holder.createStatement().execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + unknown + "'");
			run = ferryWithShortLockTimeout().run();
			holder.rollback();
		}

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(7);
		assertThat(run.<String>report("$.error.blockers[0].query"))
			.isEqualTo("CREATE ROLE " + role + " LOGIN PASSWORD '****'");
		assertThat(run.output()).doesNotContain(unknown);
		assertThat(run.report()).doesNotContain(unknown);
		assertThat(run.summary()).doesNotContain(unknown);
	}

	@Test
	void aConcurrentIndexBuildWaitingOnAnOpenTransactionNamesThatTransaction() throws Exception {
		Scripts.in(this.folder).write("V1__busy.sql", "CREATE TABLE busy (id int);");
		FerryRun first = FerryProcess.against(this.database).locations(this.folder).run();
		assertThat(first.exitCode()).as(first.toString()).isZero();
		Scripts.in(this.folder).write("V2__index_busy.sql", """
				-- flyway:executeInTransaction=false
				CREATE INDEX CONCURRENTLY IF NOT EXISTS busy_id_idx ON busy (id);
				""");
		FerryRun run;
		int holderPid;
		try (Connection holder = connectAs(HOLDER_APPLICATION)) {
			holderPid = pidOf(holder);
			holder.createStatement().execute("INSERT INTO busy VALUES (1)");
			run = ferryWithShortLockTimeout().run();
		}

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(7);
		assertThat(run.<Integer>report("$.error.blockers[0].pid")).isEqualTo(holderPid);
		assertThat(run.<String>report("$.error.blockers[0].query")).isEqualTo("INSERT INTO busy VALUES (1)");
		assertThat(run.output()).contains("blocked by pid " + holderPid + " (");
	}

	@Test
	void aRunThatWaitsOnNoOneReportsNoBlockers() {
		Scripts.in(this.folder).write("V1__busy.sql", "CREATE TABLE busy (id int);");
		FerryRun applied = FerryProcess.against(this.database).locations(this.folder).run();
		Scripts.in(this.folder).write("V2__broken.sql", "ALTER TABLE no_such_table ADD COLUMN added int;");
		FerryRun failed = FerryProcess.against(this.database).locations(this.folder).run();

		assertThat(applied.exitCode()).as(applied.toString()).isZero();
		assertThat(applied.output()).doesNotContain("blocked by");
		assertThat(applied.report()).doesNotContain("blockers");
		assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(6);
		assertThat(failed.output()).doesNotContain("blocked by");
		assertThat(failed.report()).doesNotContain("blockers");
		assertThat(failed.summary()).doesNotContain("Blocked by");
	}

	@Test
	void aBlockerThatLetsGoBeforeTheTimeoutLetsTheMigrationThroughAndNothingIsReported() throws Exception {
		prepareBusyTable();
		FerryProcess.Started started;
		try (Connection holder = connectAs(HOLDER_APPLICATION)) {
			holder.createStatement().execute("LOCK TABLE busy IN ACCESS SHARE MODE");
			started = FerryProcess.against(this.database)
				.locations(this.folder)
				.env("FERRY_LOCK_TIMEOUT", "30s")
				.env("FERRY_LOCK_RETRIES", "0")
				.start();
			awaitFerryWaitingOnALock();
			holder.rollback();
		}
		FerryRun run = started.await();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.output()).doesNotContain("blocked by");
		assertThat(run.report()).doesNotContain("blockers");
		assertThat(this.database.single("SELECT count(*) FROM information_schema.columns WHERE column_name = 'added'"))
			.isEqualTo("1");
	}

	private FerryProcess ferryWithShortLockTimeout() {
		return FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FERRY_LOCK_TIMEOUT", "1s")
			.env("FERRY_LOCK_RETRIES", "1")
			.env("FERRY_LOCK_RETRY_DELAY", "200ms");
	}

	private void prepareBusyTable() {
		Scripts.in(this.folder)
			.write("V1__busy.sql", "CREATE TABLE busy (id int);")
			.write("V2__alter_busy.sql", "ALTER TABLE busy ADD COLUMN added int;");
		FerryRun first = FerryProcess.against(this.database).locations(this.folder).env("FLYWAY_TARGET", "1").run();
		assertThat(first.exitCode()).as(first.toString()).isZero();
	}

	/** A session of "the application", in a transaction it keeps open. */
	private Connection connectAs(String applicationName) throws SQLException {
		Properties properties = new Properties();
		properties.setProperty("user", this.database.server().username());
		if (this.database.server().password() != null) {
			properties.setProperty("password", this.database.server().password());
		}
		properties.setProperty("ApplicationName", applicationName);
		Connection connection = DriverManager.getConnection(this.database.url(), properties);
		connection.setAutoCommit(false);
		return connection;
	}

	private static int pidOf(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT pg_backend_pid()")) {
			rows.next();
			return rows.getInt(1);
		}
	}

	private void awaitFerryWaitingOnALock() throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		while (this.database.column("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
				+ " AND application_name = 'ferry' AND wait_event_type = 'Lock'").isEmpty()) {
			assertThat(System.nanoTime()).as("Ferry waiting on the lock within a minute").isLessThan(deadline);
			Thread.sleep(50);
		}
	}

}
