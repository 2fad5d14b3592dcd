package dev.ferry.migration;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import dev.ferry.failure.FlywayFailures;
import dev.ferry.session.EachMigrationCallback;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * Keeps a failed {@code CREATE INDEX CONCURRENTLY} from turning into an invalid index recorded as applied. Such a
 * build does not roll back: it leaves an INVALID index behind (never used by queries, yet maintained on every
 * write), and a later {@code CREATE INDEX CONCURRENTLY IF NOT EXISTS} skips the build because the name exists.
 * <ul>
 * <li>When a migration that runs outside a transaction fails, the invalid indexes it left are dropped at once.</li>
 * <li>Before a migration that runs outside a transaction, invalid indexes still there (one whose drop could not get
 * its lock, one left by plain Flyway or by hand) are dropped first, so the build runs again. A failure to drop one
 * (a lock timeout) fails the migration before it starts.</li>
 * </ul>
 * A migration runs outside a transaction exactly when its connection is in auto-commit as it starts. Indexes that
 * another session is building right now are invalid too, and left alone.
 */
class InvalidIndexCleanup extends EachMigrationCallback {

	private static final Log logger = LogFactory.getLog(InvalidIndexCleanup.class);

	private static final String INVALID_INDEXES = "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_index i"
			+ " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
			+ " WHERE NOT i.indisvalid AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'"
			+ " AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid)"
			+ " ORDER BY 1";

	private boolean outsideTransaction;

	private boolean failedOutsideTransaction;

	@Override
	public void handle(Event event, Context context) {
		if (event == Event.AFTER_EACH_MIGRATE) {
			return;
		}
		Connection connection = context.getConnection();
		JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(connection, true));
		String script = context.getMigrationInfo().getScript();
		if (event == Event.AFTER_EACH_MIGRATE_ERROR) {
			this.failedOutsideTransaction = this.outsideTransaction;
			if (this.outsideTransaction) {
				dropLeftBy(jdbc, script);
			}
			return;
		}
		try {
			this.outsideTransaction = connection.getAutoCommit();
			this.failedOutsideTransaction = false;
			if (this.outsideTransaction) {
				for (String index : invalidIndexes(jdbc)) {
					drop(jdbc, index);
					logger.warn("Dropped the invalid index " + index + " before " + script + ": a failed CREATE INDEX"
							+ " CONCURRENTLY left it, and IF NOT EXISTS would skip the build");
				}
			}
		}
		catch (SQLException | DataAccessException ex) {
			throw new FlywayException("cannot drop an invalid index before " + script + " (SQLSTATE "
					+ FlywayFailures.sqlState(ex) + ")", ex);
		}
	}

	/** Whether the last migration that failed ran outside a transaction: Flyway then wrote a failed history row. */
	boolean failedOutsideTransaction() {
		return this.failedOutsideTransaction;
	}

	@Override
	public String getCallbackName() {
		return "ferry-indexes";
	}

	/**
	 * Never throws: Flyway calls this while it handles the migration's failure, which must stay the failure reported.
	 */
	private static void dropLeftBy(JdbcClient jdbc, String script) {
		try {
			for (String index : invalidIndexes(jdbc)) {
				drop(jdbc, index);
				logger.warn("Dropped the invalid index " + index + " that the failed " + script + " left");
			}
		}
		catch (DataAccessException ex) {
			// Most often the lock the build itself could not get: the next migration outside a transaction drops it.
			logger.warn("Could not drop the invalid index that the failed " + script + " left (SQLSTATE "
					+ FlywayFailures.sqlState(ex) + "); it is dropped before the next migration that runs outside a transaction");
		}
	}

	private static List<String> invalidIndexes(JdbcClient jdbc) {
		return jdbc.sql(INVALID_INDEXES).query(String.class).list();
	}

	/** Concurrently, as the build was: the table's writers are not blocked; lock_timeout bounds the wait. */
	private static void drop(JdbcClient jdbc, String index) {
		jdbc.sql("DROP INDEX CONCURRENTLY IF EXISTS " + index).update();
	}

}
