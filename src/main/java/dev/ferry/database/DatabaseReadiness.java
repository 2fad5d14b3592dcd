package dev.ferry.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import javax.sql.DataSource;

import dev.ferry.failure.CauseChain;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.secrets.SecretMasker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Waits for the database within the connect window, so that a database still starting (a fresh Aurora cluster, a
 * Postgres container in CI) is not a failure. Authentication, TLS verification and a missing database fail at
 * once: waiting will not fix them.
 */
public final class DatabaseReadiness {

	private static final Log logger = LogFactory.getLog(DatabaseReadiness.class);

	private DatabaseReadiness() {
	}

	public static void await(DataSource dataSource, Duration window, SecretMasker masker) {
		long deadline = System.nanoTime() + window.toNanos();
		long pause = 500;
		while (true) {
			try (Connection connection = dataSource.getConnection()) {
				return;
			}
			catch (SQLException ex) {
				String state = (ex.getSQLState() != null) ? ex.getSQLState() : "";
				String reason = masker.mask(ex.getMessage());
				// 08004: the server rejected the connection; pgjdbc says so when sslmode requires TLS and the
				// server does not offer it ("The server does not support SSL"). Waiting will not change that.
				if (state.startsWith("28") || state.equals("3D000") || state.equals("08004")) {
					throw new FerryException(ExitStatus.DATABASE_UNREACHABLE,
							"database refused the connection (SQLSTATE " + state + "): " + reason);
				}
				if (isTlsFailure(ex)) {
					throw new FerryException(ExitStatus.DATABASE_UNREACHABLE,
							"TLS to the database failed (check FERRY_DB_SSL_ROOT_CERT and the host name): " + reason);
				}
				if (System.nanoTime() + pause * 1_000_000 > deadline) {
					throw new FerryException(ExitStatus.DATABASE_UNREACHABLE,
							"database unreachable after " + window.toSeconds() + "s (FERRY_CONNECT_TIMEOUT): " + reason);
				}
				logger.warn("Database not reachable yet, retrying in " + pause + " ms: " + reason);
				sleep(pause);
				pause = Math.min(pause * 2, 5000);
			}
		}
	}

	private static boolean isTlsFailure(Throwable ex) {
		return CauseChain.find(ex, javax.net.ssl.SSLException.class) != null
				|| CauseChain.find(ex, java.security.cert.CertificateException.class) != null;
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new FerryException(ExitStatus.DATABASE_UNREACHABLE, "interrupted while waiting for the database");
		}
	}

}
