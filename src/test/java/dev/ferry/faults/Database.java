package dev.ferry.faults;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import dev.ferry.testing.CatalogDump;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.SqlQueries;
import dev.ferry.testing.TestSecrets;

/**
 * A database of the fault suite's own, on the tests' {@link PostgresServer} or on a server the suite runs itself:
 * created empty or as a copy of a template database (a cheap way to start many trials from the same state), and
 * dropped when the trial is done.
 *
 * @param host the server's host
 * @param port the server's port
 * @param username the administrator
 * @param password the administrator's password, or null
 * @param name the database
 */
record Database(String host, int port, String username, String password, String name) implements SqlQueries {

	/** A new, empty database on the tests' PostgreSQL server. */
	static Database create(String prefix) {
		PostgresServer server = PostgresServer.get();
		return createAt(server.host(), server.port(), server.username(), server.password(), prefix);
	}

	/** A new, empty database on a given server. */
	static Database createAt(String host, int port, String username, String password, String prefix) {
		return new Database(host, port, username, password, newName(prefix)).created(null);
	}

	static Database copyOf(Database template, String prefix) {
		return new Database(template.host, template.port, template.username, template.password,
				newName(prefix)).created(template.name);
	}

	private static String newName(String prefix) {
		return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10).toLowerCase(Locale.ROOT);
	}

	private Database created(String template) {
		admin("CREATE DATABASE " + this.name + ((template != null) ? " TEMPLATE " + template : ""));
		return this;
	}

	void drop() {
		admin("DROP DATABASE IF EXISTS " + this.name + " WITH (FORCE)");
	}

	private void admin(String sql) {
		try (Connection connection = DriverManager.getConnection(url("postgres"), this.username, this.password);
				Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(sql, ex);
		}
	}

	String url() {
		return url(this.name);
	}

	private String url(String database) {
		return "jdbc:postgresql://" + this.host + ":" + this.port + "/" + database;
	}

	@Override
	public Connection connect() throws SQLException {
		return DriverManager.getConnection(url(), this.username, this.password);
	}


	CatalogDump dump() {
		return CatalogDump.of(this);
	}

	/** Rows of the schema history that failed, and versions (or repeatables) recorded more than once. */
	List<String> historyProblems() {
		List<String> problems = new ArrayList<>();
		problems.addAll(column("SELECT 'failed: ' || coalesce(version, description) FROM " + CatalogDump.HISTORY_TABLE
				+ " WHERE NOT success ORDER BY installed_rank"));
		// A repeatable may be applied again once its checksum changes, never twice with the same one.
		problems.addAll(column("SELECT 'duplicate: ' || coalesce(version, description) || ' x' || count(*) FROM "
				+ CatalogDump.HISTORY_TABLE + " WHERE type <> 'SCHEMA' GROUP BY coalesce(version, description),"
				+ " CASE WHEN version IS NULL THEN checksum END HAVING count(*) > 1"));
		return problems;
	}

	/**
	 * What is left of Ferry on the server once it waited up to the timeout for it to go: Ferry's sessions on this
	 * database and the advisory locks (Flyway's) held in it. Empty when nothing is left.
	 */
	List<String> ferryLeftoversAfter(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			List<String> left = new ArrayList<>(column("SELECT 'session ' || pid || ' ' || state || ': ' || query"
					+ " FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'ferry'"));
			left.addAll(column("SELECT 'advisory lock held by ' || pid FROM pg_locks WHERE locktype = 'advisory'"
					+ " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"));
			if (left.isEmpty() || System.nanoTime() > deadline) {
				return left;
			}
			Thread.sleep(100);
		}
	}

	/** Ferry against this database, configured only by its environment, with the sample's placeholders set. */
	FerryProcess ferry() {
		return FerryProcess.bare()
			.env("FERRY_DB_URL", url())
			.env("FERRY_DB_USERNAME", this.username)
			.env("FERRY_DB_PASSWORD", this.password)
			.env("FERRY_PLACEHOLDER_api_db_username", TestSecrets.API_DB_USERNAME)
			.env("FERRY_PLACEHOLDER_api_db_password", TestSecrets.API_DB_PASSWORD);
	}

}
