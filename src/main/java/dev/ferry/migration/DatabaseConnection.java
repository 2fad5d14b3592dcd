package dev.ferry.migration;

import javax.sql.DataSource;

import dev.ferry.ExitStatus;
import dev.ferry.FerryException;
import dev.ferry.config.FerryProperties;
import dev.ferry.secrets.SecretMasker;
import org.postgresql.ds.PGSimpleDataSource;

import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Builds the one DataSource Ferry migrates through. No pool: a one-shot run opens a couple of connections, and a
 * plain pgjdbc DataSource opens each on demand, which is what a connect-retry window needs.
 */
final class DatabaseConnection {

	private DatabaseConnection() {
	}

	static DataSource dataSource(FerryProperties properties, Environment environment, SecretMasker masker) {
		FerryProperties.Db db = properties.db();
		String url = firstText(db.url(), environment.getProperty("spring.datasource.url"));
		if (url == null) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
					"FERRY_DB_URL is not set: give FERRY_DB_URL with FERRY_DB_USERNAME and FERRY_DB_PASSWORD");
		}
		String username = firstText(db.username(), environment.getProperty("spring.datasource.username"));
		String password = firstText(db.password(), environment.getProperty("spring.datasource.password"));
		masker.register(password);
		maskUrlPassword(url, masker);
		PGSimpleDataSource dataSource = new PGSimpleDataSource();
		try {
			dataSource.setURL(url);
		}
		catch (IllegalArgumentException ex) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
					"FERRY_DB_URL is not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database): "
							+ masker.mask(url));
		}
		if (username != null) {
			dataSource.setUser(username);
		}
		if (password != null) {
			dataSource.setPassword(password);
		}
		if (!url.contains("sslmode=")) {
			dataSource.setSslMode(db.sslMode());
		}
		if (!url.contains("ApplicationName=")) {
			dataSource.setApplicationName("ferry");
		}
		if (!url.contains("connectTimeout=")) {
			dataSource.setConnectTimeout(10);
		}
		return dataSource;
	}

	private static void maskUrlPassword(String url, SecretMasker masker) {
		int at = url.indexOf("password=");
		if (at >= 0) {
			int end = url.indexOf('&', at);
			masker.register(url.substring(at + "password=".length(), (end < 0) ? url.length() : end));
		}
	}

	private static String firstText(String... candidates) {
		for (String candidate : candidates) {
			if (StringUtils.hasText(candidate)) {
				return candidate;
			}
		}
		return null;
	}

}
