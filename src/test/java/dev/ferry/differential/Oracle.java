package dev.ferry.differential;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import dev.ferry.testing.TestDatabase;
import dev.ferry.testing.TestSecrets;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * Plain Flyway, the oracle: flyway-core's own API (the very version Ferry runs) in the test JVM, configured with
 * the scenario's settings and with every default Ferry gives Flyway that a Flyway user could give too. What the
 * oracle is given to match Ferry, and why:
 *
 * <table>
 * <caption>Ferry's settings that the oracle is given</caption>
 * <tr><th>Setting</th><th>Plain Flyway</th><th>Ferry</th><th>Why the oracle gets Ferry's</th></tr>
 * <tr><td>{@code postgresql.transactional.lock}</td><td>{@code true}</td><td>{@code false}</td><td>With the
 * transactional lock, {@code CREATE INDEX CONCURRENTLY} waits forever on Flyway's own transaction (flyway issues
 * 3497, 3506): no outcome to compare.</td></tr>
 * <tr><td>{@code validateMigrationNaming}</td><td>{@code false}</td><td>{@code true}</td><td>Changes the outcome
 * for a misnamed script only; {@link DeliberateDifferencesTest} shows plain Flyway's default beside it.</td></tr>
 * <tr><td>{@code lockRetryCount}</td><td>50</td><td>-1</td><td>Matters only while another runner holds Flyway's
 * lock, never here: given for sameness.</td></tr>
 * <tr><td>{@code initSql}</td><td>none</td><td>{@code lock_timeout} 5 s, {@code statement_timeout} 0</td><td>Session
 * settings, no object or history row of their own: given for sameness. (Ferry's retries after a lock timeout never
 * happen without another session holding a lock.)</td></tr>
 * <tr><td>placeholders {@code api_db_username}, {@code api_db_password}</td><td>none</td><td>set by
 * {@code FerryProcess.against}</td><td>The same placeholders on both sides.</td></tr>
 * <tr><td>locations</td><td>{@code classpath:db/migration}</td><td>{@code FERRY_LOCATIONS}</td><td>The scenario's
 * folder (and Java migrations' package) on both sides.</td></tr>
 * </table>
 * Everything else (schemas, table, mixed, group, outOfOrder, baselineOnMigrate, placeholders...) comes from the
 * scenario's {@link Setting}s, which Ferry gets as its user would set them.
 */
final class Oracle {

	/** Ferry's session settings with its default {@code FERRY_LOCK_TIMEOUT} and {@code FERRY_STATEMENT_TIMEOUT}. */
	private static final String FERRY_INIT_SQL = "SET lock_timeout = '5000ms'; SET statement_timeout = '0ms'";

	/**
	 * The oracle's own log is silent: what it did is in the step's outcome and in its database. Held, or the level is
	 * forgotten.
	 */
	private static final Logger FLYWAY_LOGGER = Logger.getLogger("org.flywaydb");

	static {
		FLYWAY_LOGGER.setLevel(Level.OFF);
	}

	private Oracle() {
	}

	static Flyway against(TestDatabase database, List<String> locations, Collection<Setting> settings) {
		Map<String, String> configuration = new LinkedHashMap<>();
		configuration.put("flyway.postgresql.transactional.lock", "false");
		configuration.put("flyway.validateMigrationNaming", "true");
		configuration.put("flyway.lockRetryCount", "-1");
		configuration.put("flyway.initSql", FERRY_INIT_SQL);
		configuration.put("flyway.placeholders.api_db_username", TestSecrets.API_DB_USERNAME);
		configuration.put("flyway.placeholders.api_db_password", TestSecrets.API_DB_PASSWORD);
		configuration.put("flyway.locations", String.join(",", locations));
		settings.forEach((setting) -> configuration.put(setting.flywayKey(), setting.value()));
		return configure(database).configuration(configuration).load();
	}

	/** Plain Flyway with none of Ferry's settings: its own defaults, and only the locations given. */
	static Flyway withItsOwnDefaults(TestDatabase database, String... locations) {
		return configure(database).locations(locations).load();
	}

	private static FluentConfiguration configure(TestDatabase database) {
		return Flyway.configure()
			.loggers("org.flywaydb.core.internal.logging.javautil.JavaUtilLogCreator")
			.dataSource(database.url(), database.server().username(), database.server().password());
	}

}
