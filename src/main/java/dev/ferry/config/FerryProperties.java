package dev.ferry.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Ferry's settings: each is an environment variable {@code FERRY_*} and a Spring property {@code ferry.*}.
 *
 * @param command the Flyway command to run (FERRY_COMMAND), or the first argument
 * @param allowClean whether {@code clean} may run at all (FERRY_ALLOW_CLEAN); never where the environment is prod
 * @param environment the environment's name, such as dev, test or prod (FERRY_ENVIRONMENT); unset never gets
 * test data
 * @param locations where the migrations are (FERRY_LOCATIONS); empty means Flyway's configured locations
 * @param testdataLocations locations added in test-data environments (FERRY_TESTDATA_LOCATIONS)
 * @param testdataEnvironments environments that get test data (FERRY_TESTDATA_ENVIRONMENTS)
 * @param db the database connection
 * @param placeholders placeholder literals ({@code ferry.placeholders[name]}); FERRY_PLACEHOLDER_name also lands here
 * @param secretPlaceholderPattern a placeholder whose name matches this is secret and masked everywhere
 * @param connectTimeout how long to keep trying a database that is still starting (FERRY_CONNECT_TIMEOUT)
 * @param lockTimeout the session's lock_timeout while migrating (FERRY_LOCK_TIMEOUT)
 * @param statementTimeout the session's statement_timeout while migrating, 0 for none (FERRY_STATEMENT_TIMEOUT)
 * @param lockRetries how often a migration that hit lock_timeout is tried again (FERRY_LOCK_RETRIES)
 * @param lockRetryDelay the first wait before such a retry, doubled each time (FERRY_LOCK_RETRY_DELAY)
 * @param reportFile where to write the JSON run report (FERRY_REPORT_FILE)
 * @param stepSummary where to append the Markdown summary, GitHub's $GITHUB_STEP_SUMMARY (FERRY_STEP_SUMMARY)
 * @param logFormat {@code json} or {@code text}; empty means json inside ECS, text elsewhere (FERRY_LOG_FORMAT)
 */
@ConfigurationProperties("ferry")
public record FerryProperties(String command, @DefaultValue("false") boolean allowClean, String environment,
		List<String> locations, @DefaultValue("classpath:db/testdata") List<String> testdataLocations,
		@DefaultValue({ "local", "dev", "test" }) List<String> testdataEnvironments, @DefaultValue Db db,
		Map<String, String> placeholders, @DefaultValue("(?i).*(password|secret|token|key).*") String secretPlaceholderPattern,
		@DefaultValue("60s") Duration connectTimeout, @DefaultValue("5s") Duration lockTimeout, @DefaultValue("0") Duration statementTimeout,
		@DefaultValue("3") int lockRetries, @DefaultValue("5s") Duration lockRetryDelay, Path reportFile,
		Path stepSummary, String logFormat) {

	public FerryProperties {
		locations = (locations != null) ? locations : List.of();
		placeholders = (placeholders != null) ? placeholders : Map.of();
		environment = (environment != null && !environment.isBlank()) ? environment.trim() : "unnamed";
	}

	/**
	 * The database connection.
	 *
	 * @param url the JDBC URL (FERRY_DB_URL)
	 * @param username the user (FERRY_DB_USERNAME)
	 * @param password the password (FERRY_DB_PASSWORD)
	 * @param sslMode pgjdbc's sslmode when the URL has none (FERRY_DB_SSL_MODE)
	 */
	public record Db(String url, String username, String password, @DefaultValue("prefer") String sslMode) {

	}

	public boolean isProduction() {
		return this.environment.toLowerCase(Locale.ROOT).contains("prod");
	}

	public boolean wantsTestData() {
		return this.testdataEnvironments.stream().anyMatch((name) -> name.equalsIgnoreCase(this.environment));
	}

}
