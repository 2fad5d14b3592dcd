package dev.ferry.failure;

import java.sql.SQLException;
import java.util.function.UnaryOperator;

import org.flywaydb.core.api.output.ErrorOutput;
import org.flywaydb.core.api.output.errors.FlywayMigrateExceptionToErrorObjectConverter.FlywayMigrateErrorOutputItem;

/**
 * What a failure of Flyway's (or of the driver under it) says: its SQLSTATE, the failing line, whether the server
 * went away. Read through Flyway's public API and the JDBC exceptions, never Flyway's internal classes.
 */
public final class FlywayFailures {

	public static final String LOCK_NOT_AVAILABLE = "55P03";

	public static final String READ_ONLY_TRANSACTION = "25006";


	private FlywayFailures() {
	}

	/** The server went away under the run (connection failure, administrator or crash shutdown). */
	public static boolean isConnectionLost(Throwable ex) {
		return CauseChain.find(ex, SQLException.class, (sql) -> {
			String state = sql.getSQLState();
			return state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
					|| state.equals("57P03"));
		}) != null;
	}

	public static boolean isLockTimeout(Throwable ex) {
		return LOCK_NOT_AVAILABLE.equals(sqlState(ex));
	}

	public static String sqlState(Throwable ex) {
		SQLException sql = CauseChain.find(ex, SQLException.class, (s) -> s.getSQLState() != null);
		return (sql != null) ? sql.getSQLState() : null;
	}

	/** The line of the failed script where the failing statement starts, as Flyway's error output names it. */
	public static Integer line(Throwable ex) {
		if (!(ex instanceof Exception exception)) {
			return null;
		}
		return (ErrorOutput.fromException(exception).error() instanceof FlywayMigrateErrorOutputItem migrate)
				? migrate.lineNumber() : null;
	}

	public static String firstLine(String text) {
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
	public static Throwable masked(Throwable original, UnaryOperator<String> mask) {
		if (original == null) {
			return null;
		}
		String message = original.getClass().getName() + ": " + mask.apply(original.getMessage());
		Throwable cause = masked(original.getCause(), mask);
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
