package dev.ferry.faults;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
 * PostgreSQL stopped (fast shutdown, every session cut off) while Ferry runs a slow migration, then started again
 * on the same port and data directory: Ferry exits 4 or 6 with a message that says the connection was lost, and a
 * plain rerun finishes the job, leaving what an uninterrupted run leaves.
 */
@Tag("fault")
@ExtendWith(FaultLedger.class)
class PostgresRestartMidRunTest {

	private static final FaultLedger.Scenario scenario = FaultLedger.scenario(2,
			"PostgreSQL stopped mid-run, started again");

	@TempDir
	Path folder;

	@Test
	@Timeout(240)
	void aDatabaseStoppedDuringAMigrationFailsTheRunClearlyAndTheRerunAfterItsRestartSucceeds() throws Exception {
		scenario.trials.incrementAndGet();
		// The pause is a placeholder: versioned checksums are taken before substitution, so the rerun may skip it.
		Scripts.in(this.folder)
			.write("V1__ledger.sql", """
					CREATE TABLE ledger (id int PRIMARY KEY, amount numeric(12, 2) NOT NULL);
					INSERT INTO ledger SELECT i, i * 0.5 FROM generate_series(1, 5000) i;
					""")
			.write("V2__ledger_index.sql", "CREATE INDEX ledger_amount ON ledger (amount);\n")
			.write("V3__slow_backfill.sql", """
					ALTER TABLE ledger ADD COLUMN fee numeric(12, 2);
					UPDATE ledger SET fee = amount / 10;
					SELECT pg_sleep(${pause});
					INSERT INTO ledger SELECT i, i * 0.25, 0 FROM generate_series(5001, 6000) i;
					""")
			.write("V4__ledger_summary.sql", """
					CREATE TABLE ledger_summary AS SELECT count(*) AS entries, sum(amount) AS total FROM ledger;
					""");
		try (RestartablePostgres postgres = RestartablePostgres.create()) {
			postgres.start();
			Database database = postgres.createDatabase("fault_restart");
			Database uninterrupted = postgres.createDatabase("fault_restart_ref");
			FerryRun reference = scenario.check(ferry(uninterrupted, "0").run());
			assertThat(reference.exitCode()).as(reference.toString()).isZero();
			CatalogDump expected = uninterrupted.dump();

			// A database with history, as in production: one transaction per migration, so V2 stays committed.
			FerryRun first = scenario.check(ferry(database, "0").env("FLYWAY_TARGET", "1").run());
			assertThat(first.exitCode()).as(first.toString()).isZero();
			FerryProcess.Started started = ferry(database, "30").timeout(Duration.ofSeconds(120)).start();
			started.awaitOutput("Applied V2 ");
			database.awaitActive("pg_sleep", Duration.ofSeconds(30));
			postgres.stop();
			scenario.faults.incrementAndGet();
			FerryRun failed = scenario.check(started.await());
			postgres.start();

			assertThat(failed.exitCode()).as(failed.toString()).isIn(4, 6);
			assertThat(failed.output()).as(failed.toString())
				.containsPattern("Ferry failed \\(exit [46], [^)]*\\): .*")
				.containsPattern("(?i)(terminating connection|connection .*(closed|refused|lost|terminated|reset)"
						+ "|I/O error|database unreachable)");
			assertThat(failed.<String>report("$.outcome")).isEqualTo("failed");
			assertThat(failed.<String>report("$.error.sqlState")).as("connection failure or administrator shutdown")
				.matches("08...|57P0.");
			assertThat(database.column("SELECT version FROM flyway_schema_history WHERE type <> 'SCHEMA' ORDER BY"
					+ " installed_rank")).as("what the stopped run committed").containsExactly("1", "2");

			FerryRun rerun = scenario.check(ferry(database, "0").run());

			assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
			assertThat(rerun.<Integer>report("$.applied.length()")).isEqualTo(2);
			CatalogDump dump = database.dump();
			long lost = dump.rowsLostAgainst(expected);
			scenario.rowsLost.addAndGet(lost);
			List<String> differences = dump.differencesFrom(expected);
			assertThat(database.historyProblems()).isEmpty();
			assertThat(differences).as("differences from an uninterrupted run").isEmpty();
			assertThat(lost).isZero();
			scenario.converged.incrementAndGet();
			scenario.note("exit " + failed.exitCode() + ": " + failureLine(failed));
		}
	}

	private FerryProcess ferry(Database database, String pause) {
		return database.ferry()
			.locations(this.folder)
			.env("FERRY_PLACEHOLDER_pause", pause)
			.env("FERRY_CONNECT_TIMEOUT", "5s");
	}


	private static String failureLine(FerryRun run) {
		return run.output().lines().filter((l) -> l.contains("Ferry failed")).findFirst().orElse("(no failure line)");
	}

}
