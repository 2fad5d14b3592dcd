package dev.ferry.drift;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import dev.ferry.config.FerryProperties;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.stop.GracefulStop;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.Configuration;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.stereotype.Component;

/**
 * Compares the managed schemas' live catalog with the description Ferry recorded after its last successful run, and
 * records it again after this one. The check only reads, in one read-only transaction; recording is the only write
 * and happens after Flyway is done. Neither ever turns a run's outcome into another kind of failure: a record that
 * cannot be written is a warning, and the next check compares with the previous record or, where the history moved
 * on since then, does not compare at all.
 */
@Component
public record DriftCheck(Flyway flyway, FerryProperties properties, SecretMasker masker, GracefulStop stop) {

	private static final Log logger = LogFactory.getLog(DriftCheck.class);

	/** "Ferr": the first key of Ferry's advisory lock around writing its record. */
	private static final int LOCK_CLASS = 0x46657272;

	/**
	 * Compares the live catalog with the record, read-only, and logs what differs. A record taken at another point of
	 * the history (plain Flyway migrated since, a run failed halfway), for other managed schemas, on another major
	 * version of PostgreSQL or by a Ferry that described the catalog differently is not compared: its differences
	 * would not be drift.
	 */
	public DriftFindings check() {
		DriftFindings findings;
		try {
			findings = compare();
		}
		catch (SQLException | RuntimeException ex) {
			findings = DriftFindings.couldNotRun("the drift check could not run: " + reason(ex));
		}
		log(findings);
		return findings;
	}

	private DriftFindings compare() throws SQLException {
		try (Connection connection = dataSource().getConnection();
				GracefulStop.Watch stoppable = this.stop.cancelsOnStop(connection)) {
			connection.setReadOnly(true);
			connection.setAutoCommit(false);
			connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
			JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(connection, true));
			try {
				HistoryTable history = HistoryTable.of(configuration(), jdbc);
				prepare(jdbc, "SET LOCAL");
				CatalogRecord record = CatalogRecord.read(jdbc, history);
				if (record == null) {
					return DriftFindings.notCompared("no drift check: Ferry has not recorded this database's schema"
							+ " yet (it does after a successful migrate)");
				}
				String stale = staleness(record, connection, jdbc, history);
				if (stale != null) {
					return DriftFindings.notCompared("no drift check: " + stale + "; Ferry records again after the"
							+ " next successful migrate");
				}
				CatalogRecord.useKey(jdbc, history);
				CatalogDescription live = describe(jdbc, history);
				return DriftFindings.compared(record.description().changesTo(live));
			}
			finally {
				connection.rollback();
			}
		}
	}

	private String staleness(CatalogRecord record, Connection connection, JdbcClient jdbc, HistoryTable history)
			throws SQLException {
		int[] mark = history.mark(jdbc);
		if (record.historyRank() != mark[0] || record.historyRows() != mark[1]) {
			return "the schema history changed since Ferry's record of " + record.recordedAt()
					+ " (a run that failed or another tool migrated, repaired or baselined)";
		}
		if (!record.scope().equals(scope())) {
			return "the managed schemas changed since Ferry's record (" + record.scope() + ", now " + scope() + ")";
		}
		if (record.serverMajor() != serverMajor(connection)) {
			return "PostgreSQL's major version changed since Ferry's record (" + record.serverMajor() + ")";
		}
		if (record.format() != CatalogRecord.FORMAT) {
			return "Ferry's record was written by a version of Ferry that describes the schema differently";
		}
		return null;
	}

	/**
	 * Records the catalog as this run leaves it. Called after Flyway's work succeeded; a failure is a warning, never
	 * the run's failure.
	 *
	 * @param schemaVersion the schema's version after the run
	 */
	public void record(String schemaVersion) {
		// A SIGTERM cancels the lock wait (and whatever else is running), so that no session outlives the process.
		try (Connection connection = dataSource().getConnection();
				GracefulStop.Watch stoppable = this.stop.cancelsOnStop(connection)) {
			JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(connection, true));
			HistoryTable history = HistoryTable.of(configuration(), jdbc);
			prepare(jdbc, "SET");
			if (this.stop.requested()) {
				// Stopped before the wait began: nothing would cancel it.
				throw new IllegalStateException("stopped by SIGTERM before the record's lock was taken");
			}
			// Runners that finish together take turns, each reading the catalog only once the one before committed.
			// (The two-key form: a key space apart from Flyway's one-key lock.)
			// Its one value is void: reading it would make the driver look its type up, statements on the wire
			// that neither Flyway nor the plan knows.
			jdbc.sql("SELECT pg_advisory_lock(" + LOCK_CLASS + ", hashtext(?))")
				.param("ferry:" + history.sibling(CatalogRecord.TABLE))
				.query((RowCallbackHandler) (row) -> {
				});
			connection.setAutoCommit(false);
			connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
			try {
				int[] mark = history.mark(jdbc);
				CatalogRecord.prepare(jdbc, history);
				new CatalogRecord(scope(), serverMajor(connection), CatalogRecord.FORMAT, mark[0], mark[1],
						schemaVersion, null, describe(jdbc, history))
					.write(jdbc, history);
				connection.commit();
				logger.debug("Recorded the schema for the next drift check in " + history.sibling(CatalogRecord.TABLE));
			}
			catch (SQLException | RuntimeException ex) {
				connection.rollback();
				throw ex;
			}
		}
		catch (SQLException | RuntimeException ex) {
			logger.warn("Could not record the schema for the next drift check (" + reason(ex) + "); the migration"
					+ " itself succeeded, and the next run checks against the previous record, if it still applies");
		}
	}

	/**
	 * Names are qualified against an empty search path, whatever the session's; a lock the catalog reads would wait
	 * for gives up like a migration's.
	 */
	private void prepare(JdbcClient jdbc, String set) {
		jdbc.sql(set + " search_path = pg_catalog; " + set + " lock_timeout = '"
				+ this.properties.lockTimeout().toMillis() + "ms'")
			.update();
	}

	private CatalogDescription describe(JdbcClient jdbc, HistoryTable history) {
		List<Long> excluded = new ArrayList<>();
		for (String table : List.of(history.sibling(history.table()), history.sibling(CatalogRecord.TABLE))) {
			jdbc.sql("SELECT to_regclass(?)::oid::bigint").param(table).query(Long.class).optional()
				.ifPresent(excluded::add);
		}
		return CatalogDescription.read(jdbc, managedSchemas(jdbc, history), excluded);
	}

	/**
	 * Flyway's schemas (and the history's), or, where none are configured, every schema of the database but
	 * PostgreSQL's own: Flyway then leaves it to the scripts where they create objects.
	 */
	private List<String> managedSchemas(JdbcClient jdbc, HistoryTable history) {
		Set<String> schemas = new LinkedHashSet<>(configuredSchemas());
		if (!schemas.isEmpty()) {
			schemas.add(history.schema());
			return List.copyOf(schemas);
		}
		return jdbc.sql("SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema')"
				+ " AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp%'")
			.query(String.class)
			.list();
	}

	private List<String> configuredSchemas() {
		List<String> schemas = new ArrayList<>(Arrays.asList(configuration().getSchemas()));
		if (schemas.isEmpty() && configuration().getDefaultSchema() != null) {
			schemas.add(configuration().getDefaultSchema());
		}
		return schemas;
	}

	/** The managed schemas as configured, for the record: a record of other schemas is not compared. */
	private String scope() {
		List<String> schemas = configuredSchemas();
		return schemas.isEmpty() ? "all schemas" : "schemas " + String.join(",", schemas);
	}

	private static int serverMajor(Connection connection) throws SQLException {
		return connection.getMetaData().getDatabaseMajorVersion();
	}

	private void log(DriftFindings findings) {
		if (findings.failed()) {
			logger.warn(this.masker.mask(findings.summary()));
			return;
		}
		if (!findings.drifted()) {
			logger.info(this.masker.mask(findings.summary()));
			return;
		}
		logger.warn(this.masker.mask(findings.summary() + ":"));
		for (Drift drift : findings.changes()) {
			logger.warn(this.masker.mask("Drift: " + drift.describe()));
		}
	}

	/** The driver's own words, not Spring's translation of them, which would repeat the whole query. */
	private String reason(Exception ex) {
		Throwable failure = (ex instanceof DataAccessException && ex.getCause() != null) ? ex.getCause() : ex;
		String state = (failure instanceof SQLException sql && sql.getSQLState() != null)
				? " (SQLSTATE " + sql.getSQLState() + ")" : "";
		return this.masker.mask(String.valueOf(failure.getMessage()).lines().findFirst().orElse("") + state);
	}

	private Configuration configuration() {
		return this.flyway.getConfiguration();
	}

	private DataSource dataSource() {
		return configuration().getDataSource();
	}

}
