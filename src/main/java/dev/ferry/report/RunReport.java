package dev.ferry.report;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one run did: written as JSON to {@code FERRY_REPORT_FILE} and as Markdown to {@code FERRY_STEP_SUMMARY}.
 * Every text in it has been masked before it got here.
 *
 * @param command the command that ran
 * @param environment the environment's name
 * @param database where it ran: the JDBC URL without credentials
 * @param startedAt when the run started
 * @param duration how long it took
 * @param outcome {@code applied}, {@code up to date}, {@code ok} or {@code failed}
 * @param message one sentence saying what happened
 * @param exitCode the process's exit code
 * @param schemaVersion the schema's version at the end, if known
 * @param applied the migrations this run applied, in order
 * @param pending the migrations still pending at the end
 * @param snapshot the snapshot taken before migrating, if any
 * @param error what failed, if anything did
 * @param driftCheck what the drift check found, or why it did not compare; none where the run did not check
 * @param drift each object that differs from Ferry's record of the schema
 */
public record RunReport(String command, String environment, String database, Instant startedAt, Duration duration,
		String outcome, String message, int exitCode, String schemaVersion, List<AppliedMigration> applied,
		List<PendingMigration> pending, String snapshot, Failure error, String driftCheck, List<DriftedObject> drift) {

	public RunReport {
		drift = (drift != null) ? List.copyOf(drift) : List.of();
	}

	/**
	 * A migration this run applied.
	 *
	 * @param version its version, none for a repeatable one
	 * @param description its description
	 * @param script its script's path within its location
	 * @param type Flyway's migration type
	 * @param checksum Flyway's checksum
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
	 * @param checksum Flyway's checksum
	 */
	public record PendingMigration(String version, String description, String script, String state, Integer checksum) {

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
	 */
	public record Failure(String status, String message, String script, Integer line, String sqlState) {

	}

}
