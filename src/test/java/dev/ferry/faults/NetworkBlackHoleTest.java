package dev.ferry.faults;

import java.nio.file.Path;
import java.time.Duration;

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
 * The network between Ferry and the database turns into a black hole (a loopback proxy that stops forwarding but
 * closes nothing) while a migration holds ACCESS EXCLUSIVE on a table: Ferry exits 4 once its socket timeout has
 * passed, the server ends the session that waits for Ferry within the idle-in-transaction timeout, so the table's
 * lock is released even though Ferry never said goodbye, and a rerun over a working network applies the migration.
 */
@Tag("fault")
@ExtendWith(FaultLedger.class)
class NetworkBlackHoleTest {

	private static final FaultLedger.Scenario scenario = FaultLedger.scenario(7,
			"network black hole mid-migration, rerun");

	private static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(4);

	private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(6);

	private static final Duration IDLE_IN_TRANSACTION_TIMEOUT = Duration.ofSeconds(3);

	@TempDir
	Path folder;

	@Test
	@Timeout(240)
	void aBlackHoleMidMigrationEndsFerryWithExit4AndTheServerReleasesTheTablesLockWithoutIt() throws Exception {
		scenario.trials.incrementAndGet();
		// The pause is a placeholder: versioned checksums are taken before substitution, so the rerun may skip it.
		Scripts.in(this.folder)
			.write("V1__account.sql", "CREATE TABLE account (id int PRIMARY KEY);\nINSERT INTO account VALUES (1);\n")
			.write("V2__account_owner.sql", """
					ALTER TABLE account ADD COLUMN owner text;
					SELECT pg_sleep(${pause});
					UPDATE account SET owner = 'ops';
					""");
		Database database = Database.create("fault_blackhole");
		try (BlackHoleProxy proxy = BlackHoleProxy.to(database.host(), database.port())) {
			FerryRun first = scenario.check(ferry(database, "0").env("FLYWAY_TARGET", "1").run());
			assertThat(first.exitCode()).as(first.toString()).isZero();

			FerryProcess.Started started = ferry(database, "2")
				.env("FERRY_DB_URL", "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + database.name())
				.env("FERRY_STATEMENT_TIMEOUT", STATEMENT_TIMEOUT.toMillis() + "ms")
				.env("FERRY_SOCKET_TIMEOUT", SOCKET_TIMEOUT.toMillis() + "ms")
				.env("FERRY_IDLE_IN_TRANSACTION_TIMEOUT", IDLE_IN_TRANSACTION_TIMEOUT.toMillis() + "ms")
				.timeout(Duration.ofSeconds(120))
				.start();
			database.awaitActive("pg_sleep", Duration.ofSeconds(60));
			// The ALTER TABLE has run: Ferry's transaction holds ACCESS EXCLUSIVE on account from here on.
			proxy.swallowEverything();
			long holeOpened = System.nanoTime();
			scenario.faults.incrementAndGet();

			// The server finishes the pg_sleep, answers into the hole and waits for Ferry's next statement.
			Duration released = awaitLockReleased(database, Duration.ofSeconds(30));
			FerryRun cut = scenario.check(started.await());
			Duration exited = Duration.ofNanos(System.nanoTime() - holeOpened);
			scenario.note("black hole while V2 holds ACCESS EXCLUSIVE (then sleeps 2 s): the server released the table " + released.toMillis()
					+ " ms after, Ferry exited " + cut.exitCode() + " after " + exited.toMillis() + " ms (socket timeout "
					+ SOCKET_TIMEOUT.toSeconds() + " s, idle-in-transaction timeout "
					+ IDLE_IN_TRANSACTION_TIMEOUT.toSeconds() + " s)");

			assertThat(released).as("from the black hole to the table's lock released by the server")
				.isLessThan(Duration.ofSeconds(2).plus(IDLE_IN_TRANSACTION_TIMEOUT).plusSeconds(3));
			assertThat(cut.exitCode()).as(cut.toString()).isEqualTo(4);
			assertThat(cut.output()).contains("lost the connection to the database");
			assertThat(exited).as("from the black hole to Ferry's exit")
				.isLessThan(Duration.ofSeconds(45));
			assertThat(database.ferryLeftoversAfter(Duration.ofSeconds(5))).as("Ferry's sessions and locks").isEmpty();
			assertThat(database.column("SELECT column_name FROM information_schema.columns WHERE table_name ="
					+ " 'account' ORDER BY ordinal_position")).as("V2 rolled back").containsExactly("id");

			FerryRun rerun = scenario.check(ferry(database, "0").run());
			assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
			assertThat(database.single("SELECT owner FROM account")).isEqualTo("ops");
			assertThat(database.historyProblems()).isEmpty();
			scenario.converged.incrementAndGet();
		}
		finally {
			database.drop();
		}
	}

	/** How long until another session can take ACCESS EXCLUSIVE on the table, polled with a short lock timeout. */
	private static Duration awaitLockReleased(Database database, Duration timeout) throws InterruptedException {
		long started = System.nanoTime();
		while (true) {
			try {
				database.execute("SET lock_timeout = '200ms'; BEGIN; LOCK TABLE account IN ACCESS EXCLUSIVE MODE;"
						+ " ROLLBACK");
				return Duration.ofNanos(System.nanoTime() - started);
			}
			catch (IllegalStateException ex) {
				if (Duration.ofNanos(System.nanoTime() - started).compareTo(timeout) > 0) {
					throw new AssertionError("the table's lock was still held after " + timeout, ex);
				}
				Thread.sleep(100);
			}
		}
	}

	private FerryProcess ferry(Database database, String pause) {
		return database.ferry().locations(this.folder).env("FERRY_PLACEHOLDER_pause", pause);
	}

}
