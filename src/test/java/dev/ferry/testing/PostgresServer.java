package dev.ferry.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The real PostgreSQL server the tests run against, found once per JVM: the server named by
 * {@code FERRY_TEST_JDBC_URL} (what {@code .ci/run} starts), else a Testcontainers PostgreSQL where a Docker engine
 * exists, else an embedded PostgreSQL from Maven Central. Each test then gets a database of its own.
 */
public final class PostgresServer {

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
			PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine");
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
			return new PostgresServer("localhost", embedded.getPort(), "postgres", null, "embedded PostgreSQL");
		}
		catch (Exception ex) {
			throw new IllegalStateException("No PostgreSQL for the tests: set FERRY_TEST_JDBC_URL", ex);
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
