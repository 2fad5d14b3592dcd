package dev.ferry.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.TestSecrets;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault suite's bookkeeping: per scenario, how many trials ran, how many faults were injected, how many runs
 * converged, how many rows were lost and how many secret values leaked. After each test class it scans what the
 * Ferry processes of this suite wrote ({@code target/ferry-test-output}) for every secret value; at the very end
 * of the suite it scans once more, prints the table to standard output and writes it to
 * {@code target/faults-summary.md}, and fails if a row was lost or a secret leaked.
 */
public final class FaultLedger implements BeforeAllCallback, AfterAllCallback {

	private static final Path RUN_OUTPUT = Path.of("target", "ferry-test-output");

	private static final Path SUMMARY = Path.of("target", "faults-summary.md");

	private static final Map<Integer, Scenario> scenarios = Collections.synchronizedMap(new TreeMap<>());

	private static final List<String> extraSecrets = new CopyOnWriteArrayList<>();

	private static final List<AutoCloseable> closeAtEnd = new CopyOnWriteArrayList<>();

	private static final List<String> leaksInMemory = new CopyOnWriteArrayList<>();

	private static final AtomicLong ferryRuns = new AtomicLong();

	private static final Instant started = Instant.now().minusSeconds(1);

	/** A scenario's row of the table, made on first use. */
	static Scenario scenario(int order, String name) {
		return scenarios.computeIfAbsent(order, (k) -> new Scenario(name));
	}

	/** A value the suite hands to Ferry that must never appear in what Ferry prints or writes. */
	static String secret(String value) {
		if (!extraSecrets.contains(value)) {
			extraSecrets.add(value);
		}
		return value;
	}

	/** Something to close after the last test of the suite, before the final scan. */
	static void closeAtEnd(AutoCloseable resource) {
		closeAtEnd.add(0, resource);
	}

	/**
	 * Checks one finished run for the suite's own secrets (FerryProcess has checked the shared ones already) and
	 * counts it.
	 */
	static FerryRun check(FerryRun run) {
		return check(run, null);
	}

	static FerryRun check(FerryRun run, Scenario scenario) {
		ferryRuns.incrementAndGet();
		List<String> leaks = new ArrayList<>();
		for (int i = 0; i < extraSecrets.size(); i++) {
			String secret = extraSecrets.get(i);
			for (String[] place : new String[][] { { "output", run.output() }, { "report", run.report() },
					{ "summary", run.summary() } }) {
				if (place[1] != null && place[1].contains(secret)) {
					leaks.add("suite secret #" + (i + 1) + " in the " + place[0] + " of a run");
				}
			}
		}
		if (!leaks.isEmpty()) {
			leaksInMemory.addAll(leaks);
			if (scenario != null) {
				scenario.leaked.addAndGet(leaks.size());
			}
			throw new AssertionError("secret values leaked: " + leaks + "\n" + run);
		}
		return run;
	}

	static List<String> allSecrets() {
		List<String> all = new ArrayList<>(TestSecrets.all());
		all.addAll(extraSecrets);
		return all;
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		context.getRoot().getStore(ExtensionContext.Namespace.create(FaultLedger.class))
			.computeIfAbsent("end-of-suite", (key) -> new EndOfSuite(), EndOfSuite.class);
	}

	@Override
	public void afterAll(ExtensionContext context) {
		List<String> leaks = scanRunOutput();
		if (!leaks.isEmpty()) {
			throw new AssertionError("secret values in Ferry's output files: " + leaks);
		}
	}

	/** Every file that a Ferry run of this suite wrote, searched for every secret value; names, never values. */
	static List<String> scanRunOutput() {
		List<String> secrets = allSecrets();
		List<String> leaks = new ArrayList<>();
		if (!Files.isDirectory(RUN_OUTPUT)) {
			return leaks;
		}
		try (Stream<Path> files = Files.walk(RUN_OUTPUT)) {
			for (Path file : files.filter(Files::isRegularFile).toList()) {
				BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
				if (attributes.lastModifiedTime().toInstant().isBefore(started)) {
					continue;
				}
				String text = Files.readString(file, StandardCharsets.ISO_8859_1);
				for (int i = 0; i < secrets.size(); i++) {
					if (text.contains(secrets.get(i))) {
						leaks.add("secret #" + (i + 1) + " in " + file);
					}
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return leaks;
	}

	/** Closed by JUnit when the whole suite is done: the last scan and the table. */
	static final class EndOfSuite implements AutoCloseable {

		@Override
		public void close() {
			for (AutoCloseable resource : closeAtEnd) {
				try {
					resource.close();
				}
				catch (Exception ex) {
					System.out.println("fault suite: could not clean up " + resource + ": " + ex);
				}
			}
			List<String> scanned = scanRunOutput();
			List<String> leaks = new ArrayList<>(scanned);
			leaks.addAll(leaksInMemory);
			// A leak that a run's own check caught is in the files too: count the larger of the two.
			String table = table(Math.max(scanned.size(), leaksInMemory.size()));
			try {
				Files.createDirectories(SUMMARY.getParent());
				Files.writeString(SUMMARY, table);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			System.out.println();
			System.out.println(table);
			long rowsLost = scenarios.values().stream().mapToLong((s) -> s.rowsLost.get()).sum();
			if (!leaks.isEmpty() || rowsLost > 0) {
				throw new AssertionError("fault suite: " + rowsLost + " rows lost, secret values leaked: " + leaks);
			}
		}

		private static String table(int leaked) {
			StringBuilder table = new StringBuilder();
			table.append("## Ferry fault suite\n\n");
			table.append(String.format("| %-46s | %6s | %15s | %14s | %9s | %14s |%n", "scenario", "trials",
					"faults injected", "runs converged", "rows lost", "secrets leaked"));
			table.append("|").append("-".repeat(48)).append("|").append("-".repeat(8)).append("|")
				.append("-".repeat(17)).append("|").append("-".repeat(16)).append("|").append("-".repeat(11))
				.append("|").append("-".repeat(16)).append("|\n");
			long trials = 0;
			long faults = 0;
			long converged = 0;
			long lost = 0;
			List<Scenario> rows;
			synchronized (scenarios) {
				rows = new ArrayList<>(scenarios.values());
			}
			for (Scenario s : rows) {
				table.append(String.format("| %-46s | %6d | %15d | %14d | %9d | %14d |%n", s.name, s.trials.get(),
						s.faults.get(), s.converged.get(), s.rowsLost.get(), s.leaked.get()));
				trials += s.trials.get();
				faults += s.faults.get();
				converged += s.converged.get();
				lost += s.rowsLost.get();
			}
			table.append(String.format("| %-46s | %6d | %15d | %14d | %9d | %14d |%n", "**total**", trials, faults,
					converged, lost, leaked));
			table.append(String.format("%nFerry runs: %d; suite time: %d s; secret values checked: %d (scan of %s"
					+ " and of every run's output, report and summary)%n", ferryRuns.get(),
					Duration.between(started, Instant.now()).toSeconds(), allSecrets().size(), RUN_OUTPUT));
			rows.stream().filter((s) -> !s.notes.isEmpty()).forEach((s) -> {
				table.append("\n").append(s.name).append(":\n");
				s.notes.forEach((note) -> table.append("- ").append(note).append("\n"));
			});
			return table.toString();
		}

	}

	/** One row of the table. */
	static final class Scenario {

		final String name;

		final AtomicLong trials = new AtomicLong();

		final AtomicLong faults = new AtomicLong();

		final AtomicLong converged = new AtomicLong();

		final AtomicLong rowsLost = new AtomicLong();

		final AtomicLong leaked = new AtomicLong();

		final List<String> notes = new CopyOnWriteArrayList<>();

		Scenario(String name) {
			this.name = name;
		}

		void note(String note) {
			this.notes.add(note);
		}

		FerryRun check(FerryRun run) {
			return FaultLedger.check(run, this);
		}

		/**
		 * SIGTERM, as ECS's stop-task sends it, to a started run: the fault, and the time to its exit noted and held
		 * under the bound (ECS sends SIGKILL 30 s after SIGTERM).
		 */
		FerryRun sigterm(FerryProcess.Started started, Duration bound) {
			long sent = System.nanoTime();
			started.process().destroy();
			FerryRun stopped = check(started.await());
			Duration took = Duration.ofNanos(System.nanoTime() - sent);
			this.faults.incrementAndGet();
			note("SIGTERM to exit " + stopped.exitCode() + " in " + took.toMillis() + " ms");
			assertThat(took).as("SIGTERM to exit; %s", stopped).isLessThan(bound);
			return stopped;
		}

	}

}
