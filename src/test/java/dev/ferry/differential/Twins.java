package dev.ferry.differential;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ferry.testing.CatalogDump;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import dev.ferry.testing.javamigration.V10__java_table;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * One scenario on twin fresh databases: Ferry (its own JVM, configured by environment variables as its user would)
 * on one, plain Flyway ({@link Oracle}) on the other, both reading the same project folder. Every step runs the same
 * command on both at once and then compares them: success or failure, the schema history (in installed order,
 * timings and user left out) and the catalog ({@link CatalogDump}). A difference fails the step with both sides'
 * view of it.
 */
final class Twins implements AutoCloseable {

	private final TestDatabase ferryDatabase;

	private final TestDatabase flywayDatabase;

	private final Scripts scripts;

	private final List<String> locations = new ArrayList<>();

	private final Map<String, Setting> settings = new LinkedHashMap<>();

	private final List<String> steps = new ArrayList<>();

	private boolean testClasses;

	private String project = "";

	private Twins(Path folder, Setting... settings) {
		this.ferryDatabase = PostgresServer.get().createDatabase();
		this.flywayDatabase = PostgresServer.get().createDatabase();
		this.scripts = Scripts.in(folder);
		this.locations.add("filesystem:" + folder.toAbsolutePath());
		for (Setting setting : settings) {
			set(setting);
		}
	}

	static Twins in(Path folder, Setting... settings) {
		return new Twins(folder, settings);
	}

	Scripts scripts() {
		return this.scripts;
	}

	/** Sets (or changes, from the next step on) one setting on both sides. */
	Twins set(Setting setting) {
		this.settings.put(setting.flywayKey(), setting);
		return this;
	}

	/** Adds the test classes' Java migration ({@link V10__java_table}) to both sides' locations and classpaths. */
	Twins withJavaMigration() {
		this.locations.add(V10__java_table.LOCATION);
		this.testClasses = true;
		return this;
	}

	/** A description of the project, printed with any difference (a generated project lists its scripts here). */
	Twins describedAs(String project) {
		this.project = project;
		return this;
	}

	/** Runs the same SQL on both databases before any step, as a database that already holds something. */
	Twins onBoth(String sql) {
		this.ferryDatabase.execute(sql);
		this.flywayDatabase.execute(sql);
		return this;
	}

	Step migrate() {
		return compared(runBoth("migrate"));
	}

	Step repair() {
		return compared(runBoth("repair"));
	}

	/** Migrates both without requiring that they agree: for what Ferry does differently on purpose. */
	Step migrateExpectingDifferences() {
		return runBoth("migrate");
	}

	/** Repairs both without requiring that they agree: the history is repaired, a deliberate difference stays. */
	Step repairExpectingDifferences() {
		return runBoth("repair");
	}

	/**
	 * After a fix, what a Flyway user does: {@code repair} first where the history holds a failed migration (only a
	 * migration that ran outside a transaction leaves one), then {@code migrate}. Both sides do the same steps.
	 */
	Step rerun() {
		if (!failedRows(this.flywayDatabase).isEmpty()) {
			repair();
		}
		return migrate();
	}

	/** The schema history rows on plain Flyway's side (the same as Ferry's once a step passed). */
	List<String> history() {
		return history(this.flywayDatabase);
	}

	private Step runBoth(String command) {
		FerryProcess ferry = FerryProcess.against(this.ferryDatabase).env("FERRY_LOCATIONS",
				String.join(",", this.locations));
		this.settings.values().forEach((setting) -> ferry.env(setting.ferryVariable(), setting.value()));
		if (this.testClasses) {
			ferry.withTestClasses();
		}
		FerryProcess.Started started = ferry.start(command);
		Outcome flyway;
		FerryRun run;
		try {
			flyway = runOracle(command);
		}
		finally {
			run = started.await();
		}
		Outcome ferryOutcome = new Outcome(run.exitCode() == 0, "exit " + run.exitCode() + ": "
				+ ((run.report() != null) ? run.<String>report("$.message") : lastLine(run.output())));
		this.steps.add(command + " (Ferry " + ferryOutcome + "; Flyway " + flyway + ")");
		List<String> differences = new ArrayList<>();
		if (ferryOutcome.succeeded() != flyway.succeeded()) {
			differences.add("outcome: Ferry " + ferryOutcome + ", Flyway " + flyway);
		}
		List<String> ferryHistory = history(this.ferryDatabase);
		List<String> flywayHistory = history(this.flywayDatabase);
		if (!ferryHistory.equals(flywayHistory)) {
			differences.add("history (rank | version | description | type | script | checksum | success):\n    Ferry:  "
					+ String.join("\n            ", ferryHistory) + "\n    Flyway: "
					+ String.join("\n            ", flywayHistory));
		}
		String table = historyTable().substring(historyTable().lastIndexOf('.') + 1);
		differences.addAll(CatalogDump.of(this.ferryDatabase, table)
			.differencesFrom(CatalogDump.of(this.flywayDatabase, table), "after Ferry", "after Flyway"));
		return new Step(command, ferryOutcome, flyway, differences, run);
	}

	private Step compared(Step step) {
		if (!step.differences().isEmpty()) {
			throw new AssertionError("Ferry left the database other than plain Flyway did.\nSettings: "
					+ this.settings.values() + "\nLocations: " + this.locations + "\n" + this.project + "\nSteps:\n  "
					+ String.join("\n  ", this.steps) + "\nDifferences after " + step.command() + ":\n  "
					+ String.join("\n  ", step.differences()) + "\nFerry's output:\n" + step.ferryRun().output());
		}
		return step;
	}

	private Outcome runOracle(String command) {
		Flyway flyway = Oracle.against(this.flywayDatabase, this.locations, this.settings.values());
		try {
			switch (command) {
				case "migrate" -> flyway.migrate();
				case "repair" -> flyway.repair();
				default -> throw new IllegalArgumentException(command);
			}
			return new Outcome(true, "returned");
		}
		catch (FlywayException ex) {
			return new Outcome(false, "threw " + ex.getClass().getSimpleName() + ": " + firstLine(ex.getMessage()));
		}
	}

	/** Where Flyway keeps its history with these settings: in the first of its schemas, else in the current one. */
	private String historyTable() {
		Setting schemas = this.settings.get("flyway.schemas");
		Setting table = this.settings.get("flyway.table");
		String name = (table != null) ? table.value() : CatalogDump.HISTORY_TABLE;
		return (schemas != null) ? schemas.value().split(",")[0].trim() + "." + name : name;
	}

	private List<String> history(TestDatabase database) {
		if (!database.tableExists(historyTable())) {
			return List.of();
		}
		return database.column("SELECT concat_ws(' | ', installed_rank, coalesce(version, '-'), description, type,"
				+ " script, coalesce(checksum::text, '-'), success::text) FROM " + historyTable() + " ORDER BY installed_rank");
	}

	private List<String> failedRows(TestDatabase database) {
		return history(database).stream().filter((line) -> line.endsWith("| false")).toList();
	}

	private static String firstLine(String text) {
		String trimmed = String.valueOf(text).strip();
		int end = trimmed.indexOf('\n');
		return (end < 0) ? trimmed : trimmed.substring(0, end);
	}

	private static String lastLine(String text) {
		String trimmed = String.valueOf(text).strip();
		return trimmed.substring(trimmed.lastIndexOf('\n') + 1);
	}

	@Override
	public void close() {
		this.ferryDatabase.drop();
		this.flywayDatabase.drop();
	}

	/**
	 * How one side ended a step.
	 *
	 * @param succeeded Ferry exited 0, or Flyway returned
	 * @param detail Ferry's exit code and report message, or what Flyway threw
	 */
	record Outcome(boolean succeeded, String detail) {

		@Override
		public String toString() {
			return (this.succeeded ? "succeeded" : "failed") + " (" + this.detail + ")";
		}

	}

	/**
	 * One command run on both sides.
	 *
	 * @param command the command both ran
	 * @param ferry how Ferry ended it
	 * @param flyway how plain Flyway ended it
	 * @param differences how the two databases (and outcomes) differ afterwards; empty when alike
	 * @param ferryRun Ferry's exit code, output and report
	 */
	record Step(String command, Outcome ferry, Outcome flyway, List<String> differences, FerryRun ferryRun) {

		boolean succeeded() {
			return this.flyway.succeeded();
		}

	}

}
