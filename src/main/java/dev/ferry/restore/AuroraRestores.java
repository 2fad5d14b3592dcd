package dev.ferry.restore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

import dev.ferry.aws.RdsIdentifiers;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.snapshot.PreMigrationSnapshot;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import software.amazon.awssdk.core.waiters.WaiterResponse;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBClusterMember;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.DbClusterNotFoundException;
import software.amazon.awssdk.services.rds.model.DbClusterSnapshotNotFoundException;
import software.amazon.awssdk.services.rds.model.DbInstanceNotFoundException;
import software.amazon.awssdk.services.rds.model.Tag;
import software.amazon.awssdk.services.rds.model.VpcSecurityGroupMembership;

/**
 * The RDS side of a restore: finds one of Ferry's snapshots of the cluster, restores it into a new cluster named
 * after it ({@code ferry-restore-<the snapshot's name without ferry->}) with the source's settings and a writer like
 * the source's, and swaps the names on request. Production is only described, until a swap renames it. Nothing is
 * ever deleted: a half-made cluster of a stopped restore is Ferry's (tagged with its snapshot) and the next restore
 * of that snapshot reuses it; a cluster of that name that is not Ferry's is left alone and the restore fails.
 */
public record AuroraRestores(RdsClient rds, Clock clock) {

	static final String PREFIX = "ferry-restore-";

	/** {@code true} on a cluster (and instance) a restore made. */
	public static final String RESTORE_TAG = "ferry:restore";

	/** The snapshot a restored cluster was made from: a rerun reuses only a cluster of the same snapshot. */
	public static final String SNAPSHOT_TAG = "ferry:snapshot";

	static final String SOURCE_TAG = "ferry:source-cluster";

	private static final Log logger = LogFactory.getLog(AuroraRestores.class);

	private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
		.withZone(ZoneOffset.UTC);

	/** How often the master user secret RDS makes is looked at until it is active. */
	private static final Duration SECRET_POLL = Duration.ofSeconds(5);

	/**
	 * The snapshot to restore: the one named, which must be one of Ferry's of this cluster and available; else the
	 * newest available one of Ferry's of a finished run of this environment (a run killed more than
	 * {@link PreMigrationSnapshot#IN_FLIGHT_AT_MOST} ago counts as finished, as for retention). None is exit 2.
	 */
	public FerrySnapshot find(String clusterId, String environment, String snapshotId) {
		if (snapshotId != null) {
			DBClusterSnapshot named;
			try {
				named = this.rds.describeDBClusterSnapshots((request) -> request.dbClusterSnapshotIdentifier(snapshotId))
					.dbClusterSnapshots()
					.stream()
					.findFirst()
					.orElse(null);
			}
			catch (DbClusterSnapshotNotFoundException ex) {
				named = null;
			}
			if (named == null) {
				throw refused("FERRY_RESTORE_SNAPSHOT_ID " + snapshotId + " is not a cluster snapshot RDS knows");
			}
			FerrySnapshot snapshot = ferrySnapshot(named);
			if (!clusterId.equals(named.dbClusterIdentifier())) {
				throw refused("snapshot " + snapshotId + " is of cluster " + named.dbClusterIdentifier()
						+ ", not of FERRY_SNAPSHOT_CLUSTER_ID " + clusterId);
			}
			if (!"true".equals(snapshot.tag(PreMigrationSnapshot.MANAGED_TAG))) {
				throw refused("snapshot " + snapshotId + " is not one of Ferry's (no tag "
						+ PreMigrationSnapshot.MANAGED_TAG + "=true): restore restores only the snapshots Ferry took");
			}
			if (!"available".equals(named.status())) {
				throw refused("snapshot " + snapshotId + " is " + named.status() + ", not available");
			}
			return snapshot;
		}
		Instant killedBefore = this.clock.instant().minus(PreMigrationSnapshot.IN_FLIGHT_AT_MOST);
		String environmentTag = RdsIdentifiers.tagValue(environment);
		return this.rds
			.describeDBClusterSnapshotsPaginator((request) -> request.dbClusterIdentifier(clusterId).snapshotType("manual"))
			.dbClusterSnapshots()
			.stream()
			.filter((snapshot) -> "available".equals(snapshot.status()) && snapshot.snapshotCreateTime() != null)
			.map(this::ferrySnapshot)
			.filter((snapshot) -> "true".equals(snapshot.tag(PreMigrationSnapshot.MANAGED_TAG))
					&& environmentTag.equals(snapshot.tag(PreMigrationSnapshot.ENVIRONMENT_TAG)))
			.filter((snapshot) -> PreMigrationSnapshot.FINISHED.equals(snapshot.tag(PreMigrationSnapshot.RUN_TAG))
					|| snapshot.created().isBefore(killedBefore))
			.max(Comparator.comparing(FerrySnapshot::created).thenComparing(FerrySnapshot::id))
			.orElseThrow(() -> refused("no available snapshot of Ferry's of cluster " + clusterId
					+ " for environment '" + environment + "' from a finished run: nothing to restore (name one with"
					+ " FERRY_RESTORE_SNAPSHOT_ID)"));
	}

	private FerrySnapshot ferrySnapshot(DBClusterSnapshot snapshot) {
		List<Tag> tags = (snapshot.hasTagList() && !snapshot.tagList().isEmpty()) ? snapshot.tagList()
				: this.rds.listTagsForResource((request) -> request.resourceName(snapshot.dbClusterSnapshotArn()))
					.tagList();
		return new FerrySnapshot(snapshot.dbClusterSnapshotIdentifier(), snapshot.snapshotCreateTime(), tags);
	}

	/** The source cluster as it is now, and its writer instance, whose settings the restored cluster gets. */
	public Source source(String clusterId) {
		DBCluster cluster = cluster(clusterId).orElseThrow(() -> new FerryException(ExitStatus.RESTORE_FAILED,
				"the source cluster " + clusterId + " is not there: a restore takes its settings from it"));
		DBInstance writer = cluster.dbClusterMembers()
			.stream()
			.filter((member) -> Boolean.TRUE.equals(member.isClusterWriter()))
			.findFirst()
			.flatMap((member) -> instance(member.dbInstanceIdentifier()))
			.orElse(null);
		List<String> instances = cluster.dbClusterMembers().stream().map(DBClusterMember::dbInstanceIdentifier).toList();
		return new Source(cluster, writer, instances);
	}

	/**
	 * The restored cluster of this snapshot, with a writer like the source's, available, with its master user
	 * password managed by RDS. A cluster of that name that a stopped restore of the same snapshot left is reused.
	 * @param snapshot the snapshot
	 * @param source the source cluster
	 * @param environment the environment's name, a tag
	 * @param timeout how long each wait may take
	 * @param made told each identifier as soon as it exists, so that a stop or a failure can name it
	 * @return the restored cluster
	 */
	public Restored restore(FerrySnapshot snapshot, Source source, String environment, Duration timeout,
			Consumer<Restored> made) {
		String id = restoredName(snapshot.id());
		DBCluster from = source.cluster();
		List<Tag> tags = new ArrayList<>(from.tagList()
			.stream()
			.filter((tag) -> !tag.key().startsWith("aws:") && !tag.key().startsWith("ferry:"))
			.toList());
		tags.add(tag(RESTORE_TAG, "true"));
		tags.add(tag(PreMigrationSnapshot.ENVIRONMENT_TAG, RdsIdentifiers.tagValue(environment)));
		tags.add(tag(SNAPSHOT_TAG, snapshot.id()));
		tags.add(tag(SOURCE_TAG, from.dbClusterIdentifier()));
		Optional<DBCluster> existing = cluster(id);
		boolean reused = existing.isPresent();
		if (reused) {
			if (!hasTag(existing.get().tagList(), RESTORE_TAG, "true")
					|| !hasTag(existing.get().tagList(), SNAPSHOT_TAG, snapshot.id())) {
				throw new FerryException(ExitStatus.RESTORE_FAILED, "a cluster named " + id + " exists and is not"
						+ " Ferry's restore of snapshot " + snapshot.id() + " (tags " + RESTORE_TAG + "=true, "
						+ SNAPSHOT_TAG + "): it is left alone");
			}
			logger.info("Reusing cluster " + id + ", which an earlier restore of snapshot " + snapshot.id()
					+ " made and did not finish");
		}
		else {
			logger.info("Restoring snapshot " + snapshot.id() + " of cluster " + from.dbClusterIdentifier()
					+ " into the new cluster " + id);
			this.rds.restoreDBClusterFromSnapshot((request) -> {
				request.dbClusterIdentifier(id)
					.snapshotIdentifier(snapshot.id())
					.engine(from.engine())
					.engineVersion(from.engineVersion())
					.dbSubnetGroupName(from.dbSubnetGroup())
					.vpcSecurityGroupIds(from.vpcSecurityGroups()
						.stream()
						.map(VpcSecurityGroupMembership::vpcSecurityGroupId)
						.toList())
					.port(from.port())
					.dbClusterParameterGroupName(from.dbClusterParameterGroup())
					.enableIAMDatabaseAuthentication(from.iamDatabaseAuthenticationEnabled())
					.deletionProtection(from.deletionProtection())
					.copyTagsToSnapshot(from.copyTagsToSnapshot())
					.tags(tags);
				if (from.hasEnabledCloudwatchLogsExports() && !from.enabledCloudwatchLogsExports().isEmpty()) {
					request.enableCloudwatchLogsExports(from.enabledCloudwatchLogsExports());
				}
				if (Boolean.TRUE.equals(from.storageEncrypted()) && from.kmsKeyId() != null) {
					request.kmsKeyId(from.kmsKeyId());
				}
				if (from.serverlessV2ScalingConfiguration() != null) {
					request.serverlessV2ScalingConfiguration((scaling) -> scaling
						.minCapacity(from.serverlessV2ScalingConfiguration().minCapacity())
						.maxCapacity(from.serverlessV2ScalingConfiguration().maxCapacity()));
				}
			});
		}
		made.accept(new Restored(id, null, null, null, null, reused));
		failIfNotReached(this.rds.waiter()
			.waitUntilDBClusterAvailable((request) -> request.dbClusterIdentifier(id),
					(wait) -> wait.waitTimeout(timeout)));
		Optional<DBInstance> instance = instance(id);
		if (instance.isPresent() && !id.equals(instance.get().dbClusterIdentifier())) {
			throw new FerryException(ExitStatus.RESTORE_FAILED, "an instance named " + id + " exists and is not"
					+ " the restored cluster's (it belongs to " + instance.get().dbClusterIdentifier()
					+ "): it is left alone");
		}
		if (instance.isEmpty()) {
			DBInstance writer = source.writer();
			String instanceClass = (writer != null) ? writer.dbInstanceClass()
					: (from.serverlessV2ScalingConfiguration() != null) ? "db.serverless" : null;
			if (instanceClass == null) {
				throw new FerryException(ExitStatus.RESTORE_FAILED, "the source cluster " + from.dbClusterIdentifier()
						+ " has no writer instance whose class the restored cluster " + id + " could take");
			}
			logger.info("Adding the writer instance " + id + " (" + instanceClass + ") to cluster " + id);
			this.rds.createDBInstance((request) -> {
				request.dbInstanceIdentifier(id)
					.dbClusterIdentifier(id)
					.engine(from.engine())
					.dbInstanceClass(instanceClass)
					.tags(tags);
				if (writer != null) {
					request.publiclyAccessible(writer.publiclyAccessible());
					if (writer.hasDbParameterGroups() && !writer.dbParameterGroups().isEmpty()) {
						request.dbParameterGroupName(writer.dbParameterGroups().get(0).dbParameterGroupName());
					}
				}
			});
		}
		made.accept(new Restored(id, id, null, null, null, reused));
		failIfNotReached(this.rds.waiter()
			.waitUntilDBInstanceAvailable((request) -> request.dbInstanceIdentifier(id),
					(wait) -> wait.waitTimeout(timeout)));
		DBCluster restored = cluster(id).orElseThrow();
		if (restored.masterUserSecret() == null) {
			// The restored master user has the password of the snapshot's time, which the task need not know (an
			// RDS-managed secret of the source's may have rotated since): RDS sets a new one, in a secret of its own.
			logger.info("Turning on RDS management of the master user password of cluster " + id);
			this.rds.modifyDBCluster((request) -> request.dbClusterIdentifier(id)
				.manageMasterUserPassword(true)
				.applyImmediately(true));
			failIfNotReached(this.rds.waiter()
				.waitUntilDBClusterAvailable((request) -> request.dbClusterIdentifier(id),
						(wait) -> wait.waitTimeout(timeout)));
			restored = awaitActiveSecret(id, timeout);
		}
		return new Restored(id, id, restored.endpoint(), restored.port(), restored.masterUserSecret().secretArn(),
				reused);
	}

	private DBCluster awaitActiveSecret(String id, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			DBCluster cluster = cluster(id).orElseThrow();
			if (cluster.masterUserSecret() != null && "active".equals(cluster.masterUserSecret().secretStatus())) {
				return cluster;
			}
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("the master user secret of cluster " + id + " did not become active"
						+ " within FERRY_RESTORE_TIMEOUT " + timeout);
			}
			try {
				Thread.sleep(SECRET_POLL.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("interrupted while waiting for the master user secret of " + id);
			}
		}
	}

	/**
	 * Swaps the names: the source cluster and its instances get kept names ({@code <name>-replaced-<yyyyMMdd-HHmmss>})
	 * and deletion protection, then the restored cluster takes the source's name and its instance the source writer's,
	 * each rename waited for before the next.
	 * @param source the source as it was described before the restore
	 * @param restored the restored cluster
	 * @param timeout how long each wait may take
	 * @param step told each rename once it is done
	 * @return the source's kept name
	 */
	public String swap(Source source, Restored restored, Duration timeout, Consumer<String> step) {
		String sourceId = source.cluster().dbClusterIdentifier();
		String stamp = "replaced-" + STAMP.format(this.clock.instant());
		String kept = keptName(sourceId, stamp);
		this.rds.modifyDBCluster((request) -> request.dbClusterIdentifier(sourceId)
			.newDBClusterIdentifier(kept)
			.deletionProtection(true)
			.applyImmediately(true));
		awaitCluster(kept, timeout);
		step.accept("renamed cluster " + sourceId + " to " + kept + " (deletion protection on)");
		for (String instance : source.instances()) {
			String keptInstance = keptName(instance, stamp);
			this.rds.modifyDBInstance((request) -> request.dbInstanceIdentifier(instance)
				.newDBInstanceIdentifier(keptInstance)
				.applyImmediately(true));
			awaitInstance(keptInstance, timeout);
			step.accept("renamed instance " + instance + " to " + keptInstance);
		}
		this.rds.modifyDBCluster((request) -> request.dbClusterIdentifier(restored.clusterId())
			.newDBClusterIdentifier(sourceId)
			.applyImmediately(true));
		awaitCluster(sourceId, timeout);
		step.accept("renamed cluster " + restored.clusterId() + " to " + sourceId);
		if (source.writer() != null) {
			String writer = source.writer().dbInstanceIdentifier();
			this.rds.modifyDBInstance((request) -> request.dbInstanceIdentifier(restored.instanceId())
				.newDBInstanceIdentifier(writer)
				.applyImmediately(true));
			awaitInstance(writer, timeout);
			step.accept("renamed instance " + restored.instanceId() + " to " + writer);
		}
		return kept;
	}

	/** The writer endpoint a cluster has now. */
	public String endpoint(String clusterId) {
		return cluster(clusterId).map(DBCluster::endpoint).orElse(null);
	}

	private void awaitCluster(String id, Duration timeout) {
		failIfNotReached(this.rds.waiter()
			.waitUntilDBClusterAvailable((request) -> request.dbClusterIdentifier(id),
					(wait) -> wait.waitTimeout(timeout)));
	}

	private void awaitInstance(String id, Duration timeout) {
		failIfNotReached(this.rds.waiter()
			.waitUntilDBInstanceAvailable((request) -> request.dbInstanceIdentifier(id),
					(wait) -> wait.waitTimeout(timeout)));
	}

	/**
	 * The restored cluster's name: the snapshot's, so that a rerun of the same restore finds it; a snapshot's name
	 * too long for the prefix is cut and keeps a hash of the whole.
	 */
	static String restoredName(String snapshotId) {
		String base = snapshotId.startsWith("ferry-") ? snapshotId.substring("ferry-".length()) : snapshotId;
		String name = PREFIX + RdsIdentifiers.slug(base, RdsIdentifiers.MAX_LENGTH);
		if (name.length() <= RdsIdentifiers.MAX_LENGTH) {
			return name;
		}
		String hash = String.format(Locale.ROOT, "%04x", snapshotId.hashCode() & 0xffff);
		return PREFIX + RdsIdentifiers.slug(base, RdsIdentifiers.MAX_LENGTH - PREFIX.length() - hash.length() - 1)
				+ "-" + hash;
	}

	/** {@code <name>-<suffix>}, the name cut so that the whole is an identifier RDS takes. */
	static String keptName(String name, String suffix) {
		String head = RdsIdentifiers.slug(name, RdsIdentifiers.MAX_LENGTH - suffix.length() - 1);
		return head + "-" + suffix;
	}

	private Optional<DBCluster> cluster(String id) {
		try {
			return this.rds.describeDBClusters((request) -> request.dbClusterIdentifier(id))
				.dbClusters()
				.stream()
				.findFirst();
		}
		catch (DbClusterNotFoundException ex) {
			return Optional.empty();
		}
	}

	private Optional<DBInstance> instance(String id) {
		try {
			return this.rds.describeDBInstances((request) -> request.dbInstanceIdentifier(id))
				.dbInstances()
				.stream()
				.findFirst();
		}
		catch (DbInstanceNotFoundException ex) {
			return Optional.empty();
		}
	}

	private static FerryException refused(String message) {
		return new FerryException(ExitStatus.CONFIGURATION_INVALID, message);
	}

	private static boolean hasTag(List<Tag> tags, String key, String value) {
		return tags.stream().anyMatch((tag) -> key.equals(tag.key()) && value.equals(tag.value()));
	}

	private static void failIfNotReached(WaiterResponse<?> waited) {
		waited.matched().exception().ifPresent((ex) -> {
			throw new IllegalStateException(ex.getMessage(), ex);
		});
	}

	private static Tag tag(String key, String value) {
		return Tag.builder().key(key).value(value).build();
	}

	/**
	 * One of the cluster's snapshots, with its tags.
	 *
	 * @param id its identifier
	 * @param created when it was taken
	 * @param tags its tags
	 */
	public record FerrySnapshot(String id, Instant created, List<Tag> tags) {

		public String tag(String key) {
			return this.tags.stream().filter((tag) -> key.equals(tag.key())).map(Tag::value).findFirst().orElse(null);
		}

	}

	/**
	 * The source cluster.
	 *
	 * @param cluster as described
	 * @param writer its writer instance, if it has one
	 * @param instances all its instances' identifiers
	 */
	public record Source(DBCluster cluster, DBInstance writer, List<String> instances) {

	}

	/**
	 * The restored cluster, as far as it is made.
	 *
	 * @param clusterId its identifier
	 * @param instanceId its writer's identifier, once requested
	 * @param endpoint its writer endpoint, once available
	 * @param port its port
	 * @param masterUserSecret the ARN of its RDS-managed master user secret
	 * @param reused whether a stopped restore of the same snapshot had made it
	 */
	public record Restored(String clusterId, String instanceId, String endpoint, Integer port, String masterUserSecret,
			boolean reused) {

	}

}
