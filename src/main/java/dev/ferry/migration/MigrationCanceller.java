package dev.ferry.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

import javax.sql.DataSource;

import dev.ferry.stop.GracefulStop;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.postgresql.PGConnection;

/**
 * Stops a migration on SIGTERM. Flyway runs each migration on its migration connection, between the events
 * BEFORE_EACH_MIGRATE and AFTER_EACH_MIGRATE(_ERROR); only then is a statement of a script running. The history row
 * of a migration is written after AFTER_EACH_MIGRATE, so cancelling only inside that window never leaves a
 * migration applied without its row. A transactional migration cancelled there rolls back whole; a
 * non-transactional one is handled by {@link FailedMigrationCleanup}.
 */
public class MigrationCanceller extends EachMigrationCallback {

	private static final Log logger = LogFactory.getLog(MigrationCanceller.class);

	private static final long CANCEL_EVERY_MILLIS = 250;

	private final GracefulStop stop;

	private volatile int migrationPid;

	private volatile DataSource migrationDataSource;

	private volatile boolean inMigration;

	MigrationCanceller(GracefulStop stop) {
		this.stop = stop;
	}

	@Override
	public void handle(Event event, Context context) {
		if (event != Event.BEFORE_EACH_MIGRATE) {
			this.inMigration = false;
			return;
		}
		if (this.stop.requested()) {
			// Stopped between two migrations: the next one does not start.
			throw new FlywayException("stopped by SIGTERM before " + context.getMigrationInfo().getScript());
		}
		try {
			this.migrationPid = context.getConnection().unwrap(PGConnection.class).getBackendPID();
			this.migrationDataSource = context.getConfiguration().getDataSource();
		}
		catch (SQLException ex) {
			throw new FlywayException("cannot read the migration session's process id", ex);
		}
		this.inMigration = true;
	}

	@Override
	public String getCallbackName() {
		return "ferry-cancel";
	}

	/**
	 * Cancels the running migration's statement from a connection of its own to the migration's database (production,
	 * or a rehearsal's clone), again every quarter second while a migration is still running: a cancel that arrives
	 * between two statements of a script cancels nothing. Runs until the process ends.
	 */
	public void cancelUntilStopped() {
		Connection connection = null;
		DataSource connectedTo = null;
		try {
			while (true) {
				DataSource current = this.migrationDataSource;
				if (this.inMigration && current != null) {
					if (current != connectedTo) {
						close(connection);
						connection = current.getConnection();
						connectedTo = current;
					}
					try (PreparedStatement cancel = connection.prepareStatement("SELECT pg_cancel_backend(?)")) {
						cancel.setInt(1, this.migrationPid);
						cancel.execute();
					}
				}
				Thread.sleep(CANCEL_EVERY_MILLIS);
			}
		}
		catch (SQLException ex) {
			// With PostgreSQL 14+ the server also cancels it once Ferry's connection is gone (ClientLossSettings).
			logger.warn("Could not cancel the running migration (SQLSTATE " + ex.getSQLState() + "); it ends when"
					+ " the process has exited and the server notices the closed connection");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			close(connection);
		}
	}

	private static void close(Connection connection) {
		if (connection != null) {
			try {
				connection.close();
			}
			catch (SQLException ex) {
				// Cancelling is over either way.
			}
		}
	}

}
