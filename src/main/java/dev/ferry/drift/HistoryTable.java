package dev.ferry.drift;

import org.flywaydb.core.api.configuration.Configuration;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Where Flyway keeps its schema history, worked out from Flyway's configuration as Flyway does: the default schema,
 * else the first of the schemas, else the connection's current schema.
 *
 * @param schema the history table's schema
 * @param table the history table's name
 */
record HistoryTable(String schema, String table) {

	static HistoryTable of(Configuration configuration, JdbcClient jdbc) {
		String schema = configuration.getDefaultSchema();
		if (schema == null && configuration.getSchemas().length > 0) {
			schema = configuration.getSchemas()[0];
		}
		if (schema == null) {
			schema = jdbc.sql("SELECT current_schema()").query(String.class).optional().orElse(null);
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
	int[] mark(JdbcClient jdbc) {
		String history = sibling(this.table);
		if (!exists(jdbc, history)) {
			return new int[] { 0, 0 };
		}
		return jdbc.sql("SELECT coalesce(max(installed_rank), 0), count(*) FROM " + history)
			.query((row, n) -> new int[] { row.getInt(1), row.getInt(2) })
			.single();
	}

	/** Whether a table exists, by its quoted name. */
	boolean exists(JdbcClient jdbc, String table) {
		return jdbc.sql("SELECT to_regclass(?) IS NOT NULL").param(table).query(Boolean.class).single();
	}

	static String quote(String identifier) {
		return "\"" + identifier.replace("\"", "\"\"") + "\"";
	}

}
