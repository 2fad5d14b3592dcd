package dev.ferry.migration;

import dev.ferry.config.FerryProperties;
import dev.ferry.database.KeepAliveSocketFactory;
import org.flywaydb.core.api.configuration.Configuration;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;

/**
 * Session settings that make the server end Ferry's session, and release its locks, when Ferry can no longer be
 * reached or is gone: the network black-holed, the task killed. Without them such a session sits
 * {@code idle in transaction} holding ACCESS EXCLUSIVE until someone kills it by hand.
 * <ul>
 * <li>{@code idle_in_transaction_session_timeout}: a transaction left waiting for its client is ended (not set with
 * Flyway's transactional lock, whose lock connection idles in a transaction while each migration runs);</li>
 * <li>{@code tcp_keepalives_*}: the server probes a silent client with the timings Ferry's own sockets use;</li>
 * <li>{@code client_connection_check_interval} (PostgreSQL 14 and later; Aurora PostgreSQL 13 lacks it, so it is set
 * only where the server knows it): a statement running for a client whose connection closed is cancelled within
 * 10 s instead of running to its end.</li>
 * </ul>
 */
final class ClientLossSettings {

	private ClientLossSettings() {
	}

	static String sql(FerryProperties properties, Configuration configuration) {
		StringBuilder sql = new StringBuilder();
		if (!properties.idleInTransactionTimeout().isZero() && !transactionalLock(configuration)) {
			sql.append("SET idle_in_transaction_session_timeout = '")
				.append(properties.idleInTransactionTimeout().toMillis())
				.append("ms';\n");
		}
		sql.append("SET tcp_keepalives_idle = ").append(KeepAliveSocketFactory.IDLE_SECONDS).append(";\n");
		sql.append("SET tcp_keepalives_interval = ").append(KeepAliveSocketFactory.INTERVAL_SECONDS).append(";\n");
		sql.append("SET tcp_keepalives_count = ").append(KeepAliveSocketFactory.COUNT).append(";\n");
		sql.append("DO $$ BEGIN IF current_setting('client_connection_check_interval', true) IS NOT NULL THEN"
				+ " PERFORM set_config('client_connection_check_interval', '10s', false); END IF; END $$");
		return sql.toString();
	}

	private static boolean transactionalLock(Configuration configuration) {
		PostgreSQLConfigurationExtension postgres = configuration.getPluginRegister()
			.getExact(PostgreSQLConfigurationExtension.class);
		return postgres != null && postgres.isTransactionalLock();
	}

}
