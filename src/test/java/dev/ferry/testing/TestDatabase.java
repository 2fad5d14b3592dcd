package dev.ferry.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;

/**
 * One test's own database on the {@link PostgresServer}, with just enough JDBC to look at what Ferry did.
 */
public final class TestDatabase implements SqlQueries {

	private final PostgresServer server;

	private final String name;

	TestDatabase(PostgresServer server, String name) {
		this.server = server;
		this.name = name;
	}

	public String name() {
		return this.name;
	}

	public String url() {
		return this.server.url(this.name);
	}

	public PostgresServer server() {
		return this.server;
	}

	@Override
	public Connection connect() throws SQLException {
		return DriverManager.getConnection(url(), this.server.username(), this.server.password());
	}

	public boolean tableExists(String qualifiedName) {
		return single("SELECT to_regclass('" + qualifiedName + "') IS NOT NULL").equals("t");
	}

	/**
	 * Migrations in the schema history table, in installed order, repeatables as their description; Flyway's own
	 * schema-creation marker is left out.
	 */
	public List<String> history(String table) {
		return column("SELECT coalesce(version, description) || ':' || success FROM " + table
				+ " WHERE type <> 'SCHEMA' ORDER BY installed_rank");
	}

}
