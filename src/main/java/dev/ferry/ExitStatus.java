package dev.ferry;

import org.springframework.boot.context.properties.bind.BindException;

/**
 * Ferry's exit codes. They are a contract with pipelines that branch on them, so the numbers never change.
 * {@link #of(Throwable)} is the one mapping from a failed run to its code.
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

	/**
	 * The status of a failed run: Ferry's own where the failure is one of ours, configuration invalid for a setting
	 * that cannot be bound to its type, unexpected for anything else.
	 */
	public static ExitStatus of(Throwable failure) {
		FerryException ferry = FerryException.find(failure);
		if (ferry != null) {
			return ferry.status();
		}
		if (CauseChain.find(failure, BindException.class) != null) {
			return CONFIGURATION_INVALID;
		}
		return UNEXPECTED;
	}

}
