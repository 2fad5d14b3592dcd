package dev.ferry.restore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import javax.sql.DataSource;

import dev.ferry.config.FerryProperties;
import dev.ferry.database.DatabaseReadiness;
import dev.ferry.database.EndpointDataSources;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.restore.AuroraRestores.FerrySnapshot;
import dev.ferry.restore.AuroraRestores.Restored;
import dev.ferry.restore.AuroraRestores.Source;
import dev.ferry.secrets.AdminSecret;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.secrets.SecretReader;
import dev.ferry.snapshot.PreMigrationSnapshot;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.configuration.Configuration;
import software.amazon.awssdk.core.exception.SdkException;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * The rollback: one of Ferry's snapshots of the cluster restored into a new cluster beside production, checked
 * (its schema history must end where the snapshot says), and on request swapped in under the source's name. It
 * says what the rollback costs: the window of writes lost, and what to do next. Production is only read, until a
 * swap renames it; nothing is deleted.
 */
public record SnapshotRestore(AuroraRestores restores, EndpointDataSources dataSources,
		ObjectProvider<SecretReader> secrets, FerryProperties properties, SecretMasker masker, Clock clock) {

	/** "Flyway" in ASCII: Flyway's session advisory lock on PostgreSQL is this plus its history table's hash. */
	private static final long FLYWAY_LOCK_BASE = 0x466C79776179L;

	private static final Log logger = LogFactory.getLog(SnapshotRestore.class);

	/** The inputs of a run that restores this snapshot: what a migrate's report names for its rollback. */
	public static String inputs(String snapshotId) {
		return "FERRY_COMMAND=restore FERRY_ALLOW_RESTORE=true FERRY_RESTORE_SNAPSHOT_ID=" + snapshotId;
	}

	/**
	 * Restores, checks and (on request) swaps.
	 * @param flyway production's Flyway configuration: the history table to read, and Flyway's lock to look for
	 * @param progress told what the restore has reached after each step, so that a failure or a stop reports it
	 * @return what the restore made and what the rollback costs
	 */
	public RestoreReport restore(Configuration flyway, Consumer<RestoreReport> progress) {
		String clusterId = this.properties.snapshot().clusterId();
		if (clusterId == null) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID, "restore needs the Aurora cluster whose"
					+ " snapshot it restores: set FERRY_SNAPSHOT_CLUSTER_ID (an RDS instance's snapshots,"
					+ " FERRY_SNAPSHOT_INSTANCE_ID, are not restored by Ferry)");
		}
		FerryProperties.Restore settings = this.properties.restore();
		Instant started = this.clock.instant();
		Progress state = new Progress(clusterId, started, progress);
		try {
			FerrySnapshot snapshot = this.restores.find(clusterId, this.properties.environment(), settings.snapshotId());
			state.snapshot = snapshot;
			logger.info("Restoring snapshot " + snapshot.id() + " of cluster " + clusterId + ", taken "
					+ snapshot.created() + ": every write to " + clusterId + " after that is not in the restored"
					+ " cluster");
			if (settings.swap()) {
				// Refused before anything is made: a rollback under a running migration would lose it half-way.
				refuseWhileMigrating(flyway, clusterId);
			}
			Source source = this.restores.source(clusterId);
			state.publish();
			Restored restored = this.restores.restore(snapshot, source, this.properties.environment(),
					settings.timeout(), (made) -> {
						state.restored = made;
						state.publish();
					});
			state.restored = restored;
			state.publish();
			logger.info("Restored cluster " + restored.clusterId() + " is available at " + restored.endpoint() + ":"
					+ restored.port() + " (" + Duration.between(started, this.clock.instant()).toMillis() + " ms)");
			state.restoredVersion = restoredVersion(flyway, restored);
			String expected = snapshot.tag(PreMigrationSnapshot.SCHEMA_VERSION_TAG);
			String found = (state.restoredVersion != null) ? state.restoredVersion : PreMigrationSnapshot.NO_VERSION;
			if (expected != null && !expected.equals(found)) {
				throw new FerryException(ExitStatus.RESTORE_FAILED, "the restored cluster " + restored.clusterId()
						+ "'s schema history ends at version " + found + ", but snapshot " + snapshot.id()
						+ " was taken at version " + expected + ": it is not the database of the snapshot's time;"
						+ " nothing was swapped, production is untouched");
			}
			state.verified = expected != null;
			logger.info("The restored schema history ends at version " + found
					+ ((expected != null) ? ", where snapshot " + snapshot.id() + " says it should"
							: " (snapshot " + snapshot.id() + " records no version to compare with)"));
			state.publish();
			if (settings.swap()) {
				refuseWhileMigrating(flyway, clusterId);
				state.kept = this.restores.swap(source, restored, settings.timeout(), (step) -> {
					logger.info("Swap: " + step);
					state.swapSteps.add(step);
					state.publish();
				});
				state.swapped = true;
				state.endpoint = this.restores.endpoint(clusterId);
			}
			RestoreReport report = state.publish();
			logCost(report);
			return report;
		}
		catch (SdkException | IllegalStateException ex) {
			throw new FerryException(ExitStatus.RESTORE_FAILED, "the restore of cluster " + clusterId + " failed: "
					+ ex.getMessage() + made(state.publish()), ex);
		}
		catch (FerryException ex) {
			if (ex.status() == ExitStatus.CONFIGURATION_INVALID) {
				throw ex;
			}
			throw new FerryException(ex.status(), ex.getMessage() + made(state.publish()), ex.getCause());
		}
	}

	/** The newest applied version of the restored schema history, read by Flyway as production's settings say. */
	private String restoredVersion(Configuration flyway, Restored restored) {
		DataSource dataSource = restoredDataSource(restored);
		try {
			DatabaseReadiness.await(dataSource, this.properties.connectTimeout(), this.masker);
		}
		catch (FerryException ex) {
			throw new FerryException(ExitStatus.RESTORE_FAILED, "the restored cluster " + restored.clusterId()
					+ " did not accept connections: " + ex.getMessage(), ex);
		}
		MigrationInfo current = Flyway.configure(flyway.getClassLoader())
			.configuration(flyway)
			.dataSource(dataSource)
			.callbacks(new Callback[0])
			.load()
			.info()
			.current();
		return (current != null && current.getVersion() != null) ? current.getVersion().getVersion() : null;
	}

	/**
	 * The restored endpoint with the task's settings: with IAM authentication the snapshot's users and grants sign
	 * in as on the source; else the master user, whose password RDS now manages in a secret of the restored
	 * cluster's.
	 */
	private DataSource restoredDataSource(Restored restored) {
		DataSource base = this.dataSources.at(restored.endpoint(), restored.port());
		if (this.properties.db().iamAuth() || restored.masterUserSecret() == null) {
			return base;
		}
		AdminSecret master = AdminSecret.read(this.secrets.getObject(), this.masker, restored.masterUserSecret());
		return new DelegatingDataSource(base) {

			@Override
			public Connection getConnection() throws SQLException {
				return obtainTargetDataSource().getConnection(master.username(), master.password());
			}

		};
	}

	/**
	 * Refuses the swap while a session holds Flyway's advisory lock on the source's history table (a migration is
	 * running: Ferry's, or plain Flyway's), or another session of Ferry's holds any advisory lock there. A source that
	 * cannot be asked is refused too: the swap cannot vouch for it.
	 */
	private void refuseWhileMigrating(Configuration flyway, String clusterId) {
		List<String> holders = new ArrayList<>();
		try (Connection connection = flyway.getDataSource().getConnection()) {
			String schema = (flyway.getDefaultSchema() != null) ? flyway.getDefaultSchema()
					: (flyway.getSchemas().length > 0) ? flyway.getSchemas()[0] : currentSchema(connection);
			long key = FLYWAY_LOCK_BASE + ("\"" + schema + "\".\"" + flyway.getTable() + "\"").hashCode();
			try (PreparedStatement statement = connection.prepareStatement("SELECT l.pid, a.application_name,"
					+ " a.state FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
					+ " WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid()"
					+ " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
					+ " AND (((l.classid::bigint << 32) | l.objid::bigint) = ? OR a.application_name = 'ferry')")) {
				statement.setLong(1, key);
				try (ResultSet rows = statement.executeQuery()) {
					while (rows.next()) {
						holders.add("pid " + rows.getInt(1) + " (application '" + rows.getString(2) + "', "
								+ rows.getString(3) + ")");
					}
				}
			}
		}
		catch (SQLException ex) {
			throw new FerryException(ExitStatus.RESTORE_FAILED, "the swap is refused: whether a migration holds"
					+ " Flyway's lock on " + clusterId + " could not be checked (" + this.masker.mask(ex.getMessage())
					+ "); FERRY_DB_* must reach the source database");
		}
		if (!holders.isEmpty()) {
			throw new FerryException(ExitStatus.RESTORE_FAILED, "the swap is refused: a migration holds Flyway's lock"
					+ " on the source " + clusterId + " (" + String.join(", ", holders) + "); wait for it to end or stop"
					+ " it, then restore again");
		}
	}

	private static String currentSchema(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT current_schema()")) {
			return (row.next() && row.getString(1) != null) ? row.getString(1) : "public";
		}
	}

	private static String made(RestoreReport report) {
		if (report.restoredCluster() == null) {
			return "; nothing was made";
		}
		return "; made: cluster " + report.restoredCluster()
				+ ((report.restoredInstance() != null) ? " with instance " + report.restoredInstance() : "")
				+ " (tagged " + AuroraRestores.RESTORE_TAG + "=true; a restore of the same snapshot reuses it)"
				+ (report.swapSteps().isEmpty() ? "" : "; swap steps done: " + String.join("; ", report.swapSteps()));
	}

	private void logCost(RestoreReport report) {
		logger.info("Rollback cost: writes to " + report.sourceCluster() + " after " + report.snapshotTime() + " ("
				+ report.writesLostMinutes() + " minutes before the restore ended) are not in the restored cluster "
				+ report.restoredCluster() + " at " + report.endpoint() + "; the restore took " + report.durationMs()
				+ " ms");
		report.nextSteps().forEach((step) -> logger.info("Next: " + step));
	}

	/** What the restore has reached, told to the run's record after each step. */
	private final class Progress {

		private final String sourceCluster;

		private final Instant started;

		private final Consumer<RestoreReport> listener;

		private final List<String> swapSteps = new ArrayList<>();

		private FerrySnapshot snapshot;

		private Restored restored;

		private String restoredVersion;

		private boolean verified;

		private boolean swapped;

		private String kept;

		private String endpoint;

		Progress(String sourceCluster, Instant started, Consumer<RestoreReport> listener) {
			this.sourceCluster = sourceCluster;
			this.started = started;
			this.listener = listener;
		}

		RestoreReport publish() {
			Instant now = SnapshotRestore.this.clock.instant();
			Instant taken = (this.snapshot != null) ? this.snapshot.created() : null;
			String endpoint = (this.endpoint != null) ? this.endpoint
					: (this.restored != null) ? this.restored.endpoint() : null;
			RestoreReport report = new RestoreReport(this.sourceCluster,
					(this.snapshot != null) ? this.snapshot.id() : null, taken,
					(taken != null) ? Duration.between(taken, now).toMinutes() : null,
					(this.snapshot != null) ? this.snapshot.tag(PreMigrationSnapshot.SCHEMA_VERSION_TAG) : null,
					(this.restored != null) ? this.restored.clusterId() : null,
					(this.restored != null) ? this.restored.instanceId() : null,
					this.restored != null && this.restored.reused(), endpoint,
					(this.restored != null) ? this.restored.port() : null,
					(this.restored != null) ? this.restored.masterUserSecret() : null, this.restoredVersion,
					this.verified, this.swapped, this.kept, this.swapSteps,
					Duration.between(this.started, now).toMillis(), nextSteps(endpoint));
			this.listener.accept(report);
			return report;
		}

		private List<String> nextSteps(String endpoint) {
			if (this.restored == null || this.restored.endpoint() == null) {
				return List.of();
			}
			List<String> steps = new ArrayList<>();
			if (this.swapped) {
				steps.add("The application's endpoint " + endpoint + " now serves the restored data; the replaced"
						+ " cluster is kept as " + this.kept + " with deletion protection on: delete it yourself once"
						+ " its writes after the snapshot are no longer needed");
			}
			else if (!this.swapSteps.isEmpty()) {
				steps.add("The swap stopped half-way (" + String.join("; ", this.swapSteps) + "): finish or undo these"
						+ " renames by hand (aws rds modify-db-cluster --new-db-cluster-identifier) before anything else");
			}
			else {
				steps.add("The restored cluster " + this.restored.clusterId() + " stands beside production: point the"
						+ " application at " + this.restored.endpoint() + ", or restore again with FERRY_RESTORE_SWAP=true"
						+ " to give it the name of " + this.sourceCluster + " (it reuses this cluster)");
			}
			steps.add("Revert or fix the migrations after version " + ((this.restoredVersion != null)
					? this.restoredVersion : PreMigrationSnapshot.NO_VERSION) + " in the project before the next"
					+ " deploy, or the pipeline applies them again");
			if (this.restored.masterUserSecret() != null) {
				steps.add("The restored master user's password is managed by RDS in " + this.restored.masterUserSecret()
						+ " (point FERRY_DB_SECRET_ID at it where the task's admin secret was the source's RDS-managed"
						+ " one); every other user (the application's) has its password of the snapshot's time: where its"
						+ " secret changed since, set it again (ALTER ROLE ... PASSWORD)");
			}
			return steps;
		}

	}

}
