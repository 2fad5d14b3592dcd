package dev.ferry.faults;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;

import dev.ferry.testing.CatalogDump;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.Scripts;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM, as ECS's stop-task sends it, while Ferry runs a long statement of a migration (or waits for another
 * runner's Flyway lock): Ferry cancels the statement, lets its transaction roll back, releases Flyway's lock, writes
 * the report and exits 11 within a few seconds (well within ECS's 30 s); nothing of Ferry's is left on the server,
 * and a rerun proceeds at once.
 */
@Tag("fault")
@ExtendWith(FaultLedger.class)
class SigtermDuringMigrationTest {

	private static final FaultLedger.Scenario scenario = FaultLedger.scenario(6,
			"SIGTERM mid-statement or in a lock wait, rerun");

	/** What the whole stop may take here; ECS sends SIGKILL 30 s after SIGTERM. */
	private static final Duration STOP_BOUND = Duration.ofSeconds(10);

	@TempDir
	Path folder;

	@Test
	@Timeout(180)
	void sigtermDuringAMigrationOfADatabaseWithHistoryCancelsItRollsItBackReportsAndExits11() throws Exception {
		stopMidStatementAndRerun(withV1Applied("fault_sigterm"));
	}

	@Test
	@Timeout(180)
	void sigtermDuringTheFirstRunOnANewDatabaseKeepsWhatCommittedAndExits11() throws Exception {
		writeProject();
		stopMidStatementAndRerun(Database.create("fault_sigterm_new"));
	}

	@Test
	@Timeout(180)
	void sigtermWhileWaitingForAnotherRunnersFlywayLockExits11AtOnce() throws Exception {
		Database database = withV1Applied("fault_sigterm_lock");
		try {
			scenario.trials.incrementAndGet();
			FerryRun stopped;
			try (Connection otherRunner = database.connect()) {
				// What another Ferry holds while it migrates: Flyway's session-level advisory lock.
				otherRunner.createStatement().execute("SELECT pg_advisory_lock(" + flywayLock() + ")");
				FerryProcess.Started started = ferry(database, "0").start();
				// Flyway polls the lock, sleeping in between: the stop interrupts that wait.
				database.awaitSession("application_name = 'ferry' AND query LIKE 'SELECT pg_try_advisory_lock%'",
						Duration.ofSeconds(60));
				stopped = sigterm(started);
			}
			assertStoppedCleanly(database, stopped);
			scenario.converged.incrementAndGet();
		}
		finally {
			database.drop();
		}
	}

	/** Stops Ferry inside V2's pg_sleep, checks what it left, reruns, and drops the database. */
	private void stopMidStatementAndRerun(Database database) throws Exception {
		try {
			scenario.trials.incrementAndGet();
			FerryProcess.Started started = ferry(database, "60").start();
			database.awaitActive("pg_sleep", Duration.ofSeconds(60));
			FerryRun stopped = sigterm(started);

			assertStoppedCleanly(database, stopped);
			assertThat(stopped.<String>report("$.error.message")).contains("cancelled V2__slow.sql");
			assertThat(stopped.<String>report("$.error.sqlState")).as("query_canceled").isEqualTo("57014");
			assertThat(database.history(CatalogDump.HISTORY_TABLE)).as("the history keeps V1, has no row of V2")
				.containsExactly("1:true");
			assertThat(database.tableExists("public.slow")).as("V2's table, rolled back").isFalse();

			long rerunStarted = System.nanoTime();
			FerryRun rerun = scenario.check(ferry(database, "0").run());
			assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
			assertThat(Duration.ofNanos(System.nanoTime() - rerunStarted)).as("the rerun waited on nothing")
				.isLessThan(Duration.ofSeconds(20));
			assertThat(database.history(CatalogDump.HISTORY_TABLE)).containsExactly("1:true", "2:true");
			assertThat(database.historyProblems()).isEmpty();
			scenario.converged.incrementAndGet();
		}
		finally {
			database.drop();
		}
	}

	private static FerryRun sigterm(FerryProcess.Started started) {
		return scenario.sigterm(started, STOP_BOUND);
	}

	private static void assertStoppedCleanly(Database database, FerryRun stopped) throws InterruptedException {
		assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(11);
		assertThat(stopped.output()).contains("SIGTERM: stopping the run")
			.contains("Ferry failed (exit 11, stopped by SIGTERM): stopped by SIGTERM");
		assertThat(stopped.<String>report("$.outcome")).isEqualTo("failed");
		assertThat(stopped.<Integer>report("$.exitCode")).isEqualTo(11);
		assertThat(stopped.<String>report("$.error.status")).isEqualTo("stopped by SIGTERM");
		assertThat(database.ferryLeftoversAfter(Duration.ofSeconds(2))).as("Ferry's sessions and locks on the server")
			.isEmpty();
	}

	/** A database with history, as in production: V1 applied by a first run, V2 pending. */
	private Database withV1Applied(String prefix) {
		writeProject();
		Database database = Database.create(prefix);
		FerryRun first = scenario.check(ferry(database, "0").env("FLYWAY_TARGET", "1").run());
		assertThat(first.exitCode()).as(first.toString()).isZero();
		return database;
	}

	private void writeProject() {
		// The pause is a placeholder: versioned checksums are taken before substitution, so the rerun may skip it.
		Scripts.in(this.folder)
			.write("V1__ledger.sql", "CREATE TABLE ledger (id int PRIMARY KEY);\nINSERT INTO ledger VALUES (1);\n")
			.write("V2__slow.sql", "CREATE TABLE slow (id int);\nSELECT pg_sleep(${pause});\n");
	}

	private FerryProcess ferry(Database database, String pause) {
		return database.ferry().locations(this.folder).env("FERRY_PLACEHOLDER_pause", pause);
	}

	/** The key of Flyway's advisory lock: "Flyway" in ASCII plus the Java hash code of the history table's name. */
	private static long flywayLock() {
		return 0x466C79776179L + ("\"public\"." + "\"" + CatalogDump.HISTORY_TABLE + "\"").hashCode();
	}

}
