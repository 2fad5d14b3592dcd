package dev.ferry.drift;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.flywaydb.core.api.configuration.Configuration;

/**
 * Where Flyway keeps its schema history, worked out from Flyway's configuration as Flyway does: the default schema,
 * else the first of the schemas, else the connection's current schema.
 *
 * @param schema the history table's schema
 * @param table the history table's name
 */
record HistoryTable(String schema, String table) {

	static HistoryTable of(Configuration configuration, Connection connection) throws SQLException {
		String schema = configuration.getDefaultSchema();
		if (schema == null && configuration.getSchemas().length > 0) {
			schema = configuration.getSchemas()[0];
		}
		if (schema == null) {
			try (Statement statement = connection.createStatement();
					ResultSet rows = statement.executeQuery("SELECT current_schema()")) {
				rows.next();
				schema = rows.getString(1);
			}
		}
		return new HistoryTable(schema, configuration.getTable());
	}

	/** The history table's name as the record keys it: {@code schema.table}. */
	String qualified() {
		return this.schema + "." + this.table;
	}

	/** A table beside the history, quoted for SQL. */
	String sibling(String name) {
		return quote(this.schema) + "." + quote(name);
	}

	/**
	 * The history's highest installed rank and its row count: what another run changes when it migrates, repairs or
	 * baselines. Both 0 where there is no history table.
	 */
	int[] mark(Connection connection) throws SQLException {
		String history = sibling(this.table);
		try (PreparedStatement exists = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
			exists.setString(1, history);
			try (ResultSet rows = exists.executeQuery()) {
				rows.next();
				if (!rows.getBoolean(1)) {
					return new int[] { 0, 0 };
				}
			}
		}
		try (Statement statement = connection.createStatement();
				ResultSet rows = statement
					.executeQuery("SELECT coalesce(max(installed_rank), 0), count(*) FROM " + history)) {
			rows.next();
			return new int[] { rows.getInt(1), rows.getInt(2) };
		}
	}

	static String quote(String identifier) {
		return "\"" + identifier.replace("\"", "\"\"") + "\"";
	}

}
