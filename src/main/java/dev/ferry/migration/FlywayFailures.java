package dev.ferry.migration;

import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.ferry.CauseChain;
import dev.ferry.ExitStatus;
import dev.ferry.FerryException;
import dev.ferry.secrets.SecretMasker;
import org.flywaydb.core.api.CoreErrorCode;
import org.flywaydb.core.api.ErrorCode;
import org.flywaydb.core.api.FlywayException;

/**
 * Turns Flyway's failures into Ferry's exit statuses by Flyway's public error codes and the SQLSTATE underneath.
 * Every message is masked: Flyway puts the failing statement, placeholders substituted, into its message.
 */
final class FlywayFailures {

	static final String LOCK_NOT_AVAILABLE = "55P03";

	static final String READ_ONLY_TRANSACTION = "25006";

	private static final Pattern LINE = Pattern.compile("(?m)^Line\\s*:\\s*(\\d+)");

	private FlywayFailures() {
	}

	/**
	 * Translates a failure of Flyway's.
	 * @param ex what Flyway threw
	 * @param migrationFailed whether Flyway reported a failed migration to the callbacks; its exception then
	 * carries only the generic error code
	 * @param masker masks the message
	 * @return the failure with Ferry's exit status
	 */
	static FerryException translate(FlywayException ex, boolean migrationFailed, SecretMasker masker) {
		String message = masker.mask(ex.getMessage());
		if (READ_ONLY_TRANSACTION.equals(sqlState(ex))) {
			message = "the database is read-only (a reader instance or replica, or default_transaction_read_only=on):"
					+ " point FERRY_DB_HOST at the writer (the cluster endpoint); " + message;
		}
		else if (isConnectionLost(ex)) {
			message = "lost the connection to the database (SQLSTATE " + sqlState(ex) + "); the running migration's"
					+ " transaction is rolled back by the server, a rerun continues from there: " + message;
		}
		return new FerryException(status(ex, migrationFailed), message, masked(ex, masker));
	}

	static ExitStatus status(FlywayException ex, boolean migrationFailed) {
		String state = sqlState(ex);
		if (LOCK_NOT_AVAILABLE.equals(state)) {
			return ExitStatus.LOCK_TIMEOUT;
		}
		if (READ_ONLY_TRANSACTION.equals(state)) {
			return ExitStatus.MIGRATION_FAILED;
		}
		if (isConnectionLost(ex)) {
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

	/** The server went away under the run (connection failure, administrator or crash shutdown). */
	static boolean isConnectionLost(Throwable ex) {
		return CauseChain.find(ex, SQLException.class, (sql) -> {
			String state = sql.getSQLState();
			return state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
					|| state.equals("57P03"));
		}) != null;
	}

	static boolean isLockTimeout(Throwable ex) {
		return LOCK_NOT_AVAILABLE.equals(sqlState(ex));
	}

	static String sqlState(Throwable ex) {
		SQLException sql = CauseChain.find(ex, SQLException.class, (s) -> s.getSQLState() != null);
		return (sql != null) ? sql.getSQLState() : null;
	}

	/** The line Flyway names in a failed script's message, if it names one. */
	static Integer line(Throwable ex) {
		Matcher matcher = LINE.matcher(String.valueOf(ex.getMessage()));
		return matcher.find() ? Integer.valueOf(matcher.group(1)) : null;
	}

	static String firstLine(String text) {
		if (text == null) {
			return "";
		}
		int end = text.indexOf('\n');
		return (end >= 0) ? text.substring(0, end) : text;
	}

	/**
	 * A copy of a cause chain with every message masked, keeping each exception's type name, stack and SQLSTATE,
	 * so that a logged stack trace cannot carry a secret.
	 */
	static Throwable masked(Throwable original, SecretMasker masker) {
		if (original == null) {
			return null;
		}
		String message = original.getClass().getName() + ": " + masker.mask(original.getMessage());
		Throwable cause = masked(original.getCause(), masker);
		Throwable copy = (original instanceof SQLException sql)
				? new SQLException(message, sql.getSQLState(), sql.getErrorCode(), cause)
				: new MaskedException(message, cause);
		copy.setStackTrace(original.getStackTrace());
		return copy;
	}

	private static final class MaskedException extends RuntimeException {

		MaskedException(String message, Throwable cause) {
			super(message, cause);
		}

	}

}
