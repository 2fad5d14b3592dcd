package dev.ferry.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Ferry's settings: each is an environment variable {@code FERRY_*} and a Spring property {@code ferry.*}. This
 * record is their one list: the configuration processor turns it, with each {@code @param} as the description,
 * into {@code META-INF/spring-configuration-metadata.json}, which the unknown-setting check reads at run time
 * ({@link KnownSettings}) and README's settings table is rendered from. A setting read by name anywhere else must
 * be a component here too.
 *
 * @param command The command: {@code migrate}, {@code info} (applied and pending, with checksums), {@code plan}
 * (what {@code migrate} would run, statement by statement, with locks; read-only: see "Plan: what a migrate would
 * do"), {@code rehearse} (the rehearsal on a clone alone; production is only read), {@code validate},
 * {@code repair}, {@code baseline}, {@code clean}, {@code drift} (the drift check alone, read-only; see "Drift").
 * Unset means {@code migrate}; the first argument wins over it.
 * @param allowClean {@code clean} runs only when {@code true}, and never where {@code FERRY_ENVIRONMENT} is one of
 * {@code FERRY_PRODUCTION_ENVIRONMENTS}.
 * @param environment The environment's name: {@code dev}, {@code test}, {@code prod}... Names the report; decides
 * test data and whether this is production. Unset, the environment is unnamed.
 * @param locations Where the migrations are, comma-separated; {@code filesystem:/path} for a mounted folder. Unset
 * means Flyway's configured locations ({@code classpath:db/migration}).
 * @param testdataLocations Added to the locations in test-data environments. Unset, Ferry adds its baked
 * {@code classpath:db/testdata} only while it migrates its baked {@code db/migration}: a project that
 * {@code FERRY_LOCATIONS} (or {@code FLYWAY_LOCATIONS}) points elsewhere gets test data only from locations named
 * here.
 * @param testdataEnvironments Environments that get test data. An unnamed environment never does.
 * @param db the database connection
 * @param placeholders A placeholder value for {@code ${<name>}}; the name is kept exactly as written. ECS
 * {@code secrets} injection lands here.
 * @param placeholderSecrets {@code <prefix>=<secret-id>[,...]}: each JSON key of the secret becomes the
 * placeholder {@code <prefix>_<key>} ({@code api_db=<arn>} gives {@code ${api_db_username}} and
 * {@code ${api_db_password}}); a plain-text secret becomes {@code <prefix>}. Always masked.
 * @param secretPlaceholderPattern Placeholders whose name matches are secret (when the value has 4 characters or
 * more): masked, and a repeatable script using one gets a warning. Values shorter than 8 characters are masked
 * where they stand alone, not inside longer words or numbers. Unset means {@code (?i).*(password|secret|token|key).*}.
 * @param connectTimeout How long to keep trying a database that does not answer yet.
 * @param lockTimeout {@code lock_timeout} of the migration session.
 * @param statementTimeout {@code statement_timeout} of the migration session; {@code 0} for none.
 * @param lockRetries Retries of a migration that hit the lock timeout.
 * @param lockRetryDelay First wait before such a retry; doubles each time.
 * @param reportFile Where to write the JSON run report.
 * @param stepSummary Where to append the Markdown summary: set it to {@code $GITHUB_STEP_SUMMARY}.
 * @param snapshot the snapshot taken before migrating
 * @param logFormat {@code json} prints one JSON object per line (Spring Boot's structured logging, Logstash
 * layout), {@code text} human lines. Unset means {@code json} in ECS, else {@code text}.
 * @param stopTimeout After SIGTERM, how long the run gets to cancel its statement, roll back, release Flyway's lock
 * and report before the process ends anyway (exit 11). Keep it below the task's stop timeout (ECS: 30 s).
 * @param socketTimeout How long a read from the database may wait for a byte before the connection counts as lost
 * (exit 4). Must be above {@code FERRY_STATEMENT_TIMEOUT}, so that the server ends a long statement first, cleanly;
 * without a statement timeout a statement may rightly run for hours in silence, and TCP keepalive (probes after
 * 30 s, every 10 s, 3 unanswered) is what ends a dead network path. Unset means {@code FERRY_STATEMENT_TIMEOUT} +
 * {@code 60s}, none without a statement timeout.
 * @param idleInTransactionTimeout {@code idle_in_transaction_session_timeout} of Ferry's sessions: a transaction
 * whose client vanished is ended by the server and its locks released. {@code 0} turns it off; not set with
 * Flyway's transactional lock.
 * @param drift What drift (the schema changed since Ferry's last run, see "Drift") does to {@code migrate}:
 * {@code fail} exits 10 and applies nothing; {@code warn} logs a warning, reports it and migrates; {@code off} does
 * not check (the schema is still recorded). The {@code drift} command always checks and exits 10 only with
 * {@code fail}.
 * @param rehearse {@code clone}: before production is migrated, its pending migrations are rehearsed on a
 * copy-on-write Aurora clone of it (see "Rehearsal on a clone"); {@code off}: not.
 * @param rehearsal how the rehearsal is made and judged
 * @param productionEnvironments The names of production environments, comma-separated, each matched exactly and
 * ignoring case against {@code FERRY_ENVIRONMENT} ({@code nonprod} is not {@code prod}). {@code clean} is refused
 * there.
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
		@DefaultValue Rehearsal rehearsal,
		@DefaultValue({ "prod", "production", "prd", "live" }) List<String> productionEnvironments) {

	/**
	 * The variables that also give {@code placeholders}, {@code FERRY_PLACEHOLDER_<name>}, whose name is kept exactly
	 * as written (Spring's relaxed map binding would lower-case it).
	 */
	public static final String PLACEHOLDER_VARIABLE_PREFIX = "FERRY_PLACEHOLDER_";

	public FerryProperties {
		locations = (locations != null) ? locations : List.of();
		testdataLocations = (testdataLocations != null) ? testdataLocations : List.of();
		placeholders = (placeholders != null) ? placeholders : Map.of();
		placeholderSecrets = (placeholderSecrets != null)
				? placeholderSecrets.stream().map(String::trim).filter((entry) -> !entry.isEmpty()).toList() : List.of();
		environment = environmentName(environment);
		productionEnvironments = (productionEnvironments != null)
				? productionEnvironments.stream().map(String::trim).filter((name) -> !name.isEmpty()).toList() : List.of();
	}

	/**
	 * The database connection.
	 *
	 * @param url JDBC URL, {@code jdbc:postgresql://host:5432/db}; wins over host, port and name.
	 * {@code spring.datasource.url} is the fallback.
	 * @param secretId The admin secret in Secrets Manager (ARN or name), RDS format: {@code username},
	 * {@code password}, and optionally {@code host}, {@code port}, {@code dbname}, {@code engine}. Read at run time,
	 * so a rotated password just works.
	 * @param host Where the database is when there is no URL; wins over the secret (an RDS-managed master secret has
	 * only credentials). Unset means the secret's.
	 * @param port The database's port when there is no URL; wins over the secret. Unset means the secret's, else
	 * {@code 5432}.
	 * @param name The database when there is no URL; wins over the secret. Unset means the secret's {@code dbname},
	 * else {@code postgres}.
	 * @param username Database user. Unset means the secret's.
	 * @param password Its password (masked everywhere). Unset means the secret's.
	 * @param iamAuth IAM database authentication: the password is an RDS token from the SDK, made fresh for each
	 * connection; needs TLS.
	 * @param sslMode pgjdbc's {@code sslmode} when the URL has none. Unset means {@code verify-full} against AWS
	 * (an admin secret, IAM auth, or a host under {@code rds.amazonaws.com}), else {@code prefer}.
	 * @param sslRootCert The CA bundle verify-full checks the server with; the image bakes in the RDS bundle
	 * there.
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
	 * @param clusterId Aurora cluster to snapshot before a run that applies something.
	 * @param instanceId RDS instance to snapshot instead.
	 * @param retain How many finished runs' snapshots of that target to keep when a run takes its own; older ones of
	 * Ferry's are deleted, others never touched. A snapshot of a run in flight is never deleted nor counted, so
	 * {@code 0} keeps only those: between runs, the last run's (see "The snapshot").
	 * @param timeout How long to wait for the snapshot to become available.
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
	 * @param clusterId The Aurora cluster to clone. Unset means {@code FERRY_SNAPSHOT_CLUSTER_ID}.
	 * @param instanceClass The clone's one instance; {@code db.serverless} for a Serverless v2 cluster.
	 * @param lockBudget The longest a rehearsed migration may hold a lock that blocks writes (SHARE or stronger) on
	 * an existing relation; longer fails the rehearsal (exit 9).
	 * @param timeout How long making the clone may take; a clone of Ferry's older than this is a killed run's
	 * leftover, and the next rehearsal deletes it.
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

	/** The environment's name as given, trimmed; {@code unnamed} where none is: it never gets test data. */
	public static String environmentName(String given) {
		return (given != null && !given.isBlank()) ? given.trim() : "unnamed";
	}

	static String blankToNull(String value) {
		return (value != null && !value.isBlank()) ? value.trim() : null;
	}

	/** Whether the environment is production: one of the production environments' names, whatever the case. */
	public boolean isProduction() {
		return this.productionEnvironments.stream().anyMatch((name) -> name.equalsIgnoreCase(this.environment));
	}

	public boolean wantsTestData() {
		return this.testdataEnvironments.stream().anyMatch((name) -> name.equalsIgnoreCase(this.environment));
	}

}
