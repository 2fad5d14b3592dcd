package dev.ferry.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Just enough JDBC to look at what Ferry did, for anything that can open a connection to one database.
 */
public interface SqlQueries {

	Connection connect() throws SQLException;

	default void execute(String sql) {
		try (Connection connection = connect(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(sql, ex);
		}
	}

	/** The first column of every row, as text. */
	default List<String> column(String sql) {
		try (Connection connection = connect();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			List<String> values = new ArrayList<>();
			while (rows.next()) {
				values.add(rows.getString(1));
			}
			return values;
		}
		catch (SQLException ex) {
			throw new IllegalStateException(sql, ex);
		}
	}

	default String single(String sql) {
		List<String> values = column(sql);
		if (values.size() != 1) {
			throw new IllegalStateException("expected one row from " + sql + " but got " + values);
		}
		return values.get(0);
	}

	/**
	 * How many migrations the schema history holds (Flyway's schema-creation marker aside); 0 where there is no
	 * history table yet, as after a run killed before anything committed.
	 */
	default int committedMigrations(String historyTable) {
		return Integer.parseInt(single("SELECT CASE WHEN to_regclass('" + historyTable + "') IS NULL THEN 0"
				+ " ELSE (SELECT count(*) FROM " + historyTable + " WHERE type <> 'SCHEMA') END"));
	}

	default boolean tableExists(String qualifiedName) {
		return single("SELECT to_regclass('" + qualifiedName + "') IS NOT NULL").equals("t");
	}

	/**
	 * Migrations in the schema history table, in installed order, repeatables as their description; Flyway's own
	 * schema-creation marker is left out.
	 */
	default List<String> history(String table) {
		return column("SELECT coalesce(version, description) || ':' || success FROM " + table
				+ " WHERE type <> 'SCHEMA' ORDER BY installed_rank");
	}

	/**
	 * Waits until another session of this database is executing a statement that contains the fragment, such as the
	 * pg_sleep of a migration: then a fault cuts that migration in half.
	 */
	default void awaitActive(String fragment, Duration timeout) throws InterruptedException {
		awaitSession("state = 'active' AND query LIKE '%" + fragment + "%'", timeout);
	}

	/** Waits until another session of this database matches the condition on pg_stat_activity. */
	default void awaitSession(String condition, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (column("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
				+ " AND " + condition).isEmpty()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("no session with " + condition + " within " + timeout);
			}
			Thread.sleep(50);
		}
	}

}
