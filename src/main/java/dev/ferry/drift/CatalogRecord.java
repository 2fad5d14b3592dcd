package dev.ferry.drift;

import java.sql.Types;
import java.util.TreeMap;

import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.SqlParameterValue;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.SqlArrayValue;

/**
 * Ferry's record of the catalog it left, in its own table beside Flyway's history: one row per history table, the
 * latest run's. Next to the description it keeps what makes a comparison fair: the history's last rank and row
 * count (a run of plain Flyway, or one that failed halfway, changes the schema without a new record), the managed
 * schemas as configured, the server's major version (which words the definitions) and the description's format.
 * Each row also holds the key of its digests ({@code digest_key}, made on the server by {@code gen_random_uuid()}),
 * which Ferry never reads: the server puts it into the transaction's setting {@value #KEY_SETTING}, and the
 * description's queries take it from there.
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

	/**
	 * Raised when the description's wording changes, so that an older record is not compared word by word. 2: what can
	 * hold data is a keyed digest (1 kept it in clear, or as an unkeyed hash).
	 */
	static final int FORMAT = 2;

	/** The transaction's setting that holds the digests' key while the catalog is described. */
	static final String KEY_SETTING = "ferry.catalog_key";

	/** The record of this history table, if Ferry's table and a row for it exist. */
	static CatalogRecord read(JdbcClient jdbc, HistoryTable history) {
		String table = history.sibling(TABLE);
		if (!history.exists(jdbc, table)) {
			return null;
		}
		CatalogRecord record = jdbc.sql("SELECT scope, server_major, format, history_rank, history_rows, schema_version,"
				+ " recorded_at::text FROM " + table + " WHERE history_table = ?")
			.param(history.qualified())
			.query((row, n) -> new CatalogRecord(row.getString(1), row.getInt(2), row.getInt(3), row.getInt(4),
					row.getInt(5), row.getString(6), row.getString(7), null))
			.optional()
			.orElse(null);
		return (record != null) ? record.withDescription(readDescription(jdbc, table, history)) : null;
	}

	private static CatalogDescription readDescription(JdbcClient jdbc, String table, HistoryTable history) {
		TreeMap<String, String> objects = new TreeMap<>();
		jdbc.sql("SELECT e.key, e.value FROM " + table + " r, jsonb_each_text(r.catalog) e WHERE r.history_table = ?")
			.param(history.qualified())
			.query((RowCallbackHandler) (row) -> objects.put(row.getString(1), row.getString(2)));
		return new CatalogDescription(objects);
	}

	/**
	 * Puts the key of this history's record into the transaction's setting, on the server, for comparing with a record
	 * of this {@link #FORMAT}.
	 */
	static void useKey(JdbcClient jdbc, HistoryTable history) {
		jdbc.sql("SELECT set_config('" + KEY_SETTING + "', digest_key, true) IS NOT NULL FROM "
				+ history.sibling(TABLE) + " WHERE history_table = ?")
			.param(history.qualified())
			.query(Boolean.class)
			.single();
	}

	/**
	 * Creates Ferry's table where it is missing (or adds the key to one an older Ferry made) and puts the key of this
	 * history's record into the transaction's setting: the one it has, else a new one, which {@link #write} keeps.
	 */
	static void prepare(JdbcClient jdbc, HistoryTable history) {
		String table = history.sibling(TABLE);
		jdbc.sql("CREATE TABLE IF NOT EXISTS " + table + " (history_table text PRIMARY KEY, recorded_at timestamptz NOT"
				+ " NULL, schema_version text, history_rank integer NOT NULL, history_rows integer NOT NULL, scope text"
				+ " NOT NULL, server_major integer NOT NULL, format integer NOT NULL, catalog jsonb NOT NULL,"
				+ " digest_key text NOT NULL)")
			.update();
		boolean keyed = jdbc.sql("SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass('"
				+ table.replace("'", "''") + "') AND attname = 'digest_key' AND NOT attisdropped)")
			.query(Boolean.class)
			.single();
		if (!keyed) {
			jdbc.sql("ALTER TABLE " + table + " ADD COLUMN digest_key text NOT NULL DEFAULT gen_random_uuid()::text")
				.update();
		}
		jdbc.sql("SELECT set_config('" + KEY_SETTING + "', coalesce((SELECT digest_key FROM " + table
				+ " WHERE history_table = ?), gen_random_uuid()::text || gen_random_uuid()::text), true) IS NOT NULL")
			.param(history.qualified())
			.query(Boolean.class)
			.single();
	}

	private CatalogRecord withDescription(CatalogDescription description) {
		return new CatalogRecord(this.scope, this.serverMajor, this.format, this.historyRank, this.historyRows,
				this.schemaVersion, this.recordedAt, description);
	}

	/**
	 * Writes this record, and the key its digests were made with, in the connection's transaction, after
	 * {@link #prepare}. A record never replaces one taken at a later point of the history, so that runners finishing
	 * together leave the newest.
	 */
	void write(JdbcClient jdbc, HistoryTable history) {
		jdbc.sql("INSERT INTO " + history.sibling(TABLE) + " AS r (history_table, recorded_at, schema_version,"
				+ " history_rank, history_rows, scope, server_major, format, catalog, digest_key)"
				+ " SELECT ?, now(), ?, ?, ?, ?, ?, ?, coalesce(jsonb_object_agg(o.key, o.value), '{}'::jsonb),"
				+ " current_setting('" + KEY_SETTING + "') FROM unnest(?::text[], ?::text[]) AS o (key, value)"
				+ " ON CONFLICT (history_table) DO UPDATE SET recorded_at = EXCLUDED.recorded_at, schema_version ="
				+ " EXCLUDED.schema_version, history_rank = EXCLUDED.history_rank, history_rows ="
				+ " EXCLUDED.history_rows, scope = EXCLUDED.scope, server_major = EXCLUDED.server_major, format ="
				+ " EXCLUDED.format, catalog = EXCLUDED.catalog, digest_key = EXCLUDED.digest_key"
				+ " WHERE r.history_rank <= EXCLUDED.history_rank")
			.params(history.qualified(), new SqlParameterValue(Types.VARCHAR, this.schemaVersion), this.historyRank, this.historyRows, this.scope,
					this.serverMajor, this.format,
					new SqlArrayValue("text", this.description.objects().keySet().toArray()),
					new SqlArrayValue("text", this.description.objects().values().toArray()))
			.update();
	}

}
