package dev.ferry.failure;

/**
 * Ferry's exit codes. They are a contract with pipelines that branch on them, so the numbers never change. This
 * is their one source: README's table, the deploy workflow's step summary and {@code ecs/}'s script and README are
 * rendered from it ({@code dev.ferry.docs.ExitCodeCopiesTest}). {@link FailureClassifier} decides which one a failed
 * run gets.
 */
public enum ExitStatus {

	SUCCESS(0, "success",
			"Success: applied N, or already up to date."),
	UNEXPECTED(1, "unexpected error",
			"Anything unexpected (a bug): stack trace in the log, no secret in it."),
	CONFIGURATION_INVALID(2, "configuration invalid",
			"Configuration invalid: unknown command, missing or malformed setting, unresolved placeholder, clean "
					+ "refused, a migration location that is missing, unreadable or holds a symbolic-link loop."),
	SECRET_UNREADABLE(3, "secret could not be read",
			"A secret could not be read or parsed."),
	DATABASE_UNREACHABLE(4, "database unreachable",
			"Database unreachable within the connect window, or authentication failed."),
	VALIDATION_FAILED(5, "validation failed",
			"Validation failed: checksum changed, applied migration missing locally, misnamed script, a script "
					+ "not valid in the configured encoding (UTF-8), failed migration in the history."),
	MIGRATION_FAILED(6, "migration failed",
			"A migration failed; its transaction was rolled back; the report names the script, line and SQLSTATE."
					+ " Also a read-only database (a reader endpoint, `default_transaction_read_only=on`), said so."),
	LOCK_TIMEOUT(7, "lock timeout",
			"Lock timeout after all retries: another session holds a lock the migration needs. The message, every"
					+ " retry's warning, the report (`error.blockers`) and the step summary name the sessions holding it: "
					+ "pid, user, application name, state and for how long, transaction age, and the first line of their "
					+ "current or last query (secrets masked)."),
	SNAPSHOT_FAILED(8, "snapshot failed",
			"The pre-migration snapshot failed; nothing was applied."),
	REHEARSAL_FAILED(9, "rehearsal failed",
			"The rehearsal on a clone failed: a migration failed there, or held a lock that blocks writes longer "
					+ "than `FERRY_REHEARSAL_LOCK_BUDGET`. Production was not touched; the report's `rehearsal` names the "
					+ "migration, the error or the lock, and the figures."),
	DRIFT(10, "drift",
			"Drift with `FERRY_DRIFT=fail`: the managed schemas differ from what Ferry's last run left (or the "
					+ "check could not run, so cannot vouch for them); nothing was applied. The report's `drift` lists each"
					+ " object."),
	STOPPED(11, "stopped by SIGTERM",
			"Stopped by SIGTERM (ECS `stop-task`, a deploy's timeout): the running statement was cancelled and "
					+ "its migration rolled back, Flyway's lock released, the report written; migrations applied before it "
					+ "stay applied and a rerun continues from there. (A SIGTERM before the run has connected ends the JVM "
					+ "at once, with 143: nothing has run yet.)"),
	REHEARSAL_CLONE_FAILED(12, "rehearsal clone could not be made",
			"The rehearsal's clone could not be made or reached (no such cluster, a refused RDS call, a waiter's "
					+ "timeout); production was not touched, whatever was made of the clone is deleted."),
	RESTORE_FAILED(13, "restore failed",
			"`restore` failed: RDS refused a call or a waiter timed out, the restored cluster's schema history does not "
					+ "end where the snapshot says, the name it needs is taken by a cluster that is not Ferry's, or the "
					+ "swap was refused (a migration holds Flyway's lock on the source) or stopped half-way. Production was "
					+ "only read unless the report's `restore.swapSteps` names a rename; the report's `restore` names "
					+ "every cluster made, and a rerun with the same snapshot reuses them.");

	private final int code;

	private final String meaning;

	private final String description;

	ExitStatus(int code, String meaning, String description) {
		this.code = code;
		this.meaning = meaning;
		this.description = description;
	}

	public int code() {
		return this.code;
	}

	/** The short meaning: the report's {@code error.status}, the log's failure line, a step summary's line. */
	public String meaning() {
		return this.meaning;
	}

	/** The full meaning, as README's table of exit codes gives it (Markdown). */
	public String description() {
		return this.description;
	}

}
