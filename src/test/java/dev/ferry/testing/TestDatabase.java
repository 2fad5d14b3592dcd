package dev.ferry.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

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

}
