package dev.ferry.snapshot;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import dev.ferry.aws.RdsIdentifiers;
import dev.ferry.config.FerryProperties;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.waiters.WaiterResponse;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.Tag;

import org.springframework.beans.factory.DisposableBean;

/**
 * The fail-safe rollback: an Aurora cluster (or RDS instance) snapshot taken just before anything is applied,
 * waited for until it is available, tagged as Ferry's and as its run's, in flight until the run ends. Ferry keeps
 * the newest {@code FERRY_SNAPSHOT_RETAIN} of its finished runs' snapshots and deletes the older ones; a snapshot
 * whose run is in flight (another runner's, started at the same time) is never deleted, and automated and other
 * manual snapshots are never touched.
 */
public class PreMigrationSnapshot implements DisposableBean {

	/** {@code true} on every snapshot of Ferry's: retention and {@code restore} touch no other. */
	public static final String MANAGED_TAG = "ferry:managed";

	/** The environment's name, as a tag value. */
	public static final String ENVIRONMENT_TAG = "ferry:environment";

	/** {@value #IN_FLIGHT} from the snapshot until its run ends, however it ends; then {@value #FINISHED}. */
	public static final String RUN_TAG = "ferry:run";

	public static final String IN_FLIGHT = "in-flight";

	public static final String FINISHED = "finished";

	/**
	 * The schema's version when the snapshot was taken (the newest applied versioned migration, {@value #NO_VERSION}
	 * where none was): where a restore's schema history must end.
	 */
	public static final String SCHEMA_VERSION_TAG = "ferry:schema-version";

	public static final String NO_VERSION = "none";

	/**
	 * How long a snapshot can be in flight: a run that is still marked so after this was killed (kill -9, a lost
	 * host) before it could say it ended, and its snapshot counts as a finished run's.
	 */
	public static final Duration IN_FLIGHT_AT_MOST = Duration.ofDays(1);

	private static final Log logger = LogFactory.getLog(PreMigrationSnapshot.class);

	private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

	private static final SecureRandom RANDOM = new SecureRandom();

	private final RdsClient rds;

	private final FerryProperties.Snapshot settings;

	private final String environment;

	private final Clock clock;

	/** The ARN of the snapshot this run took, once RDS has it. */
	private volatile String taken;

	public PreMigrationSnapshot(RdsClient rds, FerryProperties properties, Clock clock) {
		this.rds = rds;
		this.settings = properties.snapshot();
		this.environment = properties.environment();
		this.clock = clock;
	}

	/**
	 * Takes the snapshot and waits for it. Any failure is exit 8: nothing may be applied without it.
	 * @param targetVersion the schema version the run migrates to
	 * @param schemaVersion the schema version now, before anything is applied; null where none is applied
	 * @return the snapshot's identifier
	 */
	public String take(String targetVersion, String schemaVersion) {
		String id = identifier(targetVersion);
		List<Tag> tags = List.of(tag(MANAGED_TAG, "true"),
				tag(ENVIRONMENT_TAG, RdsIdentifiers.tagValue(this.environment)),
				tag("ferry:target-version", (targetVersion != null) ? RdsIdentifiers.tagValue(targetVersion) : NO_VERSION),
				tag(SCHEMA_VERSION_TAG, (schemaVersion != null) ? RdsIdentifiers.tagValue(schemaVersion) : NO_VERSION),
				tag(RUN_TAG, IN_FLIGHT));
		long started = System.nanoTime();
		try {
			if (this.settings.clusterId() != null) {
				this.taken = this.rds
					.createDBClusterSnapshot((request) -> request.dbClusterIdentifier(this.settings.clusterId())
						.dbClusterSnapshotIdentifier(id)
						.tags(tags))
					.dbClusterSnapshot()
					.dbClusterSnapshotArn();
				failIfNotAvailable(this.rds.waiter()
					.waitUntilDBClusterSnapshotAvailable((request) -> request.dbClusterSnapshotIdentifier(id),
							(wait) -> wait.waitTimeout(this.settings.timeout())));
			}
			else {
				this.taken = this.rds
					.createDBSnapshot((request) -> request.dbInstanceIdentifier(this.settings.instanceId())
						.dbSnapshotIdentifier(id)
						.tags(tags))
					.dbSnapshot()
					.dbSnapshotArn();
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

	/**
	 * The run has ended, whichever way (the context closes on every exit path but kill -9): its snapshot is a
	 * finished run's from now on, which retention counts.
	 */
	@Override
	public void destroy() {
		String arn = this.taken;
		if (arn == null) {
			return;
		}
		// A SIGTERM interrupts the run's thread, and the SDK gives up on an interrupted thread.
		boolean interrupted = Thread.interrupted();
		try {
			this.rds.addTagsToResource((request) -> request.resourceName(arn).tags(tag(RUN_TAG, FINISHED)));
		}
		catch (SdkException ex) {
			logger.warn("Could not mark snapshot " + arn + " as its run's end; retention counts it as finished "
					+ IN_FLIGHT_AT_MOST.toHours() + " hours after it was taken: " + ex.getMessage());
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/**
	 * Deletes Ferry's own snapshots of the target that are finished runs' beyond the newest {@code retain} of them,
	 * and Ferry's failed ones (never a rollback point). One in flight, or in any other state, is left alone.
	 */
	void prune(String justTaken) {
		try {
			Instant killedBefore = this.clock.instant().minus(IN_FLIGHT_AT_MOST);
			int kept = 0;
			for (Owned snapshot : ours()) {
				if (snapshot.id().equals(justTaken)) {
					continue;
				}
				boolean inFlight = IN_FLIGHT.equals(snapshot.run()) && snapshot.created() != null
						&& snapshot.created().isAfter(killedBefore);
				boolean doomed = "failed".equals(snapshot.status());
				if (!doomed && "available".equals(snapshot.status())) {
					if (inFlight) {
						logger.info("Kept snapshot " + snapshot.id() + ": its run is still in flight");
					}
					else if (kept < this.settings.retain()) {
						kept++;
					}
					else {
						doomed = true;
					}
				}
				if (doomed) {
					delete(snapshot);
				}
			}
		}
		catch (SdkException ex) {
			// The new snapshot exists, which is what safety needs; a pile of old ones is a cost, not a risk.
			logger.warn("Could not prune Ferry's older snapshots of " + target() + ": " + ex.getMessage());
		}
	}

	private void delete(Owned snapshot) {
		if (this.settings.clusterId() != null) {
			this.rds.deleteDBClusterSnapshot((request) -> request.dbClusterSnapshotIdentifier(snapshot.id()));
		}
		else {
			this.rds.deleteDBSnapshot((request) -> request.dbSnapshotIdentifier(snapshot.id()));
		}
		logger.info("Deleted " + ("failed".equals(snapshot.status()) ? "failed" : "older") + " snapshot "
				+ snapshot.id() + " (FERRY_SNAPSHOT_RETAIN=" + this.settings.retain() + ")");
	}

	/** Ferry's manual snapshots of the target, newest first. */
	private List<Owned> ours() {
		Stream<Owned> all = (this.settings.clusterId() != null) ? this.rds
			.describeDBClusterSnapshotsPaginator((request) -> request.dbClusterIdentifier(this.settings.clusterId())
				.snapshotType("manual"))
			.dbClusterSnapshots()
			.stream()
			.map((s) -> new Owned(s.dbClusterSnapshotIdentifier(), s.status(), s.snapshotCreateTime(),
					tags(s.dbClusterSnapshotArn(), s.tagList())))
				: this.rds
					.describeDBSnapshotsPaginator((request) -> request.dbInstanceIdentifier(this.settings.instanceId())
						.snapshotType("manual"))
					.dbSnapshots()
					.stream()
					.map((s) -> new Owned(s.dbSnapshotIdentifier(), s.status(), s.snapshotCreateTime(),
							tags(s.dbSnapshotArn(), s.tagList())));
		return all.filter((snapshot) -> "true".equals(snapshot.tag(MANAGED_TAG)))
			.sorted(Comparator.comparing(Owned::created, Comparator.nullsLast(Comparator.reverseOrder()))
				.thenComparing(Owned::id, Comparator.reverseOrder()))
			.toList();
	}

	private List<Tag> tags(String arn, List<Tag> listed) {
		return (listed != null && !listed.isEmpty()) ? listed
				: this.rds.listTagsForResource((request) -> request.resourceName(arn)).tagList();
	}

	String identifier(String targetVersion) {
		// The stamp and the version say which snapshot this is, the 4 hex digits keep two runners that start in the
		// same second apart; the environment's part is cut where the name is long.
		String stamp = STAMP.format(this.clock.instant()) + "-"
				+ Integer.toHexString(0x1000 + RANDOM.nextInt(0xf000));
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

	/** One of Ferry's snapshots, cluster or instance, as retention sees it. */
	private record Owned(String id, String status, Instant created, List<Tag> tags) {

		String tag(String key) {
			return this.tags.stream().filter((tag) -> key.equals(tag.key())).map(Tag::value).findFirst().orElse(null);
		}

		String run() {
			return tag(RUN_TAG);
		}

	}

}
