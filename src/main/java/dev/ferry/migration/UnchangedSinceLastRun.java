package dev.ferry.migration;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.configuration.Configuration;

import org.springframework.core.io.Resource;

/**
 * Lets a rerun skip Flyway when it can prove Flyway would do nothing: the scripts, the settings that shape them and
 * the schema history are exactly what they were at the end of the last successful migrate. Flyway resolves and
 * checksums every script on every run (seconds at thousands of scripts); this reads the scripts once and the
 * history in one query. Any difference, any callback (which Flyway would run even with nothing pending) or any
 * repeatable script with a run-dependent built-in placeholder sends the run down Flyway's full path.
 * <p>
 * The proof is kept in a one-row table next to the schema history, {@code <history table>_ferry_state}.
 */
class UnchangedSinceLastRun {

	private static final Log logger = LogFactory.getLog(UnchangedSinceLastRun.class);

	private final Flyway flyway;

	private final MigrationProgress progress;

	private Optional<String> fingerprint;

	UnchangedSinceLastRun(Flyway flyway, MigrationProgress progress) {
		this.flyway = flyway;
		this.progress = progress;
	}

	/**
	 * The schema version, when nothing changed since the last successful migrate; {@code null} when Flyway must run.
	 */
	String upToDateVersion(Map<String, Resource> scripts) {
		String fingerprint = fingerprint(scripts);
		if (fingerprint == null) {
			return null;
		}
		try (Connection connection = dataSource().getConnection()) {
			if (!historyExists(connection)) {
				return null;
			}
			String history = historyDigest(connection);
			try (Statement statement = connection.createStatement();
					ResultSet row = statement.executeQuery(
							"SELECT fingerprint, history, schema_version FROM " + stateTable())) {
				if (row.next() && fingerprint.equals(row.getString(1)) && history.equals(row.getString(2))) {
					return row.getString(3);
				}
			}
		}
		catch (SQLException ex) {
			// No state yet, or no right to read it: Flyway's full path decides.
		}
		return null;
	}

	/** Records that the current scripts and history are up to date, after a successful migrate. */
	void remember(String schemaVersion, Map<String, Resource> scripts) {
		String fingerprint = fingerprint(scripts);
		if (fingerprint == null) {
			return;
		}
		try (Connection connection = dataSource().getConnection()) {
			connection.setAutoCommit(false);
			try (Statement statement = connection.createStatement()) {
				statement.execute("CREATE TABLE IF NOT EXISTS " + stateTable()
						+ " (id int PRIMARY KEY CHECK (id = 1), fingerprint text NOT NULL, history text NOT NULL,"
						+ " schema_version text, recorded_at timestamptz NOT NULL DEFAULT now())");
				statement.execute("COMMENT ON TABLE " + stateTable()
						+ " IS 'Ferry: proof that a rerun has nothing to do; safe to drop, the next run recreates it'");
			}
			try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO " + stateTable()
					+ " (id, fingerprint, history, schema_version) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE"
					+ " SET fingerprint = EXCLUDED.fingerprint, history = EXCLUDED.history,"
					+ " schema_version = EXCLUDED.schema_version, recorded_at = now()")) {
				upsert.setString(1, fingerprint);
				upsert.setString(2, historyDigest(connection));
				upsert.setString(3, schemaVersion);
				upsert.executeUpdate();
			}
			connection.commit();
		}
		catch (SQLException ex) {
			logger.warn("Could not record the run state in " + stateTable() + " (the next run does Flyway's full check): "
					+ ex.getMessage());
		}
	}

	/** The same for every call in a run: the scripts and settings do not change while Ferry runs. */
	private String fingerprint(Map<String, Resource> scripts) {
		if (this.fingerprint == null) {
			this.fingerprint = Optional.ofNullable(computeFingerprint(scripts));
		}
		return this.fingerprint.orElse(null);
	}

	private String computeFingerprint(Map<String, Resource> scripts) {
		Configuration configuration = this.flyway.getConfiguration();
		if (Arrays.stream(configuration.getCallbacks()).anyMatch((callback) -> callback != this.progress)) {
			return null;
		}
		MessageDigest digest = sha256();
		Map<String, String> settings = new TreeMap<>();
		settings.put("flyway", String.valueOf(Flyway.class.getPackage().getImplementationVersion()));
		settings.put("locations", Arrays.toString(configuration.getLocations()));
		settings.put("schemas", Arrays.toString(configuration.getSchemas()));
		settings.put("defaultSchema", String.valueOf(configuration.getDefaultSchema()));
		settings.put("table", configuration.getTable());
		settings.put("naming", configuration.getSqlMigrationPrefix() + configuration.getSqlMigrationSeparator()
				+ configuration.getRepeatableSqlMigrationPrefix() + Arrays.toString(configuration.getSqlMigrationSuffixes()));
		settings.put("placeholderSyntax", configuration.isPlaceholderReplacement() + configuration.getPlaceholderPrefix()
				+ configuration.getPlaceholderSuffix());
		settings.put("placeholders", new TreeMap<>(configuration.getPlaceholders()).toString());
		settings.put("ignore", Arrays.toString(configuration.getIgnoreMigrationPatterns()));
		settings.put("order", configuration.isOutOfOrder() + "/" + configuration.getTarget() + "/"
				+ configuration.getBaselineVersion() + "/" + configuration.isBaselineOnMigrate() + "/"
				+ configuration.isValidateOnMigrate() + "/" + configuration.isSkipExecutingMigrations());
		settings.put("encoding", String.valueOf(configuration.getEncoding()));
		settings.forEach((key, value) -> update(digest, key + "=" + value + "\n"));
		String builtIn = configuration.getPlaceholderPrefix() + "flyway:";
		for (Map.Entry<String, Resource> script : new TreeMap<>(scripts).entrySet()) {
			String name = MigrationScripts.fileName(script.getKey());
			String base = name.contains(configuration.getSqlMigrationSeparator())
					? name.substring(0, name.indexOf(configuration.getSqlMigrationSeparator())) : name.replaceFirst("\\..*$", "");
			if (Event.fromId(base) != null) {
				return null;
			}
			String content = MigrationScripts.read(script.getValue(), configuration);
			if (name.startsWith(configuration.getRepeatableSqlMigrationPrefix()) && content.contains(builtIn)) {
				return null;
			}
			update(digest, script.getKey() + "\0" + content + "\0");
		}
		return HexFormat.of().formatHex(digest.digest());
	}

	private boolean historyExists(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
			statement.setString(1, historyTable());
			try (ResultSet row = statement.executeQuery()) {
				return row.next() && row.getBoolean(1);
			}
		}
	}

	private String historyDigest(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT count(*) || ':' || md5(coalesce(string_agg("
						+ "installed_rank || ':' || coalesce(version, '') || ':' || coalesce(checksum::text, '') || ':'"
						+ " || success::text || ':' || type || ':' || script, ',' ORDER BY installed_rank), ''))"
						+ " FROM " + historyTable())) {
			row.next();
			return row.getString(1);
		}
	}

	private String historyTable() {
		return quote(historySchema()) + "." + quote(this.flyway.getConfiguration().getTable());
	}

	private String stateTable() {
		return quote(historySchema()) + "." + quote(this.flyway.getConfiguration().getTable() + "_ferry_state");
	}

	private String historySchema() {
		Configuration configuration = this.flyway.getConfiguration();
		if (configuration.getDefaultSchema() != null) {
			return configuration.getDefaultSchema();
		}
		return (configuration.getSchemas().length > 0) ? configuration.getSchemas()[0] : "public";
	}

	private DataSource dataSource() {
		return this.flyway.getConfiguration().getDataSource();
	}

	private static String quote(String identifier) {
		return "\"" + identifier.replace("\"", "\"\"") + "\"";
	}

	private static void update(MessageDigest digest, String text) {
		digest.update(text.getBytes(StandardCharsets.UTF_8));
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
