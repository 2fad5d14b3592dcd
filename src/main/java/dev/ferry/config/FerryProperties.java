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
 * @param testdataLocations locations added in test-data environments (FERRY_TESTDATA_LOCATIONS); empty means the
 * baked {@code classpath:db/testdata}, and only while the migrations are the baked ones too
 * @param testdataEnvironments environments that get test data (FERRY_TESTDATA_ENVIRONMENTS)
 * @param db the database connection
 * @param placeholders placeholder literals ({@code ferry.placeholders[name]}); FERRY_PLACEHOLDER_name also lands here
 * @param placeholderSecrets {@code prefix=secret-id} pairs: each key of the secret becomes {@code prefix_key}
 * (FERRY_PLACEHOLDER_SECRETS)
 * @param secretPlaceholderPattern a placeholder whose name matches this is secret and masked everywhere; empty
 * means password, secret, token or key in the name
 * @param connectTimeout how long to keep trying a database that is still starting (FERRY_CONNECT_TIMEOUT)
 * @param lockTimeout the session's lock_timeout while migrating (FERRY_LOCK_TIMEOUT)
 * @param statementTimeout the session's statement_timeout while migrating, 0 for none (FERRY_STATEMENT_TIMEOUT)
 * @param lockRetries how often a migration that hit lock_timeout is tried again (FERRY_LOCK_RETRIES)
 * @param lockRetryDelay the first wait before such a retry, doubled each time (FERRY_LOCK_RETRY_DELAY)
 * @param reportFile where to write the JSON run report (FERRY_REPORT_FILE)
 * @param stepSummary where to append the Markdown summary, GitHub's $GITHUB_STEP_SUMMARY (FERRY_STEP_SUMMARY)
 * @param snapshot the snapshot taken before migrating
 * @param logFormat {@code json} or {@code text}; empty means json inside ECS, text elsewhere (FERRY_LOG_FORMAT)
 * @param stopTimeout how long a SIGTERM gives the run to cancel its statement, roll back, release Flyway's lock and
 * report before the process exits anyway (FERRY_STOP_TIMEOUT); below ECS's 30 s stop timeout
 * @param socketTimeout how long a read from the database may wait for a byte (FERRY_SOCKET_TIMEOUT); unset means
 * the statement timeout plus a minute when one is set, else none (TCP keepalive then ends a black hole)
 * @param idleInTransactionTimeout the session's idle_in_transaction_session_timeout, so that the server ends a
 * session whose client vanished mid-transaction and releases its locks (FERRY_IDLE_IN_TRANSACTION_TIMEOUT)
 * @param drift what drift from Ferry's record of the schema does to a migrate: fail, warn or off (FERRY_DRIFT)
 * @param rehearse {@code clone} to rehearse pending migrations on an Aurora clone before production, {@code off}
 * not to (FERRY_REHEARSE)
 * @param rehearsal how the rehearsal is made and judged
 */
@ConfigurationProperties("ferry")
public record FerryProperties(String command, @DefaultValue("false") boolean allowClean, String environment,
		List<String> locations, List<String> testdataLocations,
		@DefaultValue({ "local", "dev", "test" }) List<String> testdataEnvironments, @DefaultValue Db db,
		Map<String, String> placeholders, List<String> placeholderSecrets, String secretPlaceholderPattern,
		@DefaultValue("60s") Duration connectTimeout, @DefaultValue("5s") Duration lockTimeout, @DefaultValue("0") Duration statementTimeout,
		@DefaultValue("3") int lockRetries, @DefaultValue("5s") Duration lockRetryDelay,
		Path reportFile, Path stepSummary, @DefaultValue Snapshot snapshot, String logFormat,
		@DefaultValue("20s") Duration stopTimeout, Duration socketTimeout,
		@DefaultValue("60s") Duration idleInTransactionTimeout, @DefaultValue("warn") DriftMode drift, @DefaultValue("off") RehearseMode rehearse,
		@DefaultValue Rehearsal rehearsal) {

	public FerryProperties {
		locations = (locations != null) ? locations : List.of();
		testdataLocations = (testdataLocations != null) ? testdataLocations : List.of();
		placeholders = (placeholders != null) ? placeholders : Map.of();
		placeholderSecrets = (placeholderSecrets != null)
				? placeholderSecrets.stream().map(String::trim).filter((entry) -> !entry.isEmpty()).toList() : List.of();
		environment = (environment != null && !environment.isBlank()) ? environment.trim() : "unnamed";
	}

	/**
	 * The database connection.
	 *
	 * @param url the JDBC URL (FERRY_DB_URL); wins over host, port and name
	 * @param secretId the admin secret in RDS's JSON format, ARN or name (FERRY_DB_SECRET_ID)
	 * @param host the host (FERRY_DB_HOST), else the secret's
	 * @param port the port (FERRY_DB_PORT), else the secret's, else 5432
	 * @param name the database (FERRY_DB_NAME), else the secret's dbname, else postgres
	 * @param username the user (FERRY_DB_USERNAME), else the secret's
	 * @param password the password (FERRY_DB_PASSWORD), else the secret's
	 * @param iamAuth authenticate with an IAM token made for each connection (FERRY_DB_IAM_AUTH)
	 * @param sslMode pgjdbc's sslmode when the URL has none (FERRY_DB_SSL_MODE); verify-full against AWS, else
	 * prefer
	 * @param sslRootCert the CA bundle to verify the server with (FERRY_DB_SSL_ROOT_CERT)
	 */
	public record Db(String url, String secretId, String host, Integer port, String name, String username,
			String password, @DefaultValue("false") boolean iamAuth, String sslMode,
			@DefaultValue("/opt/ferry/rds-ca/global-bundle.pem") Path sslRootCert) {

		public Db {
			url = blankToNull(url);
			secretId = blankToNull(secretId);
			host = blankToNull(host);
			name = blankToNull(name);
			sslMode = blankToNull(sslMode);
		}

	}

	/**
	 * The snapshot taken before a run that has something to apply.
	 *
	 * @param clusterId the Aurora cluster to snapshot (FERRY_SNAPSHOT_CLUSTER_ID)
	 * @param instanceId the RDS instance to snapshot (FERRY_SNAPSHOT_INSTANCE_ID)
	 * @param retain how many of Ferry's own snapshots to keep (FERRY_SNAPSHOT_RETAIN)
	 * @param timeout how long to wait for the snapshot to become available (FERRY_SNAPSHOT_TIMEOUT)
	 */
	public record Snapshot(String clusterId, String instanceId, @DefaultValue("3") int retain,
			@DefaultValue("60m") Duration timeout) {

		public Snapshot {
			clusterId = blankToNull(clusterId);
			instanceId = blankToNull(instanceId);
		}

		public boolean isConfigured() {
			return this.clusterId != null || this.instanceId != null;
		}

	}

	/**
	 * The rehearsal of pending migrations on a copy-on-write clone of the Aurora cluster.
	 *
	 * @param clusterId the Aurora cluster to clone (FERRY_REHEARSAL_CLUSTER_ID), else FERRY_SNAPSHOT_CLUSTER_ID
	 * @param instanceClass the clone's one instance (FERRY_REHEARSAL_INSTANCE_CLASS); {@code db.serverless} for a
	 * Serverless v2 cluster
	 * @param lockBudget the longest a migration may hold a lock that blocks the application's writes
	 * (FERRY_REHEARSAL_LOCK_BUDGET)
	 * @param timeout how long making the clone may take; a clone of Ferry's older than this is a leftover and
	 * deleted (FERRY_REHEARSAL_TIMEOUT)
	 */
	public record Rehearsal(String clusterId, @DefaultValue("db.t4g.medium") String instanceClass,
			@DefaultValue("5s") Duration lockBudget, @DefaultValue("60m") Duration timeout) {

		public Rehearsal {
			clusterId = blankToNull(clusterId);
			instanceClass = blankToNull(instanceClass);
		}

	}

	/** Whether pending migrations are rehearsed on a clone first. */
	public boolean rehearsesOnClone() {
		return this.rehearse == RehearseMode.CLONE;
	}

	/** The Aurora cluster a rehearsal clones. */
	public String rehearsalClusterId() {
		return (this.rehearsal.clusterId() != null) ? this.rehearsal.clusterId() : this.snapshot.clusterId();
	}

	static String blankToNull(String value) {
		return (value != null && !value.isBlank()) ? value.trim() : null;
	}

	public boolean isProduction() {
		return this.environment.toLowerCase(Locale.ROOT).contains("prod");
	}

	public boolean wantsTestData() {
		return this.testdataEnvironments.stream().anyMatch((name) -> name.equalsIgnoreCase(this.environment));
	}

}
