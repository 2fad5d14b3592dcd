package dev.ferry.database;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

import javax.sql.DataSource;

import dev.ferry.config.FerryProperties;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.secrets.AdminSecret;
import dev.ferry.secrets.EnvironmentSecrets;
import dev.ferry.secrets.SecretMasker;
import org.postgresql.ds.PGSimpleDataSource;
import org.postgresql.jdbc.SslMode;
import software.amazon.awssdk.services.rds.RdsUtilities;

import org.springframework.core.env.Environment;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.util.StringUtils;

import static java.util.stream.Collectors.joining;

/**
 * Builds the one DataSource Ferry migrates through, from the settings and the admin secret. No pool: a one-shot
 * run opens a couple of connections, and a plain pgjdbc DataSource opens each on demand, which is what a
 * connect-retry window and fresh IAM tokens need.
 */
final class DatabaseConnection {

	private static final Path DEFAULT_ROOT_CERT = Path.of("/opt/ferry/rds-ca/global-bundle.pem");

	private DatabaseConnection() {
	}

	/**
	 * @param properties Ferry's settings
	 * @param environment for Spring's own {@code spring.datasource.*} as a fallback
	 * @param masker learns the password
	 * @param adminSecret reads the admin secret, when one is configured
	 * @param rds makes the IAM tokens, when IAM authentication is on
	 * @param host another host for the same settings, such as an Aurora clone's; null for the configured host and
	 * port
	 * @param port the other host's port
	 * @return the DataSource
	 */
	static DataSource dataSource(FerryProperties properties, Environment environment, SecretMasker masker,
			Function<String, AdminSecret> adminSecret, Supplier<RdsUtilities> rds, String host, int port) {
		FerryProperties.Db db = properties.db();
		AdminSecret admin = (db.secretId() != null) ? adminSecret.apply(db.secretId()) : null;
		String url = firstText(db.url(), environment.getProperty("spring.datasource.url"));
		if (url == null) {
			String configuredHost = firstText(db.host(), (admin != null) ? admin.host() : null);
			if (configuredHost == null) {
				throw new FerryException(ExitStatus.CONFIGURATION_INVALID, (admin != null)
						? "the admin secret " + db.secretId() + " names no host: set FERRY_DB_HOST or FERRY_DB_URL"
						: "FERRY_DB_URL is not set: give FERRY_DB_URL (or FERRY_DB_HOST) with FERRY_DB_USERNAME and"
								+ " FERRY_DB_PASSWORD, or FERRY_DB_SECRET_ID");
			}
			int configuredPort = (db.port() != null) ? db.port()
					: (admin != null && admin.port() != null) ? admin.port() : 5432;
			String name = firstText(db.name(), (admin != null) ? admin.dbname() : null, "postgres");
			url = "jdbc:postgresql://" + configuredHost + ":" + configuredPort + "/" + name;
		}
		String username = firstText(db.username(), environment.getProperty("spring.datasource.username"),
				(admin != null) ? admin.username() : null);
		String password = firstText(db.password(), environment.getProperty("spring.datasource.password"),
				(admin != null) ? admin.password() : null);
		masker.register(password);
		EnvironmentSecrets.registerUrlPasswords(url, masker);
		PGSimpleDataSource dataSource = new PGSimpleDataSource();
		try {
			dataSource.setURL(url);
		}
		catch (IllegalArgumentException ex) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
					"FERRY_DB_URL is not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database): "
							+ masker.mask(url));
		}
		if (host != null) {
			dataSource.setServerNames(new String[] { host });
			dataSource.setPortNumbers(new int[] { port });
		}
		boolean aws = db.secretId() != null || db.iamAuth()
				|| dataSource.getServerNames()[0].toLowerCase(Locale.ROOT).endsWith(".rds.amazonaws.com");
		configureTls(dataSource, url, db, aws);
		if (!url.contains("ApplicationName=")) {
			dataSource.setApplicationName("ferry");
		}
		if (!url.contains("connectTimeout=")) {
			dataSource.setConnectTimeout(10);
		}
		NetworkTimeouts.apply(dataSource, url, properties);
		if (username != null) {
			dataSource.setUser(username);
		}
		if (db.iamAuth()) {
			if (username == null) {
				throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
						"FERRY_DB_IAM_AUTH needs the database user: set FERRY_DB_USERNAME");
			}
			String tokenHost = dataSource.getServerNames()[0];
			int tokenPort = (dataSource.getPortNumbers()[0] > 0) ? dataSource.getPortNumbers()[0] : 5432;
			// A fresh token for every connection: a token lives 15 minutes, and a connect retry or a second
			// connection must not reuse an expired one.
			return new DelegatingDataSource(dataSource) {

				@Override
				public Connection getConnection() throws SQLException {
					String token = rds.get()
						.generateAuthenticationToken((request) -> request.hostname(tokenHost)
							.port(tokenPort)
							.username(username));
					masker.register(token);
					return obtainTargetDataSource().getConnection(username, token);
				}

			};
		}
		if (password != null) {
			dataSource.setPassword(password);
		}
		return dataSource;
	}

	private static void configureTls(PGSimpleDataSource dataSource, String url, FerryProperties.Db db, boolean aws) {
		if (url.contains("sslmode=")) {
			return;
		}
		String mode = (db.sslMode() != null) ? db.sslMode().toLowerCase(Locale.ROOT) : (aws ? "verify-full" : "prefer");
		// pgjdbc takes any text here and fails only when it connects, which would read as an unreachable database.
		SslMode sslMode = Arrays.stream(SslMode.values())
			.filter((candidate) -> candidate.value.equals(mode))
			.findFirst()
			.orElseThrow(() -> new FerryException(ExitStatus.CONFIGURATION_INVALID, "FERRY_DB_SSL_MODE '" + mode
					+ "' is not one of " + Arrays.stream(SslMode.values()).map((m) -> m.value).collect(joining(", "))));
		if (db.iamAuth() && !sslMode.requireEncryption()) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
					"FERRY_DB_IAM_AUTH sends a token as the password and needs TLS: FERRY_DB_SSL_MODE must be require,"
							+ " verify-ca or verify-full, not " + mode);
		}
		dataSource.setSslMode(mode);
		if (!url.contains("sslrootcert=") && (sslMode.verifyCertificate() || aws)) {
			Path rootCert = db.sslRootCert();
			if (Files.isReadable(rootCert)) {
				dataSource.setSslRootCert(rootCert.toAbsolutePath().toString());
			}
			else if (!rootCert.equals(DEFAULT_ROOT_CERT)) {
				throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
						"FERRY_DB_SSL_ROOT_CERT " + rootCert + " is not a readable file");
			}
			else if (sslMode.verifyCertificate() && !url.contains("sslfactory=") && !Files.isReadable(pgjdbcDefaultRootCert())) {
				// pgjdbc would fail only when it connects, which reads as an unreachable database (exit 4).
				throw noCaBundle(mode, aws);
			}
		}
	}

	/**
	 * An image built without the RDS CA bundle (a first try with no internet), asked to verify a server: it cannot,
	 * and says how to build one that can.
	 */
	private static FerryException noCaBundle(String mode, boolean aws) {
		String what = aws ? "sslmode " + mode + " against AWS needs the RDS CA bundle"
				: "FERRY_DB_SSL_MODE " + mode + " needs a CA bundle to check the server with";
		return new FerryException(ExitStatus.CONFIGURATION_INVALID, what + ", and there is none: this image was"
				+ " built without it (" + DEFAULT_ROOT_CERT + " is missing) and there is no "
				+ pgjdbcDefaultRootCert() + " either. Build the image with the RDS CA bundle (the build argument"
				+ " RDS_CA_BUNDLE: its default downloads Amazon's global bundle, or give a downloaded copy,"
				+ " RDS_CA_BUNDLE=target/image-ca/global-bundle.pem; .ci/image/README.md), or point"
				+ " FERRY_DB_SSL_ROOT_CERT at the CA bundle that signed the server's certificate; nothing was run");
	}

	/** Where pgjdbc looks for the root certificate when none is given (its {@code LibPQFactory}). */
	private static Path pgjdbcDefaultRootCert() {
		String appData = System.getenv("APPDATA");
		if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("windows") && appData != null) {
			return Path.of(appData, "postgresql", "root.crt");
		}
		return Path.of(System.getProperty("user.home"), ".postgresql", "root.crt");
	}

	private static String firstText(String... candidates) {
		return Stream.of(candidates).filter(StringUtils::hasText).findFirst().orElse(null);
	}

}
