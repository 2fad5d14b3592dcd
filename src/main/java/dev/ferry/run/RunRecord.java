package dev.ferry.run;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.ferry.drift.DriftFindings;
import dev.ferry.plan.Plan;
import dev.ferry.rehearsal.RehearsalReport;
import dev.ferry.restore.RestoreReport;
import dev.ferry.session.Blocker;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;

/**
 * What one run did, as its steps happen: each step of a command adds what it learnt (the drift check's findings,
 * the rehearsal, the snapshot, each migration as Flyway finishes it), and the exit path renders it into the report
 * once, however the run ends. Created before Spring starts, so that a run that fails while starting has one too.
 * <p>
 * Written by the run's thread and by Flyway's callbacks on it; read after the run, by the same thread.
 */
public final class RunRecord {

	private final Instant startedAt;

	private String command;

	private String environment;

	private String database;

	private Path reportFile;

	private Path stepSummary;

	private Set<String> secretChecksums = Set.of();

	private final List<AppliedMigration> applied = new ArrayList<>();

	private String failedScript;

	private String snapshot;

	private String rollback;

	private RestoreReport restore;

	private RehearsalReport rehearsal;

	private DriftFindings drift;

	private Plan plan;

	private List<Blocker> blockers = List.of();

	private Outcome outcome;

	private String schemaVersion;

	private boolean stopRequestedWhenFailed;

	private List<PendingMigration> pending = List.of();

	public RunRecord(Instant startedAt) {
		this.startedAt = startedAt;
	}

	/** What runs, where, and where its report goes: known once the settings are bound. */
	public void started(String command, String environment, String database, Path reportFile, Path stepSummary) {
		this.command = command;
		this.environment = environment;
		this.database = database;
		this.reportFile = reportFile;
		this.stepSummary = stepSummary;
	}

	/**
	 * Keeps the checksums of these scripts out of the log and the report: a repeatable script is checksummed after
	 * its placeholders are substituted, so its checksum is a hash over a secret, and a weak secret can be guessed
	 * from it offline.
	 */
	public void hideChecksumsOf(Set<String> scripts) {
		this.secretChecksums = Set.copyOf(scripts);
	}

	/** A migration's checksum as the report and the log may show it: none where it was taken over a secret. */
	public Integer checksum(MigrationInfo migration) {
		return this.secretChecksums.contains(migration.getScript()) ? null : migration.getChecksum();
	}

	public void applied(AppliedMigration migration) {
		this.applied.add(migration);
	}

	public void migrationFailed(MigrationInfo migration) {
		this.failedScript = migration.getScript();
	}

	/**
	 * The snapshot taken before migrating.
	 * @param snapshot its identifier
	 * @param rollback the inputs of a run that would restore it, where {@code restore} can (a cluster's snapshot)
	 */
	public void snapshotTaken(String snapshot, String rollback) {
		this.snapshot = snapshot;
		this.rollback = rollback;
	}

	/** What the restore has made and reached so far; the last one told is reported, however the run ends. */
	public void restoring(RestoreReport restore) {
		this.restore = restore;
	}

	public void rehearsed(RehearsalReport rehearsal) {
		this.rehearsal = rehearsal;
	}

	public void driftChecked(DriftFindings findings) {
		this.drift = findings;
	}

	public void planned(Plan plan) {
		this.plan = plan;
	}

	/** The sessions that held the lock the failed migration waited for, last seen. */
	public void blockedBy(List<Blocker> blockers) {
		this.blockers = List.copyOf(blockers);
	}

	/** The command succeeded: what happened, and Flyway's view at the end where it was read. */
	public void finished(Outcome outcome, MigrationInfoService info) {
		this.outcome = outcome;
		if (info != null) {
			atEnd(info);
		}
	}

	/**
	 * The command failed; whether a SIGTERM had asked it to stop by then, which makes the failure the stop's doing.
	 * Taken when it failed: a stop that comes later, while Spring closes, changes nothing about why it failed.
	 */
	public void failed(boolean stopRequested) {
		this.stopRequestedWhenFailed = stopRequested;
	}

	/** The run failed after applying some migrations: the schema's version it left, if it could be read. */
	public void failedAt(String schemaVersion) {
		this.schemaVersion = schemaVersion;
	}

	/** Flyway's view of the migrations at the end: the schema's version and what is still pending. */
	public void atEnd(MigrationInfoService info) {
		this.schemaVersion = schemaVersion(info);
		this.pending = pending(info).stream()
			.map((m) -> new PendingMigration(version(m), m.getDescription(), m.getScript(),
					m.getState().getDisplayName(), checksum(m)))
			.toList();
	}

	public Instant startedAt() {
		return this.startedAt;
	}

	public String command() {
		return this.command;
	}

	public String environment() {
		return this.environment;
	}

	public String database() {
		return this.database;
	}

	/** Where the JSON report goes ({@code FERRY_REPORT_FILE}), if anywhere. */
	public Path reportFile() {
		return this.reportFile;
	}

	/** Where the Markdown summary goes ({@code FERRY_STEP_SUMMARY}), if anywhere. */
	public Path stepSummary() {
		return this.stepSummary;
	}

	public List<AppliedMigration> applied() {
		return List.copyOf(this.applied);
	}

	/** The script of the migration Flyway reported failed, if one did. */
	public String failedScript() {
		return this.failedScript;
	}

	public String snapshot() {
		return this.snapshot;
	}

	/** The inputs of a run that would restore this run's snapshot, if it took one {@code restore} can restore. */
	public String rollback() {
		return this.rollback;
	}

	public RestoreReport restore() {
		return this.restore;
	}

	public RehearsalReport rehearsal() {
		return this.rehearsal;
	}

	public DriftFindings drift() {
		return this.drift;
	}

	public Plan plan() {
		return this.plan;
	}

	public List<Blocker> blockers() {
		return this.blockers;
	}

	/** How the command ended, if it succeeded. */
	public Outcome outcome() {
		return this.outcome;
	}

	/** Whether a SIGTERM had asked the run to stop when its command failed; false where no command ran. */
	public boolean stopRequestedWhenFailed() {
		return this.stopRequestedWhenFailed;
	}

	public String schemaVersion() {
		return this.schemaVersion;
	}

	public List<PendingMigration> pending() {
		return this.pending;
	}

	/** The migrations Flyway would apply next: pending, and repeatables whose script changed. */
	public static List<MigrationInfo> pending(MigrationInfoService info) {
		return Arrays.stream(info.all())
			.filter((m) -> m.getState() == MigrationState.PENDING || m.getState() == MigrationState.OUTDATED)
			.toList();
	}

	/** The version of the newest applied versioned migration, if any. */
	public static String schemaVersion(MigrationInfoService info) {
		MigrationInfo current = info.current();
		return (current != null && current.getVersion() != null) ? current.getVersion().getVersion() : null;
	}

	public static String version(MigrationInfo migration) {
		return (migration.getVersion() != null) ? migration.getVersion().getVersion() : null;
	}

	/**
	 * How a command that succeeded ended.
	 *
	 * @param kind what happened
	 * @param message one sentence saying so
	 */
	public record Outcome(Kind kind, String message) {

	}

	/** What happened, as the report's {@code outcome} names it. */
	public enum Kind {

		APPLIED, UP_TO_DATE, OK;

		/** {@code applied}, {@code up to date}, {@code ok}. */
		public String label() {
			return name().toLowerCase(Locale.ROOT).replace('_', ' ');
		}

	}

	/**
	 * A migration this run applied.
	 *
	 * @param version its version, none for a repeatable one
	 * @param description its description
	 * @param script its script's path within its location
	 * @param type Flyway's migration type
	 * @param checksum Flyway's checksum, none where it was taken over a secret
	 * @param durationMs how long it ran
	 */
	public record AppliedMigration(String version, String description, String script, String type, Integer checksum,
			long durationMs) {

		public String label() {
			return ((this.version != null) ? "V" + this.version : "R") + " \"" + this.description + "\" (" + this.script
					+ ")";
		}

	}

	/**
	 * A migration not applied yet.
	 *
	 * @param version its version, none for a repeatable one
	 * @param description its description
	 * @param script its script's path within its location
	 * @param state Flyway's state for it
	 * @param checksum Flyway's checksum, none where it was taken over a secret
	 */
	public record PendingMigration(String version, String description, String script, String state, Integer checksum) {

	}

}
