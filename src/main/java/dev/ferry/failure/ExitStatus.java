package dev.ferry.failure;

/**
 * Ferry's exit codes. They are a contract with pipelines that branch on them, so the numbers never change.
 * {@link FailureClassifier} decides which one a failed run gets.
 */
public enum ExitStatus {

	SUCCESS(0, "success"),
	UNEXPECTED(1, "unexpected error"),
	CONFIGURATION_INVALID(2, "configuration invalid"),
	SECRET_UNREADABLE(3, "secret could not be read"),
	DATABASE_UNREACHABLE(4, "database unreachable"),
	VALIDATION_FAILED(5, "validation failed"),
	MIGRATION_FAILED(6, "migration failed"),
	LOCK_TIMEOUT(7, "lock timeout"),
	SNAPSHOT_FAILED(8, "snapshot failed"),
	REHEARSAL_FAILED(9, "rehearsal failed"),
	DRIFT(10, "drift"),
	STOPPED(11, "stopped by SIGTERM"),
	REHEARSAL_CLONE_FAILED(12, "rehearsal clone could not be made");

	private final int code;

	private final String meaning;

	ExitStatus(int code, String meaning) {
		this.code = code;
		this.meaning = meaning;
	}

	public int code() {
		return this.code;
	}

	public String meaning() {
		return this.meaning;
	}

}
