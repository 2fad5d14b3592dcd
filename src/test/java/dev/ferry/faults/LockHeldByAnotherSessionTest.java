package dev.ferry.faults;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.ferry.testing.CatalogDump;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.Scripts;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Another session holds a lock that a migration needs (a long report holding ACCESS SHARE while the migration's
 * ALTER TABLE wants ACCESS EXCLUSIVE). Ferry gives up after lock_timeout on each try, so the application's queries
 * that queue behind its ALTER never wait longer than that, retries with backoff, exits 7 with nothing changed, and
 * a rerun once the lock is released applies the migration.
 *
 * <p>Measured from outside: a third session runs {@code SELECT count(*) FROM busy} every 50 ms and times each one,
 * and a watcher samples {@code pg_stat_activity} for Ferry's sessions waiting on a lock.
 */
@Tag("fault")
@ExtendWith(FaultLedger.class)
class LockHeldByAnotherSessionTest {

	private static final long LOCK_TIMEOUT_MS = 1000;

	private static final long SLACK_MS = 700;

	private static final FaultLedger.Scenario scenario = FaultLedger.scenario(4,
			"lock held by another session, then released");

	@TempDir
	Path folder;

	@TempDir
	Path stage;

	@Test
	@Timeout(180)
	void ferryGivesUpWithinLockTimeoutOnEachTryNeverQueuesOtherQueriesLongerExits7AndARerunSucceedsLater()
			throws Exception {
		scenario.trials.incrementAndGet();
		String busy = "CREATE TABLE busy (id int PRIMARY KEY, note text NOT NULL);\n"
				+ "INSERT INTO busy SELECT i, 'row ' || i FROM generate_series(1, 1000) i;\n";
		Scripts.in(this.stage).write("V1__busy.sql", busy);
		Scripts.in(this.folder)
			.write("V1__busy.sql", busy)
			.write("V2__alter_busy.sql", "ALTER TABLE busy ADD COLUMN added int NOT NULL DEFAULT 0;\n");
		Database database = Database.create("fault_lock");
		try {
			assertThat(scenario.check(database.ferry().locations(this.stage).run()).exitCode()).isZero();
			CatalogDump before = database.dump();

			FerryRun blocked;
			Probe probe;
			Watcher watcher;
			try (Connection holder = database.connect()) {
				holder.setAutoCommit(false);
				holder.createStatement().execute("SELECT count(*) FROM busy");
				probe = Probe.start(database);
				watcher = Watcher.start(database);
				try {
					blocked = scenario.check(database.ferry()
						.locations(this.folder)
						.env("FERRY_LOCK_TIMEOUT", LOCK_TIMEOUT_MS + "ms")
						.env("FERRY_LOCK_RETRIES", "2")
						.env("FERRY_LOCK_RETRY_DELAY", "300ms")
						.run());
				}
				finally {
					probe.stop();
					watcher.stop();
				}
				holder.rollback();
			}
			scenario.faults.addAndGet(watcher.episodes());
			scenario.note("lock_timeout " + LOCK_TIMEOUT_MS + " ms, 2 retries: Ferry waited on the lock "
					+ watcher.episodes() + " times, at most " + watcher.longestMillis() + " ms; the probe's SELECT"
					+ " waited at most " + probe.longestMillis() + " ms (" + probe.count() + " SELECTs)");

			assertThat(blocked.exitCode()).as(blocked.toString()).isEqualTo(7);
			assertThat(blocked.output()).contains("Lock timeout (try 1 of 3), retrying in 300 ms")
				.contains("Lock timeout (try 2 of 3), retrying in 600 ms")
				.contains("lock_timeout (" + LOCK_TIMEOUT_MS + " ms) hit 3 times; another session holds a lock");
			assertThat(blocked.<String>report("$.error.sqlState")).isEqualTo("55P03");
			assertThat(watcher.episodes()).as("separate waits of Ferry on the lock: one per try").isEqualTo(3);
			assertThat(watcher.longestMillis()).as("longest wait of a Ferry statement on the lock, in ms")
				.isLessThanOrEqualTo(LOCK_TIMEOUT_MS + SLACK_MS);
			assertThat(probe.longestMillis()).as("longest wait of another session's SELECT, in ms")
				.isLessThanOrEqualTo(LOCK_TIMEOUT_MS + SLACK_MS)
				.as("the SELECTs did queue behind Ferry's ALTER TABLE (else this measures nothing)")
				.isGreaterThanOrEqualTo(LOCK_TIMEOUT_MS / 2);
			assertThat(database.dump().differencesFrom(before)).as("changes left by the blocked run").isEmpty();

			FerryRun rerun = scenario.check(database.ferry().locations(this.folder).run());

			assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
			assertThat(database.single("SELECT count(*) FROM busy WHERE added = 0")).isEqualTo("1000");
			assertThat(database.historyProblems()).isEmpty();
			scenario.converged.incrementAndGet();
		}
		finally {
			database.drop();
		}
	}

	/** Another session's query against the busy table, every 50 ms, timed. */
	static final class Probe implements Runnable {

		private final Database database;

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final AtomicLong longest = new AtomicLong();

		private final AtomicLong count = new AtomicLong();

		private final Thread thread;

		private volatile Exception failure;

		private Probe(Database database) {
			this.database = database;
			this.thread = new Thread(this, "lock-probe");
		}

		static Probe start(Database database) {
			Probe probe = new Probe(database);
			probe.thread.start();
			return probe;
		}

		@Override
		public void run() {
			try (Connection connection = this.database.connect(); Statement statement = connection.createStatement()) {
				statement.execute("SET statement_timeout = '60s'");
				while (this.running.get()) {
					long started = System.nanoTime();
					try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM busy")) {
						rows.next();
					}
					this.longest.accumulateAndGet((System.nanoTime() - started) / 1_000_000, Math::max);
					this.count.incrementAndGet();
					Thread.sleep(50);
				}
			}
			catch (Exception ex) {
				this.failure = ex;
			}
		}

		void stop() throws Exception {
			this.running.set(false);
			this.thread.join(70_000);
			if (this.failure != null) {
				throw this.failure;
			}
		}

		long longestMillis() {
			return this.longest.get();
		}

		long count() {
			return this.count.get();
		}

	}

	/** Samples pg_stat_activity every 20 ms for Ferry's sessions that wait on a lock. */
	static final class Watcher implements Runnable {

		private final Database database;

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final Map<String, Long> waits = Collections.synchronizedMap(new HashMap<>());

		private final Thread thread;

		private volatile Exception failure;

		private Watcher(Database database) {
			this.database = database;
			this.thread = new Thread(this, "lock-watcher");
		}

		static Watcher start(Database database) {
			Watcher watcher = new Watcher(database);
			watcher.thread.start();
			return watcher;
		}

		@Override
		public void run() {
			String sql = "SELECT pid || '@' || query_start, (extract(epoch FROM clock_timestamp() - query_start) * 1000)"
					+ "::bigint FROM pg_stat_activity WHERE application_name = 'ferry' AND datname = current_database()"
					+ " AND wait_event_type = 'Lock' AND state = 'active'";
			try (Connection connection = this.database.connect(); Statement statement = connection.createStatement()) {
				while (this.running.get()) {
					try (ResultSet rows = statement.executeQuery(sql)) {
						while (rows.next()) {
							this.waits.merge(rows.getString(1), rows.getLong(2), Math::max);
						}
					}
					Thread.sleep(20);
				}
			}
			catch (Exception ex) {
				this.failure = ex;
			}
		}

		void stop() throws Exception {
			this.running.set(false);
			this.thread.join(10_000);
			if (this.failure != null) {
				throw this.failure;
			}
		}

		int episodes() {
			return this.waits.size();
		}

		long longestMillis() {
			synchronized (this.waits) {
				return new ArrayList<>(this.waits.values()).stream().mapToLong(Long::longValue).max().orElse(0);
			}
		}

	}

}
