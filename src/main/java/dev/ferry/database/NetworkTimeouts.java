package dev.ferry.database;

import java.time.Duration;

import dev.ferry.config.FerryProperties;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Bounds what a network fault costs on Ferry's side: TCP keepalive with short timings on every connection (a path
 * that silently drops packets fails a waiting read within about a minute), and a socket timeout above the statement
 * timeout, so that the server's statement_timeout always ends a long statement first and cleanly (rolled back, locks
 * released) and the socket timeout fires only when the server can no longer answer at all. Settings in the URL win.
 */
final class NetworkTimeouts {

	/** How much longer than the statement timeout a read may wait, for the server's answer to a timed-out statement. */
	static final Duration MARGIN_OVER_STATEMENT_TIMEOUT = Duration.ofSeconds(60);

	private NetworkTimeouts() {
	}

	static void apply(PGSimpleDataSource dataSource, String url, FerryProperties properties) {
		if (!url.contains("tcpKeepAlive=")) {
			dataSource.setTcpKeepAlive(true);
		}
		if (!url.contains("socketFactory=")) {
			dataSource.setSocketFactory(KeepAliveSocketFactory.class.getName());
		}
		Duration socketTimeout = socketTimeout(properties);
		if (!url.contains("socketTimeout=") && !socketTimeout.isZero()) {
			dataSource.setSocketTimeout((int) Math.max(1, (socketTimeout.toMillis() + 999) / 1000));
		}
	}

	/**
	 * FERRY_SOCKET_TIMEOUT, else the statement timeout plus a minute, else none: with no statement timeout a
	 * statement may legitimately run for hours without the server sending a byte, and only keepalive can tell a
	 * dead path from a long statement.
	 */
	static Duration socketTimeout(FerryProperties properties) {
		Duration statement = properties.statementTimeout();
		Duration socket = properties.socketTimeout();
		if (socket == null) {
			return statement.isZero() ? Duration.ZERO : statement.plus(MARGIN_OVER_STATEMENT_TIMEOUT);
		}
		// FerryProperties has refused one at or below the statement timeout.
		return socket;
	}

}
