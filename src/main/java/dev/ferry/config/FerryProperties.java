package dev.ferry.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.Location;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Ferry's settings: each is an environment variable {@code FERRY_*} and a Spring property {@code ferry.*}. This
 * record is their one list: the configuration processor turns it, with each {@code @param} as the description,
 * into {@code META-INF/spring-configuration-metadata.json}, which the unknown-setting check reads at run time
 * ({@link KnownSettings}) and README's settings table is rendered from. A setting read by name anywhere else must
 * be a component here too. Every setting is checked when it is bound, before anything connects: a value outside
 * its range is exit 2 naming each such setting and what it allows.
 *
 * @param command The command: {@code migrate}, {@code info} (applied and pending, with checksums), {@code plan}
 * (what {@code migrate} would run, statement by statement, with locks; read-only: see "Plan: what a migrate would
 * do"), {@code rehearse} (the rehearsal on a clone alone; production is only read), {@code validate},
 * {@code repair}, {@code baseline}, {@code clean}, {@code drift} (the drift check alone, read-only; see "Drift"),
 * {@code restore} (Ferry's pre-migration snapshot into a new cluster; see "Rolling back: restore").
 * Unset means {@code migrate}; the first argument wins over it.
 * @param allowClean {@code clean} runs only when {@code true}, and never where {@code FERRY_ENVIRONMENT} is one of
 * {@code FERRY_PRODUCTION_ENVIRONMENTS}.
 * @param allowRestore {@code restore} runs only when {@code true}: it makes a cluster (billed) and, with
 * {@code FERRY_RESTORE_SWAP}, renames production's.
 * @param environment The environment's name: {@code dev}, {@code test}, {@code prod}... Names the report; decides
 * test data and whether this is production. Unset, the environment is unnamed.
 * @param locations Where the migrations are, comma-separated; {@code filesystem:/path} for a mounted folder,
 * {@code classpath:path} (or a path without a prefix) inside the image. Other prefixes are refused ({@code s3:} and
 * {@code gcs:} need Flyway plugins the image does not have). Unset means Flyway's configured locations
 * ({@code classpath:db/migration}).
 * @param testdataLocations Added to the locations in test-data environments. Unset, Ferry adds its baked
 * {@code classpath:db/testdata} only while it migrates its baked {@code db/migration}: a project that
 * {@code FERRY_LOCATIONS} (or {@code FLYWAY_LOCATIONS}) points elsewhere gets test data only from locations named
 * here. The same prefixes as {@code FERRY_LOCATIONS}.
 * @param testdataEnvironments Environments that get test data. An unnamed environment never does.
 * @param db the database connection
 * @param placeholders A placeholder value for {@code ${<name>}}; the name is kept exactly as written. ECS
 * {@code secrets} injection lands here.
 * @param placeholderSecrets {@code <prefix>=<secret-id>[,...]}: each JSON key of the secret becomes the
 * placeholder {@code <prefix>_<key>} ({@code api_db=<arn>} gives {@code ${api_db_username}} and
 * {@code ${api_db_password}}); a plain-text secret becomes {@code <prefix>}. Always masked.
 * @param secretPlaceholderPattern Placeholders whose name matches are secret (when the value has 4 characters or
 * more): masked, and a repeatable script using one gets a warning. Values shorter than 8 characters are masked
 * where they stand alone, not inside longer words or numbers. A Java regular expression, matched against the whole
 * name. Unset means {@code (?i).*(password|secret|token|key).*}.
 * @param connectTimeout How long to keep trying a database that does not answer yet; {@code 0} or more
 * ({@code 0} tries once).
 * @param lockTimeout {@code lock_timeout} of the migration session (and of the drift check's catalog reads): how long
 * a statement waits for a lock before it gives up, so that the application's queries never queue behind a migration
 * that waits. Above {@code 0}; {@code off} turns this protection off (the migration waits for its locks as long as
 * it takes, and everything that needs the table waits behind it); {@code 0} is refused.
 * @param statementTimeout {@code statement_timeout} of the migration session; {@code 0} or more, {@code 0} or
 * {@code off} for none.
 * @param lockRetries Retries of a migration that hit the lock timeout; {@code 0} or more.
 * @param lockRetryDelay First wait before such a retry; doubles each time. {@code 0} or more.
 * @param reportFile Where to write the JSON run report.
 * @param stepSummary Where to append the Markdown summary: set it to {@code $GITHUB_STEP_SUMMARY}.
 * @param snapshot the snapshot taken before migrating
 * @param logFormat {@code json} prints one JSON object per line (Spring Boot's structured logging, Logstash
 * layout), {@code text} human lines. Unset means {@code json} in ECS, else {@code text}.
 * @param stopTimeout After SIGTERM, how long the run gets to cancel its statement, roll back, release Flyway's lock
 * and report before the process ends anyway (exit 11). Keep it below the task's stop timeout (ECS: 30 s).
 * {@code 0} or more.
 * @param socketTimeout How long a read from the database may wait for a byte before the connection counts as lost
 * (exit 4). Must be above {@code FERRY_STATEMENT_TIMEOUT}, so that the server ends a long statement first, cleanly;
 * without a statement timeout a statement may rightly run for hours in silence, and TCP keepalive (probes after
 * 30 s, every 10 s, 3 unanswered) is what ends a dead network path: a socket timeout without a statement timeout,
 * or at or below it, is refused. {@code 0} or {@code off} for none. Unset means {@code FERRY_STATEMENT_TIMEOUT} +
 * {@code 60s}, none without a statement timeout.
 * @param idleInTransactionTimeout {@code idle_in_transaction_session_timeout} of Ferry's sessions: a transaction
 * whose client vanished is ended by the server and its locks released. {@code 0} or more; {@code 0} or {@code off}
 * turns it off; not set with Flyway's transactional lock.
 * @param drift What drift (the schema changed since Ferry's last run, see "Drift") does to {@code migrate}:
 * {@code fail} exits 10 and applies nothing; {@code warn} logs a warning, reports it and migrates; {@code off} does
 * not check (the schema is still recorded). The {@code drift} command always checks and exits 10 only with
 * {@code fail}. Other values are refused.
 * @param rehearse {@code clone}: before production is migrated, its pending migrations are rehearsed on a
 * copy-on-write Aurora clone of it (see "Rehearsal on a clone"); {@code off}: not. Other values are refused.
 * @param rehearsal how the rehearsal is made and judged
 * @param restore which snapshot {@code restore} restores, and whether it swaps
 * @param productionEnvironments The names of production environments, comma-separated, each matched exactly and
 * ignoring case against {@code FERRY_ENVIRONMENT} ({@code nonprod} is not {@code prod}). {@code clean} is refused
 * there.
 */
@ConfigurationProperties("ferry")
public record FerryProperties(String command, @DefaultValue("false") boolean allowClean,
		@DefaultValue("false") boolean allowRestore, String environment,
		List<String> locations, List<String> testdataLocations,
		@DefaultValue({ "local", "dev", "test" }) List<String> testdataEnvironments, @DefaultValue Db db,
		Map<String, String> placeholders, List<String> placeholderSecrets, String secretPlaceholderPattern,
		@DefaultValue("60s") Duration connectTimeout, @DefaultValue("5s") Duration lockTimeout, @DefaultValue("0") Duration statementTimeout,
		@DefaultValue("3") int lockRetries, @DefaultValue("5s") Duration lockRetryDelay,
		Path reportFile, Path stepSummary, @DefaultValue Snapshot snapshot, String logFormat,
		@DefaultValue("20s") Duration stopTimeout, Duration socketTimeout,
		@DefaultValue("60s") Duration idleInTransactionTimeout, @DefaultValue("warn") DriftMode drift, @DefaultValue("off") RehearseMode rehearse,
		@DefaultValue Rehearsal rehearsal, @DefaultValue Restore restore,
		@DefaultValue({ "prod", "production", "prd", "live" }) List<String> productionEnvironments) {

	/**
	 * The variables that also give {@code placeholders}, {@code FERRY_PLACEHOLDER_<name>}, whose name is kept exactly
	 * as written (Spring's relaxed map binding would lower-case it).
	 */
	public static final String PLACEHOLDER_VARIABLE_PREFIX = "FERRY_PLACEHOLDER_";

	/**
	 * A duration setting written {@code off} ({@link OffDurationConverter}), until the settings map it to
	 * {@link Duration#ZERO} where off is allowed: no one writes this duration.
	 */
	static final Duration OFF = Duration.ofSeconds(Long.MIN_VALUE);

	public FerryProperties {
		locations = (locations != null) ? locations : List.of();
		testdataLocations = (testdataLocations != null) ? testdataLocations : List.of();
		placeholders = (placeholders != null) ? placeholders : Map.of();
		placeholderSecrets = (placeholderSecrets != null)
				? placeholderSecrets.stream().map(String::trim).filter((entry) -> !entry.isEmpty()).toList() : List.of();
		environment = environmentName(environment);
		productionEnvironments = (productionEnvironments != null)
				? productionEnvironments.stream().map(String::trim).filter((name) -> !name.isEmpty()).toList() : List.of();
		List<String> invalid = new ArrayList<>();
		lockTimeout = Range.ABOVE_ZERO_OR_OFF.check("FERRY_LOCK_TIMEOUT", lockTimeout, invalid);
		statementTimeout = Range.ZERO_OR_MORE_OR_OFF.check("FERRY_STATEMENT_TIMEOUT", statementTimeout, invalid);
		idleInTransactionTimeout = Range.ZERO_OR_MORE_OR_OFF.check("FERRY_IDLE_IN_TRANSACTION_TIMEOUT",
				idleInTransactionTimeout, invalid);
		socketTimeout = Range.ZERO_OR_MORE_OR_OFF.check("FERRY_SOCKET_TIMEOUT", socketTimeout, invalid);
		Range.ZERO_OR_MORE.check("FERRY_CONNECT_TIMEOUT", connectTimeout, invalid);
		Range.ZERO_OR_MORE.check("FERRY_STOP_TIMEOUT", stopTimeout, invalid);
		Range.ZERO_OR_MORE.check("FERRY_LOCK_RETRY_DELAY", lockRetryDelay, invalid);
		Range.ABOVE_ZERO.check("FERRY_SNAPSHOT_TIMEOUT", snapshot.timeout(), invalid);
		Range.ABOVE_ZERO.check("FERRY_REHEARSAL_TIMEOUT", rehearsal.timeout(), invalid);
		Range.ZERO_OR_MORE.check("FERRY_REHEARSAL_LOCK_BUDGET", rehearsal.lockBudget(), invalid);
		Range.ABOVE_ZERO.check("FERRY_RESTORE_TIMEOUT", restore.timeout(), invalid);
		if (socketTimeout != null && !socketTimeout.isNegative() && !socketTimeout.isZero() && statementTimeout != null
				&& (statementTimeout.isZero() || socketTimeout.compareTo(statementTimeout) <= 0)) {
			// A read that gives up first leaves the statement running on the server, holding its locks.
			invalid.add("FERRY_SOCKET_TIMEOUT must be above FERRY_STATEMENT_TIMEOUT ("
					+ (statementTimeout.isZero() ? "none" : statementTimeout.toMillis() + " ms")
					+ "): set a statement timeout below it, or leave FERRY_SOCKET_TIMEOUT unset");
		}
		if (lockRetries < 0) {
			invalid.add("FERRY_LOCK_RETRIES must be 0 or more");
		}
		if (snapshot.retain() < 0) {
			invalid.add("FERRY_SNAPSHOT_RETAIN must be 0 or more");
		}
		if (db.port() != null && (db.port() < 1 || db.port() > 65535)) {
			invalid.add("FERRY_DB_PORT must be from 1 to 65535");
		}
		checkLocations("FERRY_LOCATIONS", locations, invalid);
		checkLocations("FERRY_TESTDATA_LOCATIONS", testdataLocations, invalid);
		if (secretPlaceholderPattern != null && !secretPlaceholderPattern.isBlank()) {
			try {
				Pattern.compile(secretPlaceholderPattern);
			}
			catch (PatternSyntaxException ex) {
				invalid.add("FERRY_SECRET_PLACEHOLDER_PATTERN must be a Java regular expression (" + ex.getDescription()
						+ " near index " + ex.getIndex() + ")");
			}
		}
		if (!invalid.isEmpty()) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID, "invalid setting" + ((invalid.size() > 1) ? "s" : "")
					+ ": " + String.join("; ", invalid) + " (README's Configuration describes each)");
		}
	}

	/** A location's prefix must be one that Flyway, as Ferry ships it, reads; Flyway decides which those are. */
	private static void checkLocations(String variable, List<String> locations, List<String> invalid) {
		for (String location : locations) {
			if (location.isBlank()) {
				continue;
			}
			try {
				new Location(location);
			}
			catch (FlywayException ex) {
				invalid.add(variable + " entry '" + location.substring(0, location.indexOf(':') + 1)
						+ "...' has a prefix Flyway does not read: use filesystem:<path> or classpath:<path>");
			}
		}
	}

	/** What a duration setting allows. */
	private enum Range {

		/** Only the lock timeout: its zero would turn the lock-queue protection off, which must be said. */
		ABOVE_ZERO_OR_OFF("a duration above 0 such as 5s, or off to turn the lock-queue protection off", true, false),

		ZERO_OR_MORE_OR_OFF("0 or off (none), or a duration such as 30s", true, true),

		ZERO_OR_MORE("0 or a duration such as 30s", false, true),

		ABOVE_ZERO("a duration above 0 such as 60m", false, false);

		private final String allowed;

		private final boolean off;

		private final boolean zero;

		Range(String allowed, boolean off, boolean zero) {
			this.allowed = allowed;
			this.off = off;
			this.zero = zero;
		}

		/** @return the value, {@code off} as {@link Duration#ZERO} */
		Duration check(String variable, Duration value, List<String> invalid) {
			if (value == null) {
				return null;
			}
			if (OFF.equals(value)) {
				if (!this.off) {
					invalid.add(variable + " cannot be off: it must be " + this.allowed);
				}
				return Duration.ZERO;
			}
			if (value.isNegative() || (value.isZero() && !this.zero)) {
				invalid.add(variable + " is " + (value.isNegative() ? "negative" : "0") + ": it must be " + this.allowed);
			}
			return value;
		}

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
	 * {@code 5432}. From {@code 1} to {@code 65535}.
	 * @param name The database when there is no URL; wins over the secret. Unset means the secret's {@code dbname},
	 * else {@code postgres}.
	 * @param username Database user. Unset means the secret's.
	 * @param password Its password (masked everywhere). Unset means the secret's.
	 * @param iamAuth IAM database authentication: the password is an RDS token from the SDK, made fresh for each
	 * connection; needs TLS.
	 * @param sslMode pgjdbc's {@code sslmode} when the URL has none. Unset means {@code verify-full} against AWS
	 * (an admin secret, IAM auth, or a host under {@code rds.amazonaws.com}), else {@code prefer}.
	 * @param sslRootCert The CA bundle verify-full checks the server with; the image bakes in the RDS bundle
	 * there. An image built without it (an empty {@code RDS_CA_BUNDLE}) refuses verify-full, exit 2, unless this
	 * names a bundle; a local database needs none.
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
	 * {@code 0} keeps only those: between runs, the last run's (see "The snapshot"). Not below {@code 0}.
	 * @param timeout How long to wait for the snapshot to become available; above {@code 0}.
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
	 * an existing relation; longer fails the rehearsal (exit 9). {@code 0} or more.
	 * @param timeout How long making the clone may take, and the length of its lease: the run renews the lease while
	 * it uses the clone, and a clone whose lease has run out is a killed run's leftover, which the next rehearsal
	 * deletes. Above {@code 0}.
	 */
	public record Rehearsal(String clusterId, @DefaultValue("db.t4g.medium") String instanceClass,
			@DefaultValue("5s") Duration lockBudget, @DefaultValue("60m") Duration timeout) {

		public Rehearsal {
			clusterId = blankToNull(clusterId);
			instanceClass = blankToNull(instanceClass);
		}

	}

	/**
	 * The {@code restore} command: one of Ferry's snapshots of {@code FERRY_SNAPSHOT_CLUSTER_ID} into a new cluster.
	 *
	 * @param snapshotId The snapshot to restore: one of Ferry's ({@code ferry:managed=true}) of
	 * {@code FERRY_SNAPSHOT_CLUSTER_ID}; a migrate's report names it. Unset means the newest available one of a
	 * finished run of this environment.
	 * @param swap {@code true}: once restored and checked, the source cluster is renamed to a kept name (deletion
	 * protection on) and the restored cluster, and its instance, take the source's names, so that the application's
	 * endpoint points at the restored data. Refused while a migration holds Flyway's lock on the source.
	 * @param timeout How long each wait of the restore (the cluster, its instance, each rename) may take; above
	 * {@code 0}.
	 */
	public record Restore(String snapshotId, @DefaultValue("false") boolean swap,
			@DefaultValue("90m") Duration timeout) {

		public Restore {
			snapshotId = blankToNull(snapshotId);
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
