package dev.ferry.migration;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.ferry.ExitStatus;
import dev.ferry.config.FerryCommand;
import dev.ferry.config.FerryProperties;
import dev.ferry.drift.DriftFindings;
import dev.ferry.report.RunReport;
import dev.ferry.report.RunReport.DriftedObject;
import dev.ferry.report.RunReport.PendingMigration;
import dev.ferry.report.RunReportWriter;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.session.BlockingSessions;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The last step of every run: the JSON report and step summary where asked, and the summary line of a run that
 * succeeded (a failed one is logged once, by Ferry's failure reporter).
 */
class RunReporter {

	private static final Log logger = LogFactory.getLog(RunReporter.class);

	private final Flyway flyway;

	private final FerryProperties properties;

	private final MigrationProgress progress;

	private final SecretMasker masker;

	private final RunReportWriter writer;

	private final BlockingSessions blockers;

	RunReporter(Flyway flyway, FerryProperties properties, MigrationProgress progress, SecretMasker masker,
			RunReportWriter writer, BlockingSessions blockers) {
		this.flyway = flyway;
		this.properties = properties;
		this.progress = progress;
		this.masker = masker;
		this.writer = writer;
		this.blockers = blockers;
	}

	void report(FerryCommand command, Instant started, RunOutcome outcome) {
		Duration duration = Duration.between(started, Instant.now());
		String commandName = (command != null) ? command.id() : "unknown";
		RunReport.Failure error = null;
		String schemaVersion = outcome.schemaVersion();
		if (!outcome.succeeded()) {
			MigrationInfo failed = this.progress.failed();
			error = new RunReport.Failure(outcome.failure().status().meaning(), outcome.failure().getMessage(),
					(failed != null) ? failed.getScript() : null, FlywayFailures.line(outcome.cause()),
					FlywayFailures.sqlState(outcome.cause()), blockers(outcome.failure().status()));
			if (!this.progress.applied().isEmpty()) {
				schemaVersion = versionAfterFailure();
			}
		}
		DriftFindings drift = this.progress.drift();
		RunReport report = new RunReport(commandName, this.properties.environment(), database(), started, duration,
				outcome.kind().label(), outcome.message(), outcome.succeeded() ? 0 : outcome.failure().getExitCode(),
				schemaVersion, this.progress.applied(), pendingReport(outcome.info()), this.progress.snapshot(), error,
				this.progress.rehearsal(), outcome.plan(), (drift != null) ? drift.summary() : null, driftReport(drift));
		this.writer.write(report, this.properties.reportFile(), this.properties.stepSummary());
		if (outcome.succeeded()) {
			logger.info(this.masker.mask("Ferry " + commandName + " on " + report.database() + " ("
					+ report.environment() + "): " + report.message() + ((report.schemaVersion() != null)
							? ", schema version " + report.schemaVersion() : "")
					+ " in " + duration.toMillis() + " ms"));
		}
	}

	/**
	 * Who held the lock the failed migration waited on: for a lock timeout, and for a stop during the wait. Other
	 * failures (a rehearsal's, whose sessions were on the clone; drift) name none.
	 */
	private List<RunReport.Blocker> blockers(ExitStatus status) {
		return (status == ExitStatus.LOCK_TIMEOUT || status == ExitStatus.STOPPED) ? this.blockers.ofFailedMigration()
				: List.of();
	}

	/** What the run committed before it failed, when the database still answers. */
	private String versionAfterFailure() {
		try {
			return MigrationPlan.schemaVersion(this.flyway.info());
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
		if (url == null) {
			return "unknown";
		}
		int query = url.indexOf('?');
		return (query >= 0) ? url.substring(0, query) : url;
	}

	private static List<DriftedObject> driftReport(DriftFindings drift) {
		if (drift == null) {
			return List.of();
		}
		return drift.changes()
			.stream()
			.map((d) -> new DriftedObject(d.object(), d.change().id(), d.before(), d.after(), d.describe()))
			.toList();
	}

	private List<PendingMigration> pendingReport(MigrationInfoService info) {
		if (info == null) {
			return List.of();
		}
		return MigrationPlan.pending(info)
			.stream()
			.map((m) -> new PendingMigration(MigrationProgress.version(m), m.getDescription(), m.getScript(),
					m.getState().getDisplayName(), this.progress.checksum(m)))
			.toList();
	}

}
