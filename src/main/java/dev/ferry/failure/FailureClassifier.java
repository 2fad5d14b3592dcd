package dev.ferry.failure;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import org.flywaydb.core.api.CoreErrorCode;
import org.flywaydb.core.api.ErrorCode;
import org.flywaydb.core.api.FlywayException;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.core.convert.ConversionException;

/**
 * The one place that decides how a failed run ends: its exit status and the one sentence that says why. It looks at
 * whether a SIGTERM asked the run to stop, Ferry's own failure kind, Flyway's public error code and the SQLSTATE
 * underneath, in that order. Every message it makes is masked: Flyway puts the failing statement, placeholders
 * substituted, into its own.
 *
 * @param mask removes every secret value Ferry knows from a text
 */
public record FailureClassifier(UnaryOperator<String> mask) {

	/**
	 * @param failure what the run threw
	 * @param stopRequested whether a SIGTERM had asked the run to stop: a failure from then on is the stop's doing
	 * (the cancelled statement, the interrupted wait), whatever it looks like
	 * @param failedScript the script Flyway reported failed to its callbacks, if any; Flyway's exception then carries
	 * only a generic error code
	 * @return the failure with its exit status, message masked
	 */
	public FerryException classify(Throwable failure, boolean stopRequested, String failedScript) {
		FerryException classified = classify(failure, failedScript != null);
		if (!stopRequested) {
			return classified;
		}
		return new FerryException(ExitStatus.STOPPED, "stopped by SIGTERM"
				+ ((failedScript != null) ? ", cancelled " + failedScript : "")
				+ "; migrations applied before it stay applied, a rerun continues from there ("
				+ classified.getMessage() + ")", classified.getCause());
	}

	private FerryException classify(Throwable failure, boolean migrationFailed) {
		FerryException ferry = FerryException.find(failure);
		if (ferry != null) {
			return ferry;
		}
		FlywayException flyway = CauseChain.find(failure, FlywayException.class);
		if (flyway != null) {
			return new FerryException(status(flyway, migrationFailed), flywayMessage(flyway),
					FlywayFailures.masked(flyway, this.mask));
		}
		BindException bind = CauseChain.find(failure, BindException.class);
		if (bind != null) {
			return new FerryException(ExitStatus.CONFIGURATION_INVALID, this.mask.apply(invalidSetting(bind)));
		}
		return new FerryException(ExitStatus.UNEXPECTED, this.mask.apply(String.valueOf(failure.getMessage())),
				FlywayFailures.masked(failure, this.mask));
	}

	private String flywayMessage(FlywayException ex) {
		String message = this.mask.apply(ex.getMessage());
		String state = FlywayFailures.sqlState(ex);
		if (FlywayFailures.READ_ONLY_TRANSACTION.equals(state)) {
			return "the database is read-only (a reader instance or replica, or default_transaction_read_only=on):"
					+ " point FERRY_DB_HOST at the writer (the cluster endpoint); " + message;
		}
		if (FlywayFailures.isConnectionLost(ex)) {
			return "lost the connection to the database (SQLSTATE " + state + "); the running migration's"
					+ " transaction is rolled back by the server, a rerun continues from there: " + message;
		}
		return message;
	}

	/** The exit status of a failure of Flyway's, by SQLSTATE first (it is the more specific), then error code. */
	static ExitStatus status(FlywayException ex, boolean migrationFailed) {
		String state = FlywayFailures.sqlState(ex);
		if (FlywayFailures.LOCK_NOT_AVAILABLE.equals(state)) {
			return ExitStatus.LOCK_TIMEOUT;
		}
		if (FlywayFailures.READ_ONLY_TRANSACTION.equals(state)) {
			return ExitStatus.MIGRATION_FAILED;
		}
		if (FlywayFailures.isConnectionLost(ex)) {
			return ExitStatus.DATABASE_UNREACHABLE;
		}
		if (migrationFailed) {
			return ExitStatus.MIGRATION_FAILED;
		}
		ErrorCode code = ex.getErrorCode();
		if (code instanceof CoreErrorCode core) {
			switch (core) {
				case DB_CONNECTION, JDBC_DRIVER:
					return ExitStatus.DATABASE_UNREACHABLE;
				case CONFIGURATION:
					return ExitStatus.CONFIGURATION_INVALID;
				case VALIDATE_ERROR, CHECKSUM_MISMATCH, TYPE_MISMATCH, DESCRIPTION_MISMATCH,
						APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED, APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED,
						RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED, RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED,
						OUTDATED_REPEATABLE_MIGRATION, DUPLICATE_VERSIONED_MIGRATION, DUPLICATE_REPEATABLE_MIGRATION,
						DUPLICATE_UNDO_MIGRATION, DUPLICATE_DELETED_MIGRATION,
						NON_EMPTY_SCHEMA_WITHOUT_SCHEMA_HISTORY_TABLE:
					return ExitStatus.VALIDATION_FAILED;
				case FAILED_VERSIONED_MIGRATION, FAILED_REPEATABLE_MIGRATION, FAILED_BASELINE_MIGRATION:
					return ExitStatus.MIGRATION_FAILED;
				default:
					break;
			}
		}
		if (state != null && (state.startsWith("08") || state.startsWith("28"))) {
			return ExitStatus.DATABASE_UNREACHABLE;
		}
		return ExitStatus.UNEXPECTED;
	}

	/**
	 * What is wrong with a setting that cannot be bound. A value that does not convert is left out: it may be a
	 * secret given to the wrong setting, which the masker does not know.
	 */
	public static String invalidSetting(BindException bind) {
		String origin = (bind.getProperty() != null && bind.getProperty().getOrigin() != null)
				? " from " + bind.getProperty().getOrigin() : "";
		return "setting " + bind.getName() + origin + " is invalid: " + expected(bind);
	}

	private static String expected(BindException bind) {
		Class<?> type = bind.getTarget().getType().resolve();
		if (CauseChain.find(bind, ConversionException.class) == null || type == null) {
			return rootMessage((bind.getCause() != null) ? bind.getCause() : bind);
		}
		if (type.isEnum()) {
			return "it must be one of " + Arrays.stream(type.getEnumConstants())
				.map((constant) -> constant.toString().toLowerCase(Locale.ROOT))
				.collect(Collectors.joining(", "));
		}
		return "it must be a " + ((type == Duration.class) ? "duration such as 500ms, 5s or 10m" : type.getSimpleName());
	}

	private static String rootMessage(Throwable throwable) {
		Throwable root = throwable;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getClass().getSimpleName() + ((root.getMessage() != null) ? ": " + root.getMessage() : "");
	}

}
