package dev.ferry.command;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.ferry.config.FerryCommand;
import dev.ferry.config.FerryProperties;
import dev.ferry.database.DatabaseReadiness;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.migration.MigrationPlans;
import dev.ferry.migration.MissingTestData;
import dev.ferry.run.RunRecord;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.session.BlockingSessions;
import dev.ferry.session.SessionWatcher;
import dev.ferry.stop.GracefulStop;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/**
 * One run of a command, stoppable by SIGTERM from here on: choose the command, refuse it where unsafe, wait for the
 * database, check the scripts, run it. A failure is left to the exit path ({@code FerryApplication}), which
 * classifies it and reports; this only adds to the record what is known about it here.
 */
@Component
class CommandRunner implements ApplicationRunner {

	private final Map<FerryCommand, Command> commands = new EnumMap<>(FerryCommand.class);

	private final FerryProperties properties;

	private final Flyway flyway;

	private final MigrationPlans plans;

	private final RunRecord record;

	private final SecretMasker masker;

	private final GracefulStop stop;

	private final SessionWatcher session;

	private final BlockingSessions blockers;

	CommandRunner(List<Command> commands, FerryProperties properties, Flyway flyway, MigrationPlans plans,
			RunRecord record, SecretMasker masker, GracefulStop stop, SessionWatcher session,
			BlockingSessions blockers) {
		commands.forEach((command) -> this.commands.put(command.name(), command));
		this.properties = properties;
		this.flyway = flyway;
		this.plans = plans;
		this.record = record;
		this.masker = masker;
		this.stop = stop;
		this.session = session;
		this.blockers = blockers;
	}

	@Override
	public void run(ApplicationArguments args) {
		this.stop.arm(this.properties.stopTimeout(), this.session::cancelRunningMigration);
		started("unknown");
		try {
			FerryCommand name = FerryCommand
				.of(FerryCommand.requested(args.getNonOptionArgs(), this.properties.command()));
			started(name.id());
			Command command = this.commands.get(name);
			command.refuseIfUnsafe();
			if (command.awaitsDatabase()) {
				DatabaseReadiness.await(this.flyway.getConfiguration().getDataSource(),
						this.properties.connectTimeout(), this.masker);
			}
			Map<String, Resource> scripts = command.readsScripts() ? this.plans.verifiedScripts() : Map.of();
			command.run(scripts);
			if (this.stop.requested()) {
				// The stop came during a step that finishes anyway (the drift record): the run still ends as stopped.
				throw new FerryException(ExitStatus.STOPPED, "the command had done its work when the stop came");
			}
		}
		catch (RuntimeException ex) {
			this.record.failed(this.stop.requested());
			if (this.stop.requested()) {
				// The stop interrupted this thread; the reads below and the report must not fail on it.
				Thread.interrupted();
			}
			this.record.blockedBy(this.blockers.ofFailedMigration());
			if (!this.record.applied().isEmpty()) {
				this.record.failedAt(versionAfterFailure());
			}
			throw this.stop.requested() ? ex : MissingTestData.explain(ex, this.flyway, this.properties);
		}
	}

	private void started(String command) {
		this.record.started(command, this.properties.environment(), database(), this.properties.reportFile(),
				this.properties.stepSummary());
	}

	/** What the run committed before it failed, when the database still answers. */
	private String versionAfterFailure() {
		try {
			return RunRecord.schemaVersion(this.flyway.info());
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	/** Where the run runs, for the report: the JDBC URL without its parameters. */
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

}
