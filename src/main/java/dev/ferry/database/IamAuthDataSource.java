package dev.ferry.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Connects with a fresh IAM authentication token as the password for every connection: a token lives 15 minutes,
 * and a connect retry or a second connection must not reuse an expired one.
 */
class IamAuthDataSource extends DelegatingDataSource {

	private final String username;

	private final Supplier<String> tokens;

	IamAuthDataSource(DataSource target, String username, Supplier<String> tokens) {
		super(target);
		this.username = username;
		this.tokens = tokens;
	}

	@Override
	public Connection getConnection() throws SQLException {
		return obtainTargetDataSource().getConnection(this.username, this.tokens.get());
	}

}
