package dev.ferry.migration;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.ferry.failure.FlywayFailures;
import dev.ferry.placeholders.PlaceholderSubstitution;
import dev.ferry.plan.ScriptStatements;
import dev.ferry.scripts.MigrationScripts;
import dev.ferry.session.EachMigrationCallback;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.configuration.Configuration;

import org.springframework.core.io.Resource;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.jdbc.support.SqlArrayValue;

/**
 * Keeps a failed {@code CREATE INDEX CONCURRENTLY} from turning into an invalid index recorded as applied. Such a
 * build does not roll back: it leaves an INVALID index behind (never used by queries, yet maintained on every
 * write), and a later {@code CREATE INDEX CONCURRENTLY IF NOT EXISTS} skips the build because the name exists.
 * <ul>
 * <li>When a migration that runs outside a transaction fails, the invalid indexes its own concurrent builds name
 * are dropped at once.</li>
 * <li>Before a migration that runs outside a transaction, the invalid indexes its concurrent builds name that are
 * still there (one whose drop could not get its lock, one left by a killed run, by plain Flyway or by hand) are
 * dropped first, so the build runs again. A failure to drop one (a lock timeout) fails the migration before it
 * starts.</li>
 * </ul>
 * Only such an index is dropped: the one a {@code CREATE INDEX CONCURRENTLY} of the migration names, on the table
 * the statement names (resolved as the migration will resolve it), in a schema Flyway manages, and not being built
 * by another session right now. Other invalid indexes are somebody else's, and a partitioned parent
 * ({@code CREATE INDEX ... ON ONLY}) is invalid by design until each partition's index is attached. A migration runs
 * outside a transaction exactly when its connection is in auto-commit as it starts.
 */
class InvalidIndexCleanup extends EachMigrationCallback {

	private static final Log logger = LogFactory.getLog(InvalidIndexCleanup.class);

	private static final String NAME = "(?:\"(?:[^\"]|\"\")+\"|[\\p{L}_][\\p{L}\\p{N}_$]*)";

	/** After any leading comments; the index is named (else the server names it), its table maybe qualified. */
	private static final Pattern CONCURRENT_BUILD = Pattern.compile("(?is)(?:\\s+|--[^\n]*|/\\*.*?\\*/)*CREATE\\s+(?:UNIQUE\\s+)?INDEX\\s+"
			+ "CONCURRENTLY\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(" + NAME + ")\\s+ON\\s+(?:ONLY\\s+)?(" + NAME + "(?:\\s*\\.\\s*"
			+ NAME + ")?)");

	/** The index that the build names, on its table, when it is invalid, in a managed schema, and nobody builds it. */
	private static final String LEFT_BY_BUILD = "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_index i"
			+ " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
			+ " WHERE NOT i.indisvalid AND c.relkind = 'i' AND c.relname = (parse_ident(?))[1]"
			+ " AND i.indrelid = to_regclass(?) AND (cardinality(?) = 0 OR n.nspname = ANY(?))"
			+ " AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid)";

	private boolean outsideTransaction;

	private boolean failedOutsideTransaction;

	private List<String[]> builds = List.of();

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
				dropLeftBy(jdbc, script, context.getConfiguration(), this.builds);
			}
			return;
		}
		try {
			this.outsideTransaction = connection.getAutoCommit();
			this.failedOutsideTransaction = false;
			this.builds = this.outsideTransaction ? concurrentBuilds(context.getConfiguration(), jdbc, script) : List.of();
			for (String index : invalidIndexes(jdbc, context.getConfiguration(), this.builds)) {
				drop(jdbc, index);
				logger.warn("Dropped the invalid index " + index + " before " + script + ": a failed CREATE INDEX"
						+ " CONCURRENTLY left it, and IF NOT EXISTS would skip the build");
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
	 * The index and table names of each {@code CREATE INDEX CONCURRENTLY} of a SQL migration, as written in its
	 * statements once its placeholders are substituted. A Java migration has no script to read.
	 */
	static List<String[]> concurrentBuilds(String sql) {
		List<String[]> builds = new ArrayList<>();
		for (String statement : ScriptStatements.split(sql)) {
			Matcher build = CONCURRENT_BUILD.matcher(statement);
			if (build.lookingAt()) {
				builds.add(new String[] { build.group(1), build.group(2).replaceAll("\\s+", "") });
			}
		}
		return builds;
	}

	private static List<String[]> concurrentBuilds(Configuration configuration, JdbcClient jdbc, String script) {
		Resource resource = MigrationScripts.find(MigrationScripts.list(configuration), script);
		if (resource == null) {
			return List.of();
		}
		PlaceholderSubstitution.Session session = jdbc.sql("SELECT current_database(), current_user, current_schema()")
			.query((row, n) -> new PlaceholderSubstitution.Session(row.getString(1), row.getString(2), row.getString(3),
					Set.of()))
			.single();
		return concurrentBuilds(new PlaceholderSubstitution(configuration, session)
			.substitute(MigrationScripts.read(resource, configuration), MigrationScripts.fileName(script), (name) -> false)
			.text());
	}

	/**
	 * Never throws: Flyway calls this while it handles the migration's failure, which must stay the failure reported.
	 */
	private static void dropLeftBy(JdbcClient jdbc, String script, Configuration configuration, List<String[]> builds) {
		try {
			for (String index : invalidIndexes(jdbc, configuration, builds)) {
				drop(jdbc, index);
				logger.warn("Dropped the invalid index " + index + " that the failed " + script + " left");
			}
		}
		catch (DataAccessException ex) {
			// Most often the lock the build itself could not get: the migration's next try drops it first.
			logger.warn("Could not drop the invalid index that the failed " + script + " left (SQLSTATE "
					+ FlywayFailures.sqlState(ex) + "); it is dropped before the migration runs again");
		}
	}

	private static List<String> invalidIndexes(JdbcClient jdbc, Configuration configuration, List<String[]> builds) {
		List<String> schemas = new ArrayList<>(Arrays.asList(configuration.getSchemas()));
		if (schemas.isEmpty() && configuration.getDefaultSchema() != null) {
			schemas.add(configuration.getDefaultSchema());
		}
		SqlArrayValue managed = new SqlArrayValue("text", schemas.toArray());
		List<String> indexes = new ArrayList<>();
		for (String[] build : builds) {
			indexes.addAll(jdbc.sql(LEFT_BY_BUILD).params(build[0], build[1], managed, managed).query(String.class).list());
		}
		return indexes;
	}

	/** Concurrently, as the build was: the table's writers are not blocked; lock_timeout bounds the wait. */
	private static void drop(JdbcClient jdbc, String index) {
		jdbc.sql("DROP INDEX CONCURRENTLY IF EXISTS " + index).update();
	}

}
