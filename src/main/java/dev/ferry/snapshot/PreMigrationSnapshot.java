package dev.ferry.snapshot;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;

import dev.ferry.aws.RdsIdentifiers;
import dev.ferry.config.FerryProperties;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.waiters.WaiterResponse;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DBSnapshot;
import software.amazon.awssdk.services.rds.model.Tag;

/**
 * The fail-safe rollback: an Aurora cluster (or RDS instance) snapshot taken just before anything is applied,
 * waited for until it is available, tagged as Ferry's. Ferry keeps the newest of its own snapshots and deletes the
 * older ones; automated and other manual snapshots are never touched.
 */
public class PreMigrationSnapshot {

	static final String MANAGED_TAG = "ferry:managed";

	private static final Log logger = LogFactory.getLog(PreMigrationSnapshot.class);

	private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

	private final RdsClient rds;

	private final FerryProperties.Snapshot settings;

	private final String environment;

	private final Clock clock;

	public PreMigrationSnapshot(RdsClient rds, FerryProperties properties, Clock clock) {
		this.rds = rds;
		this.settings = properties.snapshot();
		this.environment = properties.environment();
		this.clock = clock;
	}

	/**
	 * Takes the snapshot and waits for it. Any failure is exit 8: nothing may be applied without it.
	 * @param targetVersion the schema version the run migrates to
	 * @return the snapshot's identifier
	 */
	public String take(String targetVersion) {
		String id = identifier(targetVersion);
		List<Tag> tags = List.of(tag(MANAGED_TAG, "true"), tag("ferry:environment", this.environment),
				tag("ferry:target-version", (targetVersion != null) ? targetVersion : "none"));
		long started = System.nanoTime();
		try {
			if (this.settings.clusterId() != null) {
				this.rds.createDBClusterSnapshot((request) -> request.dbClusterIdentifier(this.settings.clusterId())
					.dbClusterSnapshotIdentifier(id)
					.tags(tags));
				failIfNotAvailable(this.rds.waiter()
					.waitUntilDBClusterSnapshotAvailable((request) -> request.dbClusterSnapshotIdentifier(id),
							(wait) -> wait.waitTimeout(this.settings.timeout())));
			}
			else {
				this.rds.createDBSnapshot((request) -> request.dbInstanceIdentifier(this.settings.instanceId())
					.dbSnapshotIdentifier(id)
					.tags(tags));
				failIfNotAvailable(this.rds.waiter()
					.waitUntilDBSnapshotAvailable((request) -> request.dbSnapshotIdentifier(id),
							(wait) -> wait.waitTimeout(this.settings.timeout())));
			}
		}
		catch (SdkException | IllegalStateException ex) {
			throw new FerryException(ExitStatus.SNAPSHOT_FAILED, "snapshot " + id + " of " + target()
					+ " failed, nothing was applied: " + ex.getMessage());
		}
		logger.info("Snapshot " + id + " of " + target() + " is available ("
				+ (System.nanoTime() - started) / 1_000_000 + " ms)");
		prune(id);
		return id;
	}

	private static void failIfNotAvailable(WaiterResponse<?> waited) {
		waited.matched().exception().ifPresent((ex) -> {
			throw new IllegalStateException(ex.getMessage(), ex);
		});
	}

	/** Deletes Ferry's own snapshots of the target beyond the newest {@code retain}. */
	void prune(String justTaken) {
		try {
			List<String> doomed = (this.settings.clusterId() != null) ? doomedClusterSnapshots(justTaken)
					: doomedInstanceSnapshots(justTaken);
			for (String id : doomed) {
				if (this.settings.clusterId() != null) {
					this.rds.deleteDBClusterSnapshot((request) -> request.dbClusterSnapshotIdentifier(id));
				}
				else {
					this.rds.deleteDBSnapshot((request) -> request.dbSnapshotIdentifier(id));
				}
				logger.info("Deleted older snapshot " + id + " (FERRY_SNAPSHOT_RETAIN=" + this.settings.retain() + ")");
			}
		}
		catch (SdkException ex) {
			// The new snapshot exists, which is what safety needs; a pile of old ones is a cost, not a risk.
			logger.warn("Could not prune Ferry's older snapshots of " + target() + ": " + ex.getMessage());
		}
	}

	private List<String> doomedClusterSnapshots(String justTaken) {
		List<DBClusterSnapshot> ours = this.rds
			.describeDBClusterSnapshotsPaginator((request) -> request.dbClusterIdentifier(this.settings.clusterId())
				.snapshotType("manual"))
			.dbClusterSnapshots()
			.stream()
			.filter((snapshot) -> isFerrys(snapshot.dbClusterSnapshotArn(), snapshot.tagList()))
			.sorted(Comparator.comparing(DBClusterSnapshot::snapshotCreateTime,
					Comparator.nullsLast(Comparator.reverseOrder()))
				.thenComparing(DBClusterSnapshot::dbClusterSnapshotIdentifier, Comparator.reverseOrder()))
			.toList();
		return beyondRetention(ours.stream().map(DBClusterSnapshot::dbClusterSnapshotIdentifier).toList(), justTaken);
	}

	private List<String> doomedInstanceSnapshots(String justTaken) {
		List<DBSnapshot> ours = this.rds
			.describeDBSnapshotsPaginator((request) -> request.dbInstanceIdentifier(this.settings.instanceId())
				.snapshotType("manual"))
			.dbSnapshots()
			.stream()
			.filter((snapshot) -> isFerrys(snapshot.dbSnapshotArn(), snapshot.tagList()))
			.sorted(Comparator.comparing(DBSnapshot::snapshotCreateTime, Comparator.nullsLast(Comparator.reverseOrder()))
				.thenComparing(DBSnapshot::dbSnapshotIdentifier, Comparator.reverseOrder()))
			.toList();
		return beyondRetention(ours.stream().map(DBSnapshot::dbSnapshotIdentifier).toList(), justTaken);
	}

	private List<String> beyondRetention(List<String> newestFirst, String justTaken) {
		int keep = Math.max(1, this.settings.retain());
		return newestFirst.stream().skip(keep).filter((id) -> !id.equals(justTaken)).toList();
	}

	private boolean isFerrys(String arn, List<Tag> tags) {
		List<Tag> known = (tags != null && !tags.isEmpty()) ? tags
				: this.rds.listTagsForResource((request) -> request.resourceName(arn)).tagList();
		return known.stream().anyMatch((tag) -> MANAGED_TAG.equals(tag.key()) && "true".equals(tag.value()));
	}

	String identifier(String targetVersion) {
		// The stamp and the version say which snapshot this is; the environment's part is cut where the name is long.
		String stamp = STAMP.format(this.clock.instant());
		String version = (targetVersion != null) ? "-v" + RdsIdentifiers.slug(targetVersion, 24) : "";
		return RdsIdentifiers.named("ferry", this.environment, stamp + version);
	}

	private String target() {
		return (this.settings.clusterId() != null) ? "cluster " + this.settings.clusterId()
				: "instance " + this.settings.instanceId();
	}

	private static Tag tag(String key, String value) {
		return Tag.builder().key(key).value(value).build();
	}

}
