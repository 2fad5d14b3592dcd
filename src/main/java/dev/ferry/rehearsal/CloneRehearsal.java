package dev.ferry.rehearsal;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.ferry.config.FerryProperties;
import dev.ferry.database.DatabaseReadiness;
import dev.ferry.database.EndpointDataSources;
import dev.ferry.failure.CauseChain;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.rehearsal.AuroraClones.AuroraClone;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.session.HeldLock;
import dev.ferry.session.LockSampler;
import dev.ferry.session.RehearsedMigration;
import dev.ferry.session.SessionWatcher;
import dev.ferry.stop.GracefulStop;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.configuration.Configuration;

/**
 * The rehearsal: production's pending migrations run first on a copy-on-write clone of the production cluster,
 * with production's data and production's settings, while Ferry watches the locks they take. It passes when every
 * migration succeeded and none held a lock that blocks writes longer than the budget. Whatever happens, the clone
 * is deleted.
 */
public record CloneRehearsal(AuroraClones clones, EndpointDataSources dataSources, FerryProperties properties,
		SecretMasker masker, GracefulStop stop, SessionWatcher session) {

	private static final Log logger = LogFactory.getLog(CloneRehearsal.class);

	/**
	 * Deletes the clones a killed rehearsal of this environment left behind, older than the rehearsal timeout. Every
	 * run that rehearses does this first, whether or not it has anything to rehearse, so that a leftover is not
	 * billed until the next deploy with migrations.
	 */
	public void deleteLeftovers() {
		source();
		try {
			this.clones.deleteLeftovers(this.properties.environment(), this.properties.rehearsal().timeout());
		}
		catch (RuntimeException ex) {
			logger.warn("Could not look for leftover rehearsal clones: " + ex.getMessage());
		}
	}

	/**
	 * Rehearses the pending migrations of this configuration on a new clone.
	 * @param production production's Flyway configuration, whose settings the rehearsal uses
	 * @param callbacks the callbacks to run on the clone too (the session watcher, which cancels and samples the
	 * locks, index clean-up), not the ones that record production's progress
	 * @param pendingScripts the scripts production would run: the clone must run each of them
	 * @return what the rehearsal found, passed or not
	 */
	public RehearsalReport rehearse(Configuration production, List<Callback> callbacks, List<String> pendingScripts) {
		String source = source();
		FerryProperties.Rehearsal settings = this.properties.rehearsal();
		long started = System.nanoTime();
		AuroraClone clone = this.clones.create(source, this.properties.environment(), settings.instanceClass(),
				settings.timeout());
		logger.info("Rehearsal clone " + clone.clusterId() + " is available at " + clone.endpoint() + ":"
				+ clone.port() + " (" + (System.nanoTime() - started) / 1_000_000 + " ms)");
		LockSampler locks = this.session.sampleLocks();
		String failure = null;
		boolean deleted = false;
		try {
			Flyway flyway = onClone(production, callbacks, clone);
			try {
				flyway.migrate();
			}
			catch (FlywayException ex) {
				failure = describe(ex);
			}
		}
		finally {
			locks.close();
			logMigrations(locks.migrations());
			deleted = this.clones.delete(clone, !this.stop.requested());
		}
		if (failure == null && locks.blind() != null) {
			failure = "the locks could not be watched on the clone (" + locks.blind() + "), so the rehearsal cannot"
					+ " vouch for FERRY_REHEARSAL_LOCK_BUDGET";
		}
		if (failure == null) {
			failure = notRehearsed(locks.migrations(), pendingScripts);
		}
		RehearsalReport report = judge(source, clone, locks.migrations(), failure, deleted);
		logVerdict(report);
		return report;
	}

	private String source() {
		String source = this.properties.rehearsalClusterId();
		if (source == null) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID, "FERRY_REHEARSE=clone needs the Aurora cluster to"
					+ " clone: set FERRY_REHEARSAL_CLUSTER_ID (or FERRY_SNAPSHOT_CLUSTER_ID)");
		}
		return source;
	}

	/**
	 * A clone is made from the latest restorable time, which can be minutes behind production: a migration production
	 * would run that the clone did not (another runner's, applied meanwhile) has not been rehearsed.
	 */
	private static String notRehearsed(List<RehearsedMigration> rehearsed, List<String> pendingScripts) {
		List<String> missing = pendingScripts.stream()
			.filter((script) -> rehearsed.stream().noneMatch((m) -> m.succeeded() && m.script().equals(script)))
			.toList();
		return missing.isEmpty() ? null
				: "the clone did not run " + String.join(", ", missing) + ", which production would run; its history"
						+ " differs from production's (a clone is made from the latest restorable time)";
	}

	private Flyway onClone(Configuration production, List<Callback> callbacks, AuroraClone clone) {
		DataSource dataSource = this.dataSources.at(clone.endpoint(), clone.port());
		try {
			DatabaseReadiness.await(dataSource, this.properties.connectTimeout(), this.masker);
		}
		catch (FerryException ex) {
			throw new FerryException(ExitStatus.REHEARSAL_CLONE_FAILED, "the rehearsal clone " + clone.clusterId()
					+ " did not accept connections, production was not touched: " + ex.getMessage(), ex);
		}
		List<Callback> onClone = new ArrayList<>(callbacks);
		if (!onClone.contains(this.session)) {
			// The watcher samples the locks: without it the rehearsal would vouch for nothing.
			onClone.add(this.session);
		}
		return Flyway.configure(production.getClassLoader())
			.configuration(production)
			.dataSource(dataSource)
			.callbacks(onClone.toArray(Callback[]::new))
			.load();
	}

	private RehearsalReport judge(String source, AuroraClone clone, List<RehearsedMigration> migrations,
			String failure, boolean deleted) {
		long budget = this.properties.rehearsal().lockBudget().toMillis();
		long blocking = migrations.stream().mapToLong(RehearsedMigration::blockingMs).sum();
		String verdict;
		if (failure != null) {
			RehearsedMigration failed = migrations.isEmpty() ? null : migrations.get(migrations.size() - 1);
			verdict = ((failed != null && !failed.succeeded()) ? failed.label() + " failed on the clone: "
					: "the rehearsal failed: ") + failure;
		}
		else {
			verdict = overBudget(migrations, budget);
		}
		boolean passed = verdict == null;
		if (passed) {
			verdict = "rehearsed " + migrations.size() + " migration" + ((migrations.size() == 1) ? "" : "s")
					+ " on a clone of production: every one succeeded, writes blocked " + blocking
					+ " ms in all, no lock over the budget of " + budget + " ms";
		}
		return new RehearsalReport(clone.clusterId(), source, passed, budget, blocking, migrations, verdict, deleted);
	}

	private static String overBudget(List<RehearsedMigration> migrations, long budget) {
		for (RehearsedMigration migration : migrations) {
			for (HeldLock lock : migration.locks()) {
				if (lock.blocksWrites() && lock.heldMs() > budget) {
					return migration.label() + " held " + lock.mode() + " on " + lock.relation() + " for "
							+ lock.heldMs() + " ms on the clone, over FERRY_REHEARSAL_LOCK_BUDGET (" + budget
							+ " ms): production's writes to it would wait that long";
				}
			}
		}
		return null;
	}

	private void logMigrations(List<RehearsedMigration> migrations) {
		for (RehearsedMigration migration : migrations) {
			StringBuilder line = new StringBuilder("Rehearsed ").append(migration.label())
				.append(migration.succeeded() ? " in " : ", failed after ")
				.append(migration.durationMs())
				.append(" ms");
			for (HeldLock lock : migration.locks()) {
				line.append("; ").append(lock.mode()).append(" on ").append(lock.relation()).append(" for ")
					.append(lock.heldMs()).append(" ms");
			}
			logger.info(this.masker.mask(line.toString()));
		}
	}

	private void logVerdict(RehearsalReport report) {
		String verdict = this.masker.mask("Rehearsal " + (report.passed() ? "passed" : "failed") + ": "
				+ report.verdict());
		if (report.passed()) {
			logger.info(verdict);
		}
		else {
			logger.error(verdict);
		}
	}

	/** The database's own error where there is one: Flyway's first line only names the script. */
	private String describe(FlywayException ex) {
		SQLException sql = CauseChain.find(ex, SQLException.class, (candidate) -> candidate.getSQLState() != null);
		String text = (sql != null) ? firstLine(sql.getMessage()) + " (SQLSTATE " + sql.getSQLState() + ")"
				: firstLine(ex.getMessage());
		return this.masker.mask(text);
	}

	private static String firstLine(String message) {
		if (message == null) {
			return "unknown error";
		}
		String trimmed = message.strip();
		int end = trimmed.indexOf('\n');
		return (end >= 0) ? trimmed.substring(0, end) : trimmed;
	}

}
