package dev.ferry;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A migration that needs a lock another session holds gives up after lock_timeout, so it never queues the
 * application's queries behind it for long, retries with backoff, and exits 7 when the lock never comes free.
 */
class LockTimeoutTest {

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	@Test
	void aLockHeldThroughEveryRetryExits7AndAppliesNothing() throws Exception {
		prepareBusyTable();
		try (Connection holder = holdLockOnBusyTable()) {
			FerryRun run = FerryProcess.against(this.database)
				.locations(this.folder)
				.env("FERRY_LOCK_TIMEOUT", "300ms")
				.env("FERRY_LOCK_RETRIES", "2")
				.env("FERRY_LOCK_RETRY_DELAY", "200ms")
				.run();

			assertThat(run.exitCode()).as(run.toString()).isEqualTo(7);
			assertThat(run.output()).contains("Lock timeout (try 1 of 3), retrying in 200 ms")
				.contains("Lock timeout (try 2 of 3), retrying in 400 ms")
				.contains("lock_timeout (300 ms) hit 3 times");
			assertThat(run.<String>report("$.error.sqlState")).isEqualTo("55P03");
		}
		assertThat(this.database.single("SELECT count(*) FROM information_schema.columns WHERE column_name = 'added'"))
			.isEqualTo("0");
	}

	@Test
	void aLockReleasedDuringTheRetriesLetsTheMigrationThrough() throws Exception {
		prepareBusyTable();
		FerryProcess.Started started;
		try (Connection holder = holdLockOnBusyTable()) {
			started = FerryProcess.against(this.database)
				.locations(this.folder)
				.env("FERRY_LOCK_TIMEOUT", "300ms")
				.env("FERRY_LOCK_RETRIES", "10")
				.env("FERRY_LOCK_RETRY_DELAY", "500ms")
				.start();
			long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
			while (!started.outputSoFar().contains("Lock timeout (try 1") && System.nanoTime() < deadline) {
				Thread.sleep(100);
			}
		}
		FerryRun run = started.await();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.output()).contains("Lock timeout (try 1 of 11)");
		assertThat(this.database.single("SELECT count(*) FROM information_schema.columns WHERE column_name = 'added'"))
			.isEqualTo("1");
	}

	private void prepareBusyTable() {
		Scripts.in(this.folder)
			.write("V1__busy.sql", "CREATE TABLE busy (id int);")
			.write("V2__alter_busy.sql", "ALTER TABLE busy ADD COLUMN added int;");
		FerryRun first = FerryProcess.against(this.database).locations(this.folder).env("FLYWAY_TARGET", "1").run();
		assertThat(first.exitCode()).as(first.toString()).isZero();
		assertThat(this.database.tableExists("public.busy")).isTrue();
	}

	private Connection holdLockOnBusyTable() throws Exception {
		Connection holder = this.database.connect();
		holder.setAutoCommit(false);
		holder.createStatement().execute("LOCK TABLE busy IN ACCESS SHARE MODE");
		return holder;
	}

}
