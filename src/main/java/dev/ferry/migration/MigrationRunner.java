package dev.ferry.migration;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.ferry.ExitStatus;
import dev.ferry.FerryException;
import dev.ferry.GracefulStop;
import dev.ferry.config.FerryCommand;
import dev.ferry.config.FerryProperties;
import dev.ferry.database.DatabaseReadiness;
import dev.ferry.drift.DriftCheck;
import dev.ferry.drift.DriftFindings;
import dev.ferry.drift.DriftMode;
import dev.ferry.migration.RunOutcome.Kind;
import dev.ferry.placeholders.Placeholders;
import dev.ferry.rehearsal.CloneRehearsal;
import dev.ferry.report.RehearsalReport;
import dev.ferry.plan.MigrationPlanner;
import dev.ferry.plan.Plan;
import dev.ferry.report.RunReportWriter;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.session.BlockingSessions;
import dev.ferry.session.SessionWatcher;
import dev.ferry.snapshot.PreMigrationSnapshot;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.ValidateResult;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/**
 * One run of Ferry, in the order it happens: choose the command, refuse an unsafe clean, wait for the database,
 * run the command (for migrate: plan, drift check, snapshot, migrate with lock-timeout retries, record the schema for
 * the next drift check), report. The exit status travels in the {@link FerryException} it throws; success is 0.
 */
@Component
class MigrationRunner implements ApplicationRunner {

	private static final Log logger = LogFactory.getLog(MigrationRunner.class);

	private final Flyway flyway;

	private final FerryProperties properties;

	private final PlaceholderCheck placeholderCheck;

	private final MigrationProgress progress;

	private final SecretMasker masker;

	private final ObjectProvider<PreMigrationSnapshot> snapshots;

	private final LockTimeoutRetries lockTimeoutRetries;

	private final RunReporter reporter;

	private final GracefulStop stop;

	private final SessionWatcher session;

	private final ObjectProvider<CloneRehearsal> rehearsals;

	private final MigrationPlanner planner;

	private final DriftCheck drift;

	MigrationRunner(Flyway flyway, FerryProperties properties, Placeholders placeholders, MigrationProgress progress,
			SecretMasker masker, ObjectProvider<PreMigrationSnapshot> snapshots, RunReportWriter reportWriter,
			GracefulStop stop, SessionWatcher session, InvalidIndexCleanup indexes, BlockingSessions blockers,
			ObjectProvider<CloneRehearsal> rehearsals, DriftCheck drift) {
		this.flyway = flyway;
		this.properties = properties;
		this.placeholderCheck = new PlaceholderCheck(placeholders);
		this.progress = progress;
		this.masker = masker;
		this.snapshots = snapshots;
		this.lockTimeoutRetries = new LockTimeoutRetries(flyway, properties, masker, stop, indexes, blockers);
		this.reporter = new RunReporter(flyway, properties, progress, masker, reportWriter, blockers);
		this.stop = stop;
		this.session = session;
		this.rehearsals = rehearsals;
		this.planner = new MigrationPlanner(masker, placeholders::isSecret, System.getenv("PATH"));
		this.drift = drift;
	}

	/** The run, stoppable by SIGTERM from start to report: the stop ends the process with the reported code. */
	@Override
	public void run(ApplicationArguments args) {
		this.stop.arm(this.properties.stopTimeout(),
				this.session::cancelRunningMigration);
		int exitCode = ExitStatus.UNEXPECTED.code();
		try {
			runCommand(args);
			exitCode = ExitStatus.SUCCESS.code();
		}
		catch (FerryException ex) {
			exitCode = ex.getExitCode();
			throw ex;
		}
		finally {
			this.stop.finished(exitCode);
		}
	}

	private void runCommand(ApplicationArguments args) {
		Instant started = Instant.now();
		FerryCommand command = null;
		RunOutcome outcome;
		try {
			List<String> commandArgs = args.getNonOptionArgs();
			command = FerryCommand.of(commandArgs.isEmpty() ? this.properties.command() : commandArgs.get(0));
			refuseUnsafeClean(command);
			DatabaseReadiness.await(this.flyway.getConfiguration().getDataSource(), this.properties.connectTimeout(),
					this.masker);
			outcome = execute(command);
		}
		catch (FerryException ex) {
			outcome = failed(ex, ex);
		}
		catch (FlywayException ex) {
			outcome = failed(FlywayFailures.translate(ex, this.progress.failed() != null, this.masker), ex);
		}
		catch (RuntimeException ex) {
			// A bug: reported, then left to Spring Boot, which logs its (masked) stack trace and exits 1.
			this.reporter.report(command, started, RunOutcome.failed(new FerryException(ExitStatus.UNEXPECTED,
					this.masker.mask(String.valueOf(ex.getMessage())), FlywayFailures.masked(ex, this.masker)), ex));
			throw ex;
		}
		this.reporter.report(command, started, outcome);
		if (!outcome.succeeded()) {
			throw outcome.failure();
		}
	}

	/** A failure once SIGTERM asked the run to stop is the stop's doing: the cancelled statement, the interrupt. */
	private RunOutcome failed(FerryException failure, Throwable cause) {
		if (!this.stop.requested()) {
			return RunOutcome.failed(failure, cause);
		}
		Thread.interrupted();
		MigrationInfo cancelled = this.progress.failed();
		String message = "stopped by SIGTERM" + ((cancelled != null) ? ", cancelled " + cancelled.getScript() : "")
				+ "; migrations applied before it stay applied, a rerun continues from there (" + failure.getMessage()
				+ ")";
		return RunOutcome.failed(new FerryException(ExitStatus.STOPPED, message, failure.getCause()), cause);
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

	private RunOutcome execute(FerryCommand command) {
		// Even repair and baseline: with a location missing, repair would mark every applied migration deleted.
		// (drift compares the database with Ferry's record only: it needs no scripts.)
		Map<String, Resource> scripts = (command != FerryCommand.CLEAN && command != FerryCommand.DRIFT)
				? MigrationSourcesCheck.verify(this.flyway.getConfiguration()) : Map.of();
		return switch (command) {
			case MIGRATE -> migrate(scripts);
			case REHEARSE -> rehearseOnly(scripts);
			case INFO -> info(scripts);
			case PLAN -> plan(scripts);
			case VALIDATE -> validate();
			case REPAIR -> {
				this.flyway.repair();
				yield RunOutcome.of(Kind.OK, "schema history repaired", this.flyway.info());
			}
			case BASELINE -> {
				this.flyway.baseline();
				// The baselined schema is what the scripts after the baseline start from: drift is measured from it.
				RunOutcome baselined = RunOutcome.of(Kind.OK, "baselined", this.flyway.info());
				this.drift.record(baselined.schemaVersion());
				yield baselined;
			}
			case CLEAN -> {
				this.flyway.clean();
				yield RunOutcome.of(Kind.OK, "cleaned", this.flyway.info());
			}
			case DRIFT -> drift();
		};
	}

	private RunOutcome migrate(Map<String, Resource> scripts) {
		boolean rehearsesOnClone = this.properties.rehearsesOnClone();
		MigrationPlan plan = MigrationPlan.read(this.flyway, scripts, this.placeholderCheck);
		this.progress.hideChecksumsOf(plan.secretChecksums());
		if (this.properties.drift() != DriftMode.OFF) {
			checkDrift("nothing applied");
		}
		else {
			this.progress.driftChecked(DriftFindings.notCompared("no drift check: FERRY_DRIFT=off"));
		}
		if (rehearsesOnClone) {
			this.rehearsals.getObject().deleteLeftovers();
			if (!plan.pending().isEmpty()) {
				rehearse(plan);
			}
		}
		if (!plan.pending().isEmpty() && this.properties.snapshot().isConfigured()) {
			this.progress.snapshotTaken(this.snapshots.getObject().take(plan.targetVersion()));
		}
		this.lockTimeoutRetries.migrate();
		int count = this.progress.applied().size();
		// Nothing was pending, so nothing changed since the plan was read: no need to resolve every script again.
		// (Something pending yet nothing applied means another runner applied it meanwhile.)
		MigrationInfoService after = (count == 0 && plan.pending().isEmpty()) ? plan.info() : this.flyway.info();
		RunOutcome outcome = (count == 0) ? RunOutcome.of(Kind.UP_TO_DATE, "up to date, nothing to apply", after)
				: RunOutcome.of(Kind.APPLIED, "applied " + count + " migration" + ((count == 1) ? "" : "s"), after);
		this.drift.record(outcome.schemaVersion());
		return outcome;
	}

	/**
	 * The drift command: the check alone, read-only. It checks whatever FERRY_DRIFT says, since checking is all it
	 * is asked to do; only {@code fail} makes drift its failure.
	 */
	private RunOutcome drift() {
		DriftFindings findings = checkDrift("the drift command changes nothing");
		return new RunOutcome(Kind.OK, findings.summary(), null, null, null, null, null);
	}

	/**
	 * Compares the schema with Ferry's record. With FERRY_DRIFT=fail, drift (or a check that could not run, so
	 * cannot vouch for the schema) is exit 10; otherwise it was logged as a warning and is reported.
	 */
	private DriftFindings checkDrift(String consequence) {
		DriftFindings findings = this.drift.check();
		this.progress.driftChecked(findings);
		if (this.properties.drift() == DriftMode.FAIL && (findings.drifted() || findings.failed())) {
			throw new FerryException(ExitStatus.DRIFT, this.masker.mask(findings.summary()
					+ " (FERRY_DRIFT=fail); " + consequence));
		}
		return findings;
	}

	/** The rehearsal alone: production is read, never written. */
	private RunOutcome rehearseOnly(Map<String, Resource> scripts) {
		MigrationPlan plan = MigrationPlan.read(this.flyway, scripts, this.placeholderCheck);
		this.progress.hideChecksumsOf(plan.secretChecksums());
		this.rehearsals.getObject().deleteLeftovers();
		if (plan.pending().isEmpty()) {
			return RunOutcome.of(Kind.UP_TO_DATE, "up to date, nothing to rehearse", plan.info());
		}
		return RunOutcome.of(Kind.OK, rehearse(plan).verdict(), plan.info());
	}

	/**
	 * Rehearses the pending migrations on a clone of production, with every callback but the one that records
	 * production's progress. A failed rehearsal is exit 9, before anything touched production.
	 */
	private RehearsalReport rehearse(MigrationPlan plan) {
		List<Callback> callbacks = Arrays.stream(this.flyway.getConfiguration().getCallbacks())
			.filter((callback) -> callback != this.progress)
			.toList();
		RehearsalReport rehearsal = this.rehearsals.getObject()
			.rehearse(this.flyway.getConfiguration(), callbacks,
					plan.pending().stream().map(MigrationInfo::getScript).distinct().toList());
		this.progress.rehearsed(rehearsal);
		if (!rehearsal.passed()) {
			throw new FerryException(ExitStatus.REHEARSAL_FAILED,
					"the rehearsal on a clone of production failed, production was not touched: " + rehearsal.verdict());
		}
		return rehearsal;
	}

	private RunOutcome info(Map<String, Resource> scripts) {
		this.progress.hideChecksumsOf(this.placeholderCheck.verifyRepeatables(this.flyway.getConfiguration(), scripts));
		MigrationInfoService info = this.flyway.info();
		for (MigrationInfo migration : info.all()) {
			logger.info(String.format("%-10s %-40s %-12s %-12s %s",
					(migration.getVersion() != null) ? migration.getVersion().getVersion() : "R",
					migration.getDescription(), migration.getState().getDisplayName(), this.progress.checksum(migration),
					migration.getScript()));
		}
		int count = MigrationPlan.pending(info).size();
		return RunOutcome.of(Kind.OK, (count == 0) ? "up to date, nothing pending" : count + " pending", info);
	}

	/**
	 * What migrate would run, read-only: the same checks and Flyway's same view of what is pending as migrate, no
	 * snapshot, no lock, no history table.
	 */
	private RunOutcome plan(Map<String, Resource> scripts) {
		MigrationPlan pending = MigrationPlan.read(this.flyway, scripts, this.placeholderCheck);
		this.progress.hideChecksumsOf(pending.secretChecksums());
		// An outdated repeatable is in Flyway's view twice: applied (Outdated) and resolved anew (Pending); it runs once.
		List<MigrationInfo> toRun = pending.pending()
			.stream()
			.filter((migration) -> migration.getState() == MigrationState.PENDING)
			.toList();
		Plan plan = this.planner.plan(this.flyway.getConfiguration(), toRun, scripts);
		this.planner.log(plan);
		int count = plan.migrationCount();
		String message = (plan.migrations().isEmpty()) ? "up to date, migrate would run nothing"
				: "migrate would run " + count + " migration" + ((count == 1) ? "" : "s") + ", "
						+ plan.statementCount() + " statement" + ((plan.statementCount() == 1) ? "" : "s");
		return RunOutcome.of(Kind.OK, message, pending.info()).with(plan);
	}

	private RunOutcome validate() {
		ValidateResult result = this.flyway.validateWithResult();
		if (!result.validationSuccessful) {
			throw new FerryException(ExitStatus.VALIDATION_FAILED, this.masker.mask(result.getAllErrorMessages()));
		}
		return RunOutcome.of(Kind.OK, "validated: every applied migration matches its script", this.flyway.info());
	}

}
