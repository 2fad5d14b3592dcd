package dev.ferry.faults;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a database holds, as text that compares equal between two databases in the same state: columns, indexes
 * (with their validity), constraints, views, functions, the schema history without its timings, and for each data
 * table its row count and a checksum of its content (Ferry's own bookkeeping tables next to the history: the row
 * count only).
 *
 * @param sections each section's lines, in a fixed order
 * @param rowCounts the row count of each data table (the history table excluded)
 */
record CatalogDump(Map<String, List<String>> sections, Map<String, Long> rowCounts) {

	private static final String USER_SCHEMAS = "NOT IN ('pg_catalog', 'information_schema') AND %s NOT LIKE 'pg_toast%%'"
		+ " AND %s NOT LIKE 'pg_temp%%'";

	static final String HISTORY_TABLE = "flyway_schema_history";

	static CatalogDump of(Database database) {
		try (Connection connection = database.connect()) {
			return of(connection);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot dump " + database.name(), ex);
		}
	}

	static CatalogDump of(Connection connection) throws SQLException {
		Map<String, List<String>> sections = new LinkedHashMap<>();
		sections.put("columns", lines(connection,
				"SELECT table_schema, table_name, ordinal_position, column_name, data_type, is_nullable,"
						+ " coalesce(column_default, '') FROM information_schema.columns WHERE table_schema "
						+ userSchemas("table_schema") + " ORDER BY 1, 2, 3"));
		sections.put("indexes", lines(connection,
				"SELECT i.schemaname, i.tablename, i.indexname, i.indexdef, x.indisvalid, x.indisready FROM pg_indexes i"
						+ " JOIN pg_class c ON c.relname = i.indexname JOIN pg_namespace n ON n.oid = c.relnamespace"
						+ " AND n.nspname = i.schemaname JOIN pg_index x ON x.indexrelid = c.oid WHERE i.schemaname "
						+ userSchemas("i.schemaname") + " ORDER BY 1, 2, 3"));
		sections.put("constraints", lines(connection,
				"SELECT n.nspname, coalesce(c.conrelid::regclass::text, ''), c.conname, c.contype,"
						+ " pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
						+ " WHERE n.nspname " + userSchemas("n.nspname") + " ORDER BY 1, 2, 3"));
		sections.put("views", lines(connection, "SELECT schemaname, viewname, definition FROM pg_views WHERE schemaname "
				+ userSchemas("schemaname") + " ORDER BY 1, 2"));
		sections.put("functions", lines(connection,
				"SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), md5(p.prosrc) FROM pg_proc p"
						+ " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname " + userSchemas("n.nspname")
						+ " ORDER BY 1, 2, 3"));
		sections.put("sequences", lines(connection, "SELECT schemaname, sequencename, data_type, increment_by FROM"
				+ " pg_sequences WHERE schemaname " + userSchemas("schemaname") + " ORDER BY 1, 2"));
		List<String> tables = lines(connection,
				"SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables"
						+ " WHERE table_type = 'BASE TABLE' AND table_schema " + userSchemas("table_schema")
						+ " ORDER BY table_schema, table_name");
		List<String> data = new ArrayList<>();
		Map<String, Long> rowCounts = new LinkedHashMap<>();
		for (String table : tables) {
			String name = table.substring(table.indexOf('.') + 1);
			if (name.equals(HISTORY_TABLE)) {
				sections.put("history", lines(connection, "SELECT coalesce(version, '-'), description, type, script,"
						+ " coalesce(checksum::text, ''), success FROM " + table
						+ " WHERE type <> 'SCHEMA' ORDER BY version NULLS LAST, description"));
				continue;
			}
			if (name.startsWith(HISTORY_TABLE)) {
				// Ferry's own bookkeeping next to the history (such as its state table): its content records when
				// a run happened, so only its shape (above) and row count compare.
				data.add(table + " | " + lines(connection, "SELECT count(*) FROM " + table).get(0) + " rows");
				continue;
			}
			List<String> row = lines(connection, "SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY"
					+ " t::text)), '') FROM " + table + " t");
			String[] parts = row.get(0).split(" \\| ", 2);
			rowCounts.put(table, Long.parseLong(parts[0]));
			data.add(table + " | " + row.get(0));
		}
		sections.put("data", data);
		return new CatalogDump(sections, rowCounts);
	}

	private static String userSchemas(String column) {
		return String.format(USER_SCHEMAS, column, column);
	}

	private static List<String> lines(Connection connection, String sql) throws SQLException {
		List<String> lines = new ArrayList<>();
		try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
			int columns = rows.getMetaData().getColumnCount();
			while (rows.next()) {
				StringBuilder line = new StringBuilder();
				for (int i = 1; i <= columns; i++) {
					if (i > 1) {
						line.append(" | ");
					}
					line.append(rows.getString(i));
				}
				lines.add(line.toString());
			}
		}
		return lines;
	}

	/** Rows that this dump has fewer of than the reference, summed over the reference's data tables. */
	long rowsLostAgainst(CatalogDump reference) {
		long lost = 0;
		for (Map.Entry<String, Long> table : reference.rowCounts().entrySet()) {
			long have = this.rowCounts.getOrDefault(table.getKey(), 0L);
			lost += Math.max(0, table.getValue() - have);
		}
		return lost;
	}

	/** The lines that differ from another dump, section by section; empty when both are the same. */
	List<String> differencesFrom(CatalogDump other) {
		List<String> differences = new ArrayList<>();
		for (String section : union(this.sections.keySet(), other.sections.keySet())) {
			List<String> mine = this.sections.getOrDefault(section, List.of());
			List<String> theirs = other.sections.getOrDefault(section, List.of());
			for (String line : mine) {
				if (!theirs.contains(line)) {
					differences.add(section + " only here: " + line);
				}
			}
			for (String line : theirs) {
				if (!mine.contains(line)) {
					differences.add(section + " only there: " + line);
				}
			}
		}
		return differences;
	}

	private static List<String> union(java.util.Collection<String> a, java.util.Collection<String> b) {
		List<String> all = new ArrayList<>(a);
		b.stream().filter((s) -> !all.contains(s)).forEach(all::add);
		return all;
	}

	int historyRows() {
		return this.sections.getOrDefault("history", List.of()).size();
	}

	int lineCount() {
		return this.sections.values().stream().mapToInt(List::size).sum();
	}

}
