package dev.ferry.report;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.ferry.drift.DriftFindings;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.plan.Plan;
import dev.ferry.rehearsal.RehearsalReport;
import dev.ferry.restore.RestoreReport;
import dev.ferry.run.RunRecord;
import dev.ferry.run.RunRecord.AppliedMigration;
import dev.ferry.run.RunRecord.PendingMigration;
import dev.ferry.session.Blocker;

/**
 * What one run did: written as JSON to {@code FERRY_REPORT_FILE} and as Markdown to {@code FERRY_STEP_SUMMARY}.
 * Every text in it has been masked before it got here. Its JSON form is a contract pipelines read: the sections of
 * a run that did not rehearse, fail, plan or check drift are absent, not null.
 *
 * @param command the command that ran
 * @param environment the environment's name
 * @param database where it ran: the JDBC URL without credentials
 * @param startedAt when the run started
 * @param durationMs how long it took, in milliseconds
 * @param outcome {@code applied}, {@code up to date}, {@code ok} or {@code failed}
 * @param message one sentence saying what happened
 * @param exitCode the process's exit code
 * @param schemaVersion the schema's version at the end, if known
 * @param applied the migrations this run applied, in order
 * @param pending the migrations still pending at the end
 * @param snapshot the snapshot taken before migrating, if any
 * @param rollback the inputs of a run that would restore that snapshot, where {@code restore} can
 * @param error what failed, if anything did
 * @param rehearsal what the rehearsal on a clone of production found, if the run rehearsed
 * @param restore what a restore made and what the rollback costs, as far as it got
 * @param plan what migrate would run, for the plan command
 * @param driftCheck what the drift check found, or why it did not compare; none where the run did not check
 * @param drift each object that differs from Ferry's record of the schema
 */
@JsonPropertyOrder({ "command", "environment", "database", "startedAt", "durationMs", "outcome", "message", "exitCode",
		"schemaVersion", "snapshot", "rollback", "applied", "pending", "rehearsal", "restore", "error", "plan", "driftCheck", "drift" })
public record RunReport(String command, String environment, String database,
		@JsonSerialize(using = ToStringSerializer.class) Instant startedAt, long durationMs, String outcome,
		String message, int exitCode, String schemaVersion, List<AppliedMigration> applied,
		List<PendingMigration> pending, String snapshot, @JsonInclude(Include.NON_NULL) String rollback,
		@JsonInclude(Include.NON_NULL) Failure error, @JsonInclude(Include.NON_NULL) RehearsalReport rehearsal,
		@JsonInclude(Include.NON_NULL) RestoreReport restore, @JsonInclude(Include.NON_NULL) Plan plan,
		@JsonInclude(Include.NON_NULL) String driftCheck, @JsonIgnore List<DriftedObject> drift) {

	public RunReport {
		drift = (drift != null) ? List.copyOf(drift) : List.of();
	}

	/** The drifted objects, where the run checked drift: none is not the same as none drifted. */
	@JsonProperty("drift")
	@JsonInclude(Include.NON_NULL)
	List<DriftedObject> checkedDrift() {
		return (this.driftCheck != null) ? this.drift : null;
	}

	/**
	 * The report of a run from its record.
	 * @param record what the run did
	 * @param failure why it failed, classified; {@code null} when it succeeded
	 * @param line the failing script's line, if Flyway named one
	 * @param sqlState the database's SQLSTATE, if any
	 * @param endedAt when the run ended
	 */
	public static RunReport of(RunRecord record, FerryException failure, Integer line, String sqlState,
			Instant endedAt) {
		Failure error = null;
		if (failure != null) {
			ExitStatus status = failure.status();
			// Who held the lock matters for a lock timeout and a stop during the wait; a rehearsal's sessions were
			// on the clone, and drift waits on no one.
			boolean waited = status == ExitStatus.LOCK_TIMEOUT || status == ExitStatus.STOPPED;
			error = new Failure(status.meaning(), failure.getMessage(),
					record.failedScript(), line, sqlState,
					waited ? record.blockers() : List.of());
		}
		DriftFindings drift = record.drift();
		return new RunReport((record.command() != null) ? record.command() : "unknown",
				(record.environment() != null) ? record.environment() : "unnamed",
				(record.database() != null) ? record.database() : "unknown", record.startedAt(),
				Duration.between(record.startedAt(), endedAt).toMillis(),
				(failure != null) ? "failed" : record.outcome().kind().label(),
				(failure != null) ? failure.getMessage() : record.outcome().message(),
				(failure != null) ? failure.status().code() : ExitStatus.SUCCESS.code(), record.schemaVersion(),
				record.applied(), record.pending(), record.snapshot(), record.rollback(), error, record.rehearsal(),
				record.restore(), record.plan(),
				(drift != null) ? drift.summary() : null, driftedObjects(drift));
	}

	private static List<DriftedObject> driftedObjects(DriftFindings drift) {
		if (drift == null) {
			return List.of();
		}
		return drift.changes()
			.stream()
			.map((d) -> new DriftedObject(d.object(), d.change().id(), d.before(), d.after(), d.describe()))
			.toList();
	}

	/**
	 * An object of the managed schemas that differs from Ferry's record of them.
	 *
	 * @param object the object, such as {@code column app.app_user.email}
	 * @param change {@code added}, {@code removed} or {@code changed}
	 * @param before its recorded description, if it was recorded
	 * @param after its live description, if it still exists
	 * @param line the same in one readable line
	 */
	public record DriftedObject(String object, String change, String before, String after, String line) {

	}

	/**
	 * Why the run failed.
	 *
	 * @param status the exit status's meaning
	 * @param message the cause, masked
	 * @param script the failing script, if one failed
	 * @param line the failing line in it, if Flyway names one
	 * @param sqlState the database's SQLSTATE, if any
	 * @param blockers the sessions that held the lock the failed migration waited for, last seen; empty when it
	 * waited on no one
	 */
	public record Failure(String status, String message, String script, Integer line, String sqlState,
			@JsonInclude(Include.NON_EMPTY) List<Blocker> blockers) {

		public Failure {
			blockers = (blockers != null) ? List.copyOf(blockers) : List.of();
		}

	}

}
