package dev.ferry.faults;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.ferry.testing.CatalogDump;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kill -9 of the Ferry process at a random moment of a run of many migrations, then a plain rerun: it exits 0 and
 * leaves exactly the database an uninterrupted run leaves (catalog, data, history), with no failed or duplicate
 * history row and no row of the application's data lost.
 *
 * <p>The moments are drawn uniformly from JVM start to the end of an uninterrupted run (measured first), from a seed
 * that is printed: {@code -Dferry.faults.seed=<seed>} replays them, {@code -Dferry.faults.trials=<n>} sets their
 * number (default 50), {@code -Dferry.faults.parallel=<n>} how many run at once (default 2, each on its own
 * database; the window is measured with as many uninterrupted runs at once).
 */
@Tag("fault")
@ExtendWith(FaultLedger.class)
class KillNineDuringMigrationTest {

	private static final FaultLedger.Scenario scenario = FaultLedger.scenario(1, "kill -9 of Ferry mid-run, then rerun");

	private static final AtomicInteger beforeAnyMigration = new AtomicInteger();

	private static final AtomicInteger midRun = new AtomicInteger();

	private static final AtomicInteger afterExit = new AtomicInteger();

	private static String description = "";

	private static long trialsStarted;

	@TestFactory
	Stream<DynamicTest> aRerunAfterKillNineAtAnyMomentConvergesOnTheStateOfAnUninterruptedRun() {
		long seed = seed();
		int trials = Integer.getInteger("ferry.faults.trials", 50);
		ManyMigrationsProject project = ManyMigrationsProject.get();
		CatalogDump reference = project.reference();
		long window = project.uninterruptedRun().toMillis();
		description = "seed " + seed + " (-Dferry.faults.seed=" + seed + " replays it), " + trials + " trials, "
				+ ManyMigrationsProject.PARALLEL + " at a time, kill moments uniform in 0.." + window
				+ " ms (an uninterrupted run of " + project.pendingFromTemplate() + " pending migrations), reference"
				+ " dump of " + reference.lineCount() + " lines";
		System.out.println("fault suite, kill -9: " + description);
		Random random = new Random(seed);
		long[] delays = random.longs(trials, 0, window + 1).toArray();
		// The trials run PARALLEL at a time (each on its own database) in the background; a dynamic test reports each.
		ExecutorService workers = Executors.newFixedThreadPool(ManyMigrationsProject.PARALLEL);
		trialsStarted = System.nanoTime();
		List<String> labels = new ArrayList<>();
		List<Future<?>> outcomes = new ArrayList<>();
		for (int i = 0; i < trials; i++) {
			String label = "trial " + (i + 1) + " of " + trials + ": kill -9 at " + delays[i] + " ms (seed " + seed + ")";
			long delay = delays[i];
			labels.add(label);
			outcomes.add(workers.submit(() -> {
				trial(project, reference, delay, label);
				return null;
			}));
		}
		workers.shutdown();
		return IntStream.range(0, trials)
			.mapToObj((i) -> DynamicTest.dynamicTest(labels.get(i), () -> outcome(outcomes.get(i))));
	}

	private static void outcome(Future<?> trial) throws Throwable {
		try {
			trial.get(10, TimeUnit.MINUTES);
		}
		catch (ExecutionException ex) {
			throw ex.getCause();
		}
	}

	private void trial(ManyMigrationsProject project, CatalogDump reference, long delayMillis, String label)
			throws Exception {
		scenario.trials.incrementAndGet();
		Database database = project.freshCopy("fault_kill");
		try {
			long start = System.nanoTime();
			FerryProcess.Started started = database.ferry().locations(project.folder()).start();
			long remaining = delayMillis - (System.nanoTime() - start) / 1_000_000;
			if (remaining > 0) {
				Thread.sleep(remaining);
			}
			Process process = started.process();
			boolean alive = process.isAlive();
			process.destroyForcibly();
			assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the killed JVM is gone").isTrue();
			FerryRun killed = scenario.check(started.await());
			int committed = database.committedMigrations(CatalogDump.HISTORY_TABLE);
			boolean injected = alive && killed.exitCode() != 0;
			if (injected) {
				scenario.faults.incrementAndGet();
				int stagedRows = project.migrationCount() - project.pendingFromTemplate();
				((committed > stagedRows) ? midRun : beforeAnyMigration).incrementAndGet();
			}
			else {
				afterExit.incrementAndGet();
			}

			FerryRun rerun = scenario.check(database.ferry().locations(project.folder()).run());

			CatalogDump dump = database.dump();
			long lost = dump.rowsLostAgainst(reference);
			scenario.rowsLost.addAndGet(lost);
			List<String> differences = dump.differencesFrom(reference);
			List<String> historyProblems = database.historyProblems();
			boolean converged = rerun.exitCode() == 0 && differences.isEmpty() && historyProblems.isEmpty()
					&& lost == 0;
			if (converged) {
				scenario.converged.incrementAndGet();
			}
			SoftAssertions softly = new SoftAssertions();
			softly.assertThat(rerun.exitCode())
				.as("%s: the rerun's exit code; killed run: %s%nrerun: %s", label, killed, rerun)
				.isZero();
			softly.assertThat(historyProblems).as("%s: failed or duplicate history rows", label).isEmpty();
			softly.assertThat(lost).as("%s: rows lost", label).isZero();
			softly.assertThat(differences).as("%s: differences from the uninterrupted run's dump", label).isEmpty();
			softly.assertAll();
		}
		finally {
			database.drop();
		}
	}

	private static long seed() {
		String value = System.getProperty("ferry.faults.seed");
		return (value != null && !value.isBlank()) ? Long.parseLong(value.trim()) : new SecureRandom().nextLong();
	}

	@AfterAll
	static void note() {
		scenario.note(description);
		scenario.note("killed before the first pending migration committed: " + beforeAnyMigration.get()
				+ ", between migrations or mid-migration: " + midRun.get() + ", Ferry had already exited: "
				+ afterExit.get() + "; the trials took " + (System.nanoTime() - trialsStarted) / 1_000_000_000 + " s");
	}

}
