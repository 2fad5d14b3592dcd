package dev.ferry.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * One test's own database on the {@link PostgresServer}, with just enough JDBC to look at what Ferry did.
 */
public final class TestDatabase {

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

	public Connection connect() throws SQLException {
		return DriverManager.getConnection(url(), this.server.username(), this.server.password());
	}

	public void execute(String sql) {
		try (Connection connection = connect(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(sql, ex);
		}
	}

	/** The first column of every row, as text. */
	public List<String> column(String sql) {
		try (Connection connection = connect();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			List<String> values = new ArrayList<>();
			while (rows.next()) {
				values.add(rows.getString(1));
			}
			return values;
		}
		catch (SQLException ex) {
			throw new IllegalStateException(sql, ex);
		}
	}

	public String single(String sql) {
		List<String> values = column(sql);
		if (values.size() != 1) {
			throw new IllegalStateException("expected one row from " + sql + " but got " + values);
		}
		return values.get(0);
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
