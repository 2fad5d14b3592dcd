package dev.ferry.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a database holds, as text that compares equal between two databases in the same state: schemas, columns
 * (with their types), indexes (with their validity), constraints, views, functions (with a hash of their bodies),
 * sequences, enum types with their values, the schema history without its timings, and for each data table its row
 * count and a checksum of its content (Ferry's own bookkeeping tables next to the history: the row count only).
 * Objects of the whole cluster, such as roles, are left out: databases on one server share them. So is Ferry's record
 * of the schema for its drift check ({@value #FERRY_RECORD_TABLE}), which plain Flyway does not have and whose
 * content records when a run happened.
 *
 * @param sections each section's lines, in a fixed order
 * @param rowCounts the row count of each data table (the history table excluded)
 */
public record CatalogDump(Map<String, List<String>> sections, Map<String, Long> rowCounts) {

	private static final String USER_SCHEMAS = "NOT IN ('pg_catalog', 'information_schema') AND %s NOT LIKE 'pg_toast%%'"
		+ " AND %s NOT LIKE 'pg_temp%%'";

	/** Flyway's default name for its schema history table. */
	public static final String HISTORY_TABLE = "flyway_schema_history";

	/** Ferry's record of the catalog for its drift check, beside the history table. */
	public static final String FERRY_RECORD_TABLE = "ferry_catalog_record";

	/** The dump of a database whose schema history table has Flyway's default name. */
	public static CatalogDump of(SqlQueries database) {
		return of(database, HISTORY_TABLE);
	}

	/** The dump of a database whose schema history table (in whichever schema) has the given name. */
	public static CatalogDump of(SqlQueries database, String historyTable) {
		try (Connection connection = database.connect()) {
			return of(connection, historyTable);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot dump the database", ex);
		}
	}

	private static CatalogDump of(Connection connection, String historyTable) throws SQLException {
		Map<String, List<String>> sections = new LinkedHashMap<>();
		sections.put("schemas", lines(connection, "SELECT nspname FROM pg_namespace WHERE nspname "
				+ userSchemas("nspname") + " ORDER BY 1"));
		sections.put("columns", lines(connection,
				"SELECT table_schema, table_name, ordinal_position, column_name, data_type, udt_name, is_nullable,"
						+ " coalesce(column_default, '') FROM information_schema.columns WHERE table_schema "
						+ userSchemas("table_schema") + " AND table_name <> '" + FERRY_RECORD_TABLE + "' ORDER BY 1, 2, 3"));
		sections.put("indexes", lines(connection,
				"SELECT i.schemaname, i.tablename, i.indexname, i.indexdef, x.indisvalid, x.indisready FROM pg_indexes i"
						+ " JOIN pg_class c ON c.relname = i.indexname JOIN pg_namespace n ON n.oid = c.relnamespace"
						+ " AND n.nspname = i.schemaname JOIN pg_index x ON x.indexrelid = c.oid WHERE i.schemaname "
						+ userSchemas("i.schemaname") + " AND i.tablename <> '" + FERRY_RECORD_TABLE + "' ORDER BY 1, 2, 3"));
		sections.put("constraints", lines(connection,
				"SELECT n.nspname, coalesce(c.conrelid::regclass::text, ''), c.conname, c.contype,"
						+ " pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
						+ " WHERE n.nspname " + userSchemas("n.nspname") + " AND coalesce(c.conrelid::regclass::text, '')"
						+ " NOT LIKE '%" + FERRY_RECORD_TABLE + "' ORDER BY 1, 2, 3"));
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
						+ " AND table_name <> '" + FERRY_RECORD_TABLE + "' ORDER BY table_schema, table_name");
		List<String> data = new ArrayList<>();
		Map<String, Long> rowCounts = new LinkedHashMap<>();
		for (String table : tables) {
			String name = table.substring(table.indexOf('.') + 1);
			if (name.equals(historyTable)) {
				sections.put("history", lines(connection, "SELECT coalesce(version, '-'), description, type, script,"
						+ " coalesce(checksum::text, ''), success FROM " + table
						+ " WHERE type <> 'SCHEMA' ORDER BY version NULLS LAST, description"));
				continue;
			}
			if (name.startsWith(historyTable)) {
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
	public long rowsLostAgainst(CatalogDump reference) {
		long lost = 0;
		for (Map.Entry<String, Long> table : reference.rowCounts().entrySet()) {
			long have = this.rowCounts.getOrDefault(table.getKey(), 0L);
			lost += Math.max(0, table.getValue() - have);
		}
		return lost;
	}

	/** The lines that differ from another dump, section by section; empty when both are the same. */
	public List<String> differencesFrom(CatalogDump other) {
		return differencesFrom(other, "here", "there");
	}

	/**
	 * The lines that differ from another dump, section by section, each saying which side has it; empty when both
	 * are the same.
	 */
	public List<String> differencesFrom(CatalogDump other, String thisSide, String otherSide) {
		List<String> differences = new ArrayList<>();
		for (String section : union(this.sections.keySet(), other.sections.keySet())) {
			List<String> mine = this.sections.getOrDefault(section, List.of());
			List<String> theirs = other.sections.getOrDefault(section, List.of());
			for (String line : mine) {
				if (!theirs.contains(line)) {
					differences.add(section + " only " + thisSide + ": " + line);
				}
			}
			for (String line : theirs) {
				if (!mine.contains(line)) {
					differences.add(section + " only " + otherSide + ": " + line);
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

	public int historyRows() {
		return this.sections.getOrDefault("history", List.of()).size();
	}

	public int lineCount() {
		return this.sections.values().stream().mapToInt(List::size).sum();
	}

}
