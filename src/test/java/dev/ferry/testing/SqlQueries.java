package dev.ferry.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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

}
