package dev.ferry.drift;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.TreeMap;

/**
 * Ferry's record of the catalog it left, in its own table beside Flyway's history: one row per history table, the
 * latest run's. Next to the description it keeps what makes a comparison fair: the history's last rank and row
 * count (a run of plain Flyway, or one that failed halfway, changes the schema without a new record), the managed
 * schemas as configured, the server's major version (which words the definitions) and the description's format.
 *
 * @param scope the managed schemas as configured when recorded
 * @param serverMajor the server's major version when recorded
 * @param format the format of the description
 * @param historyRank the history's highest installed rank when recorded
 * @param historyRows the history's row count when recorded
 * @param schemaVersion the schema version when recorded
 * @param recordedAt when it was recorded, as text
 * @param description the catalog's description
 */
record CatalogRecord(String scope, int serverMajor, int format, int historyRank, int historyRows, String schemaVersion,
		String recordedAt, CatalogDescription description) {

	static final String TABLE = "ferry_catalog_record";

	/** Raised when the description's wording changes, so that an older record is not compared word by word. */
	static final int FORMAT = 1;

	/** The record of this history table, if Ferry's table and a row for it exist. */
	static CatalogRecord read(Connection connection, HistoryTable history) throws SQLException {
		String table = history.sibling(TABLE);
		try (PreparedStatement exists = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
			exists.setString(1, table);
			try (ResultSet rows = exists.executeQuery()) {
				rows.next();
				if (!rows.getBoolean(1)) {
					return null;
				}
			}
		}
		try (PreparedStatement select = connection.prepareStatement("SELECT scope, server_major, format, history_rank,"
				+ " history_rows, schema_version, recorded_at::text, catalog::text FROM " + table
				+ " WHERE history_table = ?")) {
			select.setString(1, history.qualified());
			try (ResultSet rows = select.executeQuery()) {
				if (!rows.next()) {
					return null;
				}
				CatalogRecord record = new CatalogRecord(rows.getString(1), rows.getInt(2), rows.getInt(3),
						rows.getInt(4), rows.getInt(5), rows.getString(6), rows.getString(7), null);
				return record.withDescription(readDescription(connection, table, history));
			}
		}
	}

	private static CatalogDescription readDescription(Connection connection, String table, HistoryTable history)
			throws SQLException {
		TreeMap<String, String> objects = new TreeMap<>();
		try (PreparedStatement select = connection.prepareStatement(
				"SELECT e.key, e.value FROM " + table + " r, jsonb_each_text(r.catalog) e WHERE r.history_table = ?")) {
			select.setString(1, history.qualified());
			try (ResultSet rows = select.executeQuery()) {
				while (rows.next()) {
					objects.put(rows.getString(1), rows.getString(2));
				}
			}
		}
		return new CatalogDescription(objects);
	}

	private CatalogRecord withDescription(CatalogDescription description) {
		return new CatalogRecord(this.scope, this.serverMajor, this.format, this.historyRank, this.historyRows,
				this.schemaVersion, this.recordedAt, description);
	}

	/**
	 * Writes this record in the connection's transaction, creating Ferry's table where it is missing. A record never
	 * replaces one taken at a later point of the history, so that runners finishing together leave the newest.
	 */
	void write(Connection connection, HistoryTable history) throws SQLException {
		String table = history.sibling(TABLE);
		try (Statement create = connection.createStatement()) {
			create.execute("CREATE TABLE IF NOT EXISTS " + table + " (history_table text PRIMARY KEY, recorded_at"
					+ " timestamptz NOT NULL, schema_version text, history_rank integer NOT NULL, history_rows integer"
					+ " NOT NULL, scope text NOT NULL, server_major integer NOT NULL, format integer NOT NULL,"
					+ " catalog jsonb NOT NULL)");
		}
		try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO " + table + " AS r (history_table,"
				+ " recorded_at, schema_version, history_rank, history_rows, scope, server_major, format, catalog)"
				+ " SELECT ?, now(), ?, ?, ?, ?, ?, ?, coalesce(jsonb_object_agg(o.key, o.value), '{}'::jsonb)"
				+ " FROM unnest(?::text[], ?::text[]) AS o (key, value)"
				+ " ON CONFLICT (history_table) DO UPDATE SET recorded_at = EXCLUDED.recorded_at, schema_version ="
				+ " EXCLUDED.schema_version, history_rank = EXCLUDED.history_rank, history_rows ="
				+ " EXCLUDED.history_rows, scope = EXCLUDED.scope, server_major = EXCLUDED.server_major, format ="
				+ " EXCLUDED.format, catalog = EXCLUDED.catalog WHERE r.history_rank <= EXCLUDED.history_rank")) {
			upsert.setString(1, history.qualified());
			upsert.setString(2, this.schemaVersion);
			upsert.setInt(3, this.historyRank);
			upsert.setInt(4, this.historyRows);
			upsert.setString(5, this.scope);
			upsert.setInt(6, this.serverMajor);
			upsert.setInt(7, this.format);
			upsert.setArray(8, connection.createArrayOf("text", this.description.objects().keySet().toArray()));
			upsert.setArray(9, connection.createArrayOf("text", this.description.objects().values().toArray()));
			upsert.executeUpdate();
		}
	}

}
