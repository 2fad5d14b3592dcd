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
 * A {@code CREATE INDEX CONCURRENTLY IF NOT EXISTS} migration (the shape of the sample's V4, in a fixture of its
 * own) that times out on a writer's open transaction, is killed with -9 while it waits, or fails on the data: it
 * never ends as an invalid index recorded as applied, and the invalid index a cut-short build leaves is no drift,
 * so the rerun converges under {@code FERRY_DRIFT=fail} (what the example sets for prod). A lock timeout is retried and ends in exit 7 with no failed history row, so the next run
 * builds the index; any other failure keeps Flyway's failed row (exit 6), and repair followed by a rerun builds a
 * valid index.
 */
@Tag("fault")
@ExtendWith(FaultLedger.class)
class ConcurrentIndexFailureTest {

	private static final FaultLedger.Scenario scenario = FaultLedger.scenario(8,
			"CREATE INDEX CONCURRENTLY cut short, rerun");

	private static final String INDEX = "app.app_user_email_idx";

	@TempDir
	Path folder;

	@Test
	@Timeout(180)
	void aWriterHoldingTheTableThroughEveryTryEndsInExit7WithNoFailedRowAndTheNextRunBuildsAValidIndex()
			throws Exception {
		Database database = prepared(false);
		try {
			FerryRun blocked;
			try (Connection writer = writerHoldingTheTable(database)) {
				blocked = scenario.check(ferry(database).env("FERRY_LOCK_RETRIES", "2").run());
				scenario.faults.incrementAndGet();
			}
			assertThat(blocked.exitCode()).as(blocked.toString()).isEqualTo(7);
			assertThat(blocked.<String>report("$.error.sqlState")).isEqualTo("55P03");
			assertThat(database.history(CatalogDump.HISTORY_TABLE)).as("no failed row of V2").containsExactly("1:true");
			assertThat(validity(database)).as("the build's leftover, whose drop could not get its lock either")
				.isEqualTo("f");

			FerryRun rerun = scenario.check(ferry(database).env("FERRY_DRIFT", "fail").run());

			assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
			assertThat(rerun.<String>report("$.driftCheck")).as("Ferry's own leftover is no drift").startsWith("no drift");
			assertValidIndexApplied(database);
		}
		finally {
			database.drop();
		}
	}

	@Test
	@Timeout(180)
	void aKillNineInsideTheBuildLeavesAnInvalidIndexThatIsNoDriftAndTheRerunUnderFailDriftBuildsItValid()
			throws Exception {
		Database database = prepared(false);
		try {
			try (Connection writer = writerHoldingTheTable(database)) {
				FerryProcess.Started started = ferry(database).env("FERRY_LOCK_TIMEOUT", "60s").start();
				database.awaitSession("query LIKE '%CREATE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'",
						Duration.ofSeconds(60));
				assertThat(validity(database)).as("the build has created its index and waits on the writer")
					.isEqualTo("f");
				started.process().destroyForcibly();
				FerryRun killed = scenario.check(started.await());
				assertThat(killed.exitCode()).as(killed.toString()).isNotZero();
				scenario.faults.incrementAndGet();
				// The server notices the client is gone (client_connection_check_interval) and ends the build.
				assertThat(database.ferryLeftoversAfter(Duration.ofSeconds(30))).isEmpty();
			}
			assertThat(validity(database)).as("the killed build's leftover").isEqualTo("f");
			assertThat(database.history(CatalogDump.HISTORY_TABLE)).containsExactly("1:true");

			FerryRun rerun = scenario.check(ferry(database).env("FERRY_DRIFT", "fail").run());

			assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
			assertThat(rerun.<String>report("$.driftCheck")).as("Ferry's own leftover is no drift").startsWith("no drift");
			assertThat(rerun.output()).contains("Dropped the invalid index " + INDEX);
			assertValidIndexApplied(database);
		}
		finally {
			database.drop();
		}
	}

	@Test
	@Timeout(180)
	void aWriterThatFinishesDuringTheRetriesLetsTheRetryBuildAValidIndex() throws Exception {
		Database database = prepared(false);
		try {
			FerryProcess.Started started;
			try (Connection writer = writerHoldingTheTable(database)) {
				started = ferry(database).env("FERRY_LOCK_RETRIES", "10").env("FERRY_LOCK_RETRY_DELAY", "1s").start();
				long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
				while (!started.outputSoFar().contains("Lock timeout (try 1") && System.nanoTime() < deadline) {
					Thread.sleep(100);
				}
				scenario.faults.incrementAndGet();
			}
			FerryRun run = scenario.check(started.await());

			assertThat(run.exitCode()).as(run.toString()).isZero();
			assertThat(run.output()).contains("Lock timeout (try 1 of 11)");
			assertValidIndexApplied(database);
		}
		finally {
			database.drop();
		}
	}

	@Test
	@Timeout(180)
	void aBuildThatFailsOnTheDataLeavesNoInvalidIndexExits6AndRepairThenRerunBuildsAValidIndex() throws Exception {
		Database database = prepared(true);
		try {
			database.execute("INSERT INTO app.app_user VALUES (1001, 'USER1@example.com')");
			FerryRun failed = scenario.check(ferry(database).run());
			scenario.faults.incrementAndGet();

			assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(6);
			assertThat(failed.<String>report("$.error.sqlState")).isEqualTo("23505");
			assertThat(database.history(CatalogDump.HISTORY_TABLE)).as("Flyway's failed row stays")
				.containsExactly("1:true", "2:false");
			assertThat(database.tableExists(INDEX)).as("the invalid index the failed build left").isFalse();

			database.execute("DELETE FROM app.app_user WHERE id = 1001");
			FerryRun repair = scenario.check(ferry(database).run("repair"));
			assertThat(repair.exitCode()).as(repair.toString()).isZero();
			FerryRun rerun = scenario.check(ferry(database).run());

			assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
			assertValidIndexApplied(database);
		}
		finally {
			database.drop();
		}
	}

	/** The table applied by a first run, and the index migration (unique for a build that can fail) pending. */
	private Database prepared(boolean unique) {
		scenario.trials.incrementAndGet();
		Scripts.in(this.folder).write("V1__app_user.sql", """
				CREATE SCHEMA app;
				CREATE TABLE app.app_user (id int PRIMARY KEY, email text NOT NULL);
				INSERT INTO app.app_user SELECT i, 'user' || i || '@example.com' FROM generate_series(1, 1000) i;
				""");
		Database database = Database.create("fault_cic");
		FerryRun first = scenario.check(ferry(database).run());
		assertThat(first.exitCode()).as(first.toString()).isZero();
		Scripts.in(this.folder).write("V2__index_user_email.sql", """
				-- flyway:executeInTransaction=false
				CREATE %sINDEX CONCURRENTLY IF NOT EXISTS app_user_email_idx ON app.app_user (lower(email));
				""".formatted(unique ? "UNIQUE " : ""));
		return database;
	}

	/** An application transaction that wrote a row and has not committed yet. */
	private static Connection writerHoldingTheTable(Database database) throws Exception {
		Connection writer = database.connect();
		writer.setAutoCommit(false);
		writer.createStatement().execute("INSERT INTO app.app_user VALUES (5000, 'writer@example.com')");
		return writer;
	}

	/** {@code t} or {@code f}. */
	private static String validity(Database database) {
		return database.single("SELECT indisvalid FROM pg_index WHERE indexrelid = '" + INDEX + "'::regclass");
	}

	private static void assertValidIndexApplied(Database database) {
		assertThat(validity(database)).as("the index is valid").isEqualTo("t");
		assertThat(database.history(CatalogDump.HISTORY_TABLE)).containsExactly("1:true", "2:true");
		assertThat(database.historyProblems()).isEmpty();
		scenario.converged.incrementAndGet();
	}

	private FerryProcess ferry(Database database) {
		return database.ferry()
			.locations(this.folder)
			.env("FERRY_LOCK_TIMEOUT", "500ms")
			.env("FERRY_LOCK_RETRY_DELAY", "200ms");
	}

}
