package dev.ferry.migration;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.ferry.ExitStatus;
import dev.ferry.FerryException;
import dev.ferry.config.FerryCommand;
import dev.ferry.config.FerryProperties;
import dev.ferry.config.Placeholders;
import dev.ferry.report.RunReport;
import dev.ferry.report.RunReport.PendingMigration;
import dev.ferry.report.RunReportWriter;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.snapshot.PreMigrationSnapshot;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.CoreMigrationType;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.Configuration;
import org.flywaydb.core.api.output.ValidateResult;
import org.postgresql.ds.PGSimpleDataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/**
 * Runs the one command of this run against the database, reports, and leaves the exit status to the exception it
 * throws (or 0).
 */
@Component
class MigrationRunner implements ApplicationRunner {

	private static final Log logger = LogFactory.getLog(MigrationRunner.class);

	private final Flyway flyway;

	private final FerryProperties properties;

	private final PlaceholderCheck placeholderCheck;

	private final MigrationProgress progress;

	private final SecretMasker masker;

	private final RunReportWriter reportWriter;

	private final ObjectProvider<PreMigrationSnapshot> snapshots;

	private final UnchangedSinceLastRun unchanged;

	private String snapshot;

	MigrationRunner(Flyway flyway, FerryProperties properties, Placeholders placeholders, MigrationProgress progress,
			SecretMasker masker, ObjectProvider<PreMigrationSnapshot> snapshots) {
		this.snapshots = snapshots;
		this.flyway = flyway;
		this.properties = properties;
		this.placeholderCheck = new PlaceholderCheck(placeholders);
		this.unchanged = new UnchangedSinceLastRun(flyway, progress);
		this.progress = progress;
		this.masker = masker;
		this.reportWriter = new RunReportWriter(masker);
	}

	@Override
	public void run(ApplicationArguments args) {
		Instant started = Instant.now();
		FerryCommand command = null;
		Result result = null;
		FerryException failure = null;
		Throwable original = null;
		try {
			List<String> commandArgs = args.getNonOptionArgs();
			command = FerryCommand.of(commandArgs.isEmpty() ? this.properties.command() : commandArgs.get(0));
			refuseUnsafeClean(command);
			DatabaseReadiness.await(this.flyway.getConfiguration().getDataSource(), this.properties.connectTimeout(),
					this.masker);
			result = execute(command);
		}
		catch (FerryException ex) {
			failure = ex;
		}
		catch (FlywayException ex) {
			failure = FlywayFailures.translate(ex, this.progress.failed() != null, this.masker);
			original = ex;
		}
		catch (RuntimeException ex) {
			failure = new FerryException(ExitStatus.UNEXPECTED, this.masker.mask(String.valueOf(ex.getMessage())),
					FlywayFailures.masked(ex, this.masker));
			report(command, started, null, failure, ex);
			throw ex;
		}
		report(command, started, result, failure, original);
		if (failure != null) {
			throw failure;
		}
	}

	private void refuseUnsafeClean(FerryCommand command) {
		if (command != FerryCommand.CLEAN) {
			return;
		}
		if (!this.properties.allowClean()) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
					"clean drops every object in the schemas and is refused unless FERRY_ALLOW_CLEAN=true");
		}
		if (this.properties.isProduction()) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
					"clean is refused where FERRY_ENVIRONMENT names production ('" + this.properties.environment() + "')");
		}
	}

	private Result execute(FerryCommand command) {
		return switch (command) {
			case MIGRATE -> migrate();
			case INFO -> info();
			case VALIDATE -> validate();
			case REPAIR -> {
				this.flyway.repair();
				yield Result.of("ok", "schema history repaired", this.flyway.info());
			}
			case BASELINE -> {
				this.flyway.baseline();
				yield Result.of("ok", "baselined", this.flyway.info());
			}
			case CLEAN -> {
				this.flyway.clean();
				yield Result.of("ok", "cleaned", this.flyway.info());
			}
		};
	}

	private Result migrate() {
		// Listed once: the checks, the fingerprint and the report all look at the same scripts.
		Map<String, Resource> scripts = MigrationScripts.list(this.flyway.getConfiguration());
		ScriptNamingCheck.verify(this.flyway.getConfiguration(), scripts);
		if (this.properties.skipUnchanged()) {
			String version = this.unchanged.upToDateVersion(scripts);
			if (version != null) {
				return new Result("up to date", "up to date, nothing to apply (scripts and history unchanged since"
						+ " the last run)", null, version);
			}
		}
		this.placeholderCheck.verifyRepeatables(this.flyway.getConfiguration(), scripts);
		MigrationInfoService before = this.flyway.info();
		List<MigrationInfo> pending = pending(before);
		this.placeholderCheck.verifyPending(this.flyway.getConfiguration(), pending, scripts);
		if (!pending.isEmpty() && this.properties.snapshot().isConfigured()) {
			this.snapshot = this.snapshots.getObject().take(targetVersion(before, pending));
		}
		if (!(isNewDatabase(before) && migratedInOneTransaction(pending.size()))) {
			migrateRetryingLockTimeouts();
		}
		int count = this.progress.applied().size();
		// When nothing was pending, nothing changed since the plan was read: no need to resolve every script once
		// more. (Something pending yet nothing applied means another runner applied it meanwhile.)
		MigrationInfoService after = (count == 0 && pending.isEmpty()) ? before : this.flyway.info();
		if (this.properties.skipUnchanged() && pending(after).isEmpty()) {
			this.unchanged.remember(schemaVersion(after), scripts);
		}
		if (count == 0) {
			return Result.of("up to date", "up to date, nothing to apply", after);
		}
		return Result.of("applied", "applied " + count + " migration" + ((count == 1) ? "" : "s"), after);
	}

	/**
	 * A database without history has no users to block yet, so holding every lock until a single commit costs
	 * nothing there, and it spares Flyway re-reading its whole plan after each migration, which grows with the
	 * square of their number. Whatever fails that way (a script that cannot run in a transaction, an enum value
	 * used in the transaction that added it, a real error) rolls back, and the usual one transaction per migration
	 * takes over and decides the outcome.
	 */
	private boolean migratedInOneTransaction(int pendingCount) {
		Configuration configuration = this.flyway.getConfiguration();
		// baseline-on-migrate is how an existing database with users comes under Flyway: not a new one.
		if (!this.properties.newDatabaseInOneTransaction() || pendingCount < 2 || configuration.isGroup()
				|| configuration.isBaselineOnMigrate()) {
			return false;
		}
		Flyway grouped = Flyway.configure(configuration.getClassLoader())
			.configuration(configuration)
			.group(true)
			.load();
		try {
			grouped.migrate();
			return true;
		}
		catch (FlywayException ex) {
			// Scripts that cannot run in a transaction at all run without one, and what they did stays.
			int kept = (int) Arrays.stream(this.flyway.info().applied())
				.filter((m) -> !m.getType().isSynthetic())
				.count();
			this.progress.forgetAllBut(kept);
			logger.warn(this.masker.mask("The new database's " + pendingCount + " migrations did not apply in one"
					+ " transaction (" + firstLine(ex.getMessage()) + "); " + ((kept == 0) ? "rolled back, " : "")
					+ "applying them one transaction each"));
			return false;
		}
	}

	/** No history, or only the marker of the schemas Flyway created: a baselined database is an old one. */
	private static boolean isNewDatabase(MigrationInfoService info) {
		return Arrays.stream(info.applied()).allMatch((m) -> m.getType() == CoreMigrationType.SCHEMA);
	}

	private void migrateRetryingLockTimeouts() {
		Duration delay = this.properties.lockRetryDelay();
		for (int attempt = 1;; attempt++) {
			try {
				this.flyway.migrate();
				return;
			}
			catch (FlywayException ex) {
				if (!FlywayFailures.isLockTimeout(ex)) {
					throw ex;
				}
				int tries = this.properties.lockRetries() + 1;
				if (attempt >= tries) {
					throw new FerryException(ExitStatus.LOCK_TIMEOUT,
							"lock_timeout (" + this.properties.lockTimeout().toMillis() + " ms) hit " + tries
									+ " times; another session holds a lock the migration needs: "
									+ this.masker.mask(firstLine(ex.getMessage())),
							FlywayFailures.masked(ex, this.masker));
				}
				logger.warn("Lock timeout (try " + attempt + " of " + tries + "), retrying in " + delay.toMillis()
						+ " ms: another session holds a lock the migration needs");
				sleep(delay);
				delay = delay.multipliedBy(2);
			}
		}
	}

	private Result info() {
		MigrationInfoService info = this.flyway.info();
		for (MigrationInfo migration : info.all()) {
			logger.info(String.format("%-10s %-40s %-12s %-12s %s",
					(migration.getVersion() != null) ? migration.getVersion().getVersion() : "R",
					migration.getDescription(), migration.getState().getDisplayName(), migration.getChecksum(),
					migration.getScript()));
		}
		int count = pending(info).size();
		return Result.of("ok", (count == 0) ? "up to date, nothing pending" : count + " pending", info);
	}

	private Result validate() {
		ValidateResult result = this.flyway.validateWithResult();
		if (!result.validationSuccessful) {
			throw new FerryException(ExitStatus.VALIDATION_FAILED,
					this.masker.mask(result.getAllErrorMessages()));
		}
		return Result.of("ok", "validated: every applied migration matches its script", this.flyway.info());
	}

	private static String targetVersion(MigrationInfoService info, List<MigrationInfo> pending) {
		return pending.stream()
			.filter((m) -> m.getVersion() != null)
			.map(MigrationInfo::getVersion)
			.max(MigrationVersion::compareTo)
			.map(MigrationVersion::getVersion)
			.orElseGet(() -> schemaVersion(info));
	}

	static List<MigrationInfo> pending(MigrationInfoService info) {
		return Arrays.stream(info.all())
			.filter((m) -> m.getState() == MigrationState.PENDING || m.getState() == MigrationState.OUTDATED)
			.toList();
	}

	private void report(FerryCommand command, Instant started, Result result, FerryException failure,
			Throwable original) {
		Duration duration = Duration.between(started, Instant.now());
		String commandName = (command != null) ? command.id() : "unknown";
		RunReport.Failure error = null;
		if (failure != null) {
			MigrationInfo failed = this.progress.failed();
			error = new RunReport.Failure(failure.status().meaning(), failure.getMessage(),
					(failed != null) ? failed.getScript() : null, FlywayFailures.line((original != null) ? original : failure),
					FlywayFailures.sqlState((original != null) ? original : failure));
		}
		MigrationInfoService info = (result != null) ? result.info() : null;
		String schemaVersion = (result != null) ? result.schemaVersion() : null;
		if (failure != null && !this.progress.applied().isEmpty()) {
			schemaVersion = versionAfterFailure();
		}
		RunReport report = new RunReport(commandName, this.properties.environment(), database(), started, duration,
				(failure != null) ? "failed" : result.outcome(),
				(failure != null) ? failure.getMessage() : result.message(),
				(failure != null) ? failure.getExitCode() : 0, schemaVersion, this.progress.applied(),
				pendingReport(info), this.snapshot, error);
		this.reportWriter.write(report, this.properties.reportFile(), this.properties.stepSummary());
		if (failure == null) {
			logger.info(this.masker.mask("Ferry " + commandName + " on " + report.database() + " ("
					+ report.environment() + "): " + report.message() + ((report.schemaVersion() != null)
							? ", schema version " + report.schemaVersion() : "")
					+ " in " + duration.toMillis() + " ms"));
		}
	}

	/** What the run committed before it failed, when the database still answers. */
	private String versionAfterFailure() {
		try {
			return schemaVersion(this.flyway.info());
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	private String database() {
		String url = this.flyway.getConfiguration().getUrl();
		if (url == null && this.flyway.getConfiguration().getDataSource() instanceof PGSimpleDataSource pg) {
			url = pg.getURL();
		}
		return (url != null) ? stripParameters(url) : "unknown";
	}

	private static String stripParameters(String url) {
		int query = url.indexOf('?');
		return (query >= 0) ? url.substring(0, query) : url;
	}

	private static String schemaVersion(MigrationInfoService info) {
		if (info == null || info.current() == null || info.current().getVersion() == null) {
			return null;
		}
		return info.current().getVersion().getVersion();
	}

	private static List<PendingMigration> pendingReport(MigrationInfoService info) {
		if (info == null) {
			return List.of();
		}
		return pending(info).stream()
			.map((m) -> new PendingMigration(MigrationProgress.version(m), m.getDescription(), m.getScript(),
					m.getState().getDisplayName(), m.getChecksum()))
			.toList();
	}

	private static String firstLine(String text) {
		if (text == null) {
			return "";
		}
		int end = text.indexOf('\n');
		return (end >= 0) ? text.substring(0, end) : text;
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new FerryException(ExitStatus.LOCK_TIMEOUT, "interrupted while waiting to retry a lock timeout");
		}
	}

	private record Result(String outcome, String message, MigrationInfoService info, String schemaVersion) {

		static Result of(String outcome, String message, MigrationInfoService info) {
			return new Result(outcome, message, info, MigrationRunner.schemaVersion(info));
		}

	}

}
