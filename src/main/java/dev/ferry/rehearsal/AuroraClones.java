package dev.ferry.rehearsal;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import dev.ferry.aws.RdsIdentifiers;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.waiters.WaiterResponse;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DbClusterNotFoundException;
import software.amazon.awssdk.services.rds.model.DbInstanceNotFoundException;
import software.amazon.awssdk.services.rds.model.InvalidDbClusterStateException;
import software.amazon.awssdk.services.rds.model.Tag;
import software.amazon.awssdk.services.rds.model.VpcSecurityGroupMembership;

/**
 * Ferry's copy-on-write clones of an Aurora cluster: made from the cluster's latest restorable time in its own
 * subnet group and security groups, with one instance, named {@code ferry-rehearsal-<environment>-<timestamp>-<4 hex>}
 * and tagged, so that the IAM policy can scope every call to them and a leftover can be found and deleted. While this
 * run uses a clone, it renews the clone's lease ({@link CloneLeases}), which tells other runs it is not a leftover.
 */
public record AuroraClones(RdsClient rds, Clock clock, CloneLeases leases) {

	public AuroraClones(RdsClient rds, Clock clock) {
		this(rds, clock, new CloneLeases(rds, clock));
	}

	static final String PREFIX = "ferry-rehearsal";

	/** A clone's name ends {@code -<yyyyMMdd-HHmmss>-<4 hex>}. */
	private static final int SUFFIX_LENGTH = "-yyyyMMdd-HHmmss-ffff".length();

	static final String REHEARSAL_TAG = "ferry:rehearsal";

	static final String ENVIRONMENT_TAG = "ferry:environment";

	private static final Log logger = LogFactory.getLog(AuroraClones.class);

	private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
		.withZone(ZoneOffset.UTC);

	private static final SecureRandom RANDOM = new SecureRandom();

	/**
	 * Makes the clone and its instance and waits until both are available.
	 * @param sourceClusterId the cluster to clone
	 * @param environment the environment's name, part of the clone's name and tags
	 * @param instanceClass the instance class of the clone's one instance
	 * @param timeout how long to wait for it, and the length of the clone's lease
	 * @return the clone, once it accepts connections
	 */
	public AuroraClone create(String sourceClusterId, String environment, String instanceClass, Duration timeout) {
		String id = identifier(environment);
		boolean made = false;
		try {
			DBCluster source = this.rds.describeDBClusters((request) -> request.dbClusterIdentifier(sourceClusterId))
				.dbClusters()
				.get(0);
			List<Tag> tags = List.of(tag(REHEARSAL_TAG, "true"),
					tag(ENVIRONMENT_TAG, RdsIdentifiers.tagValue(environment)),
					tag("ferry:source-cluster", sourceClusterId));
			Instant leaseUntil = this.clock.instant().plus(timeout);
			List<Tag> clusterTags = new ArrayList<>(tags);
			clusterTags.add(CloneLeases.leaseTag(leaseUntil));
			logger.info("Cloning cluster " + sourceClusterId + " (copy-on-write, latest restorable time) as " + id);
			this.rds.restoreDBClusterToPointInTime((request) -> {
				request.dbClusterIdentifier(id)
					.sourceDBClusterIdentifier(sourceClusterId)
					.restoreType("copy-on-write")
					.useLatestRestorableTime(true)
					.dbSubnetGroupName(source.dbSubnetGroup())
					.vpcSecurityGroupIds(source.vpcSecurityGroups()
						.stream()
						.map(VpcSecurityGroupMembership::vpcSecurityGroupId)
						.toList())
					.port(source.port())
					.dbClusterParameterGroupName(source.dbClusterParameterGroup())
					.enableIAMDatabaseAuthentication(source.iamDatabaseAuthenticationEnabled())
					.deletionProtection(false)
					.copyTagsToSnapshot(false)
					.tags(clusterTags);
				if (source.serverlessV2ScalingConfiguration() != null) {
					request.serverlessV2ScalingConfiguration((scaling) -> scaling
						.minCapacity(source.serverlessV2ScalingConfiguration().minCapacity())
						.maxCapacity(source.serverlessV2ScalingConfiguration().maxCapacity()));
				}
			});
			made = true;
			this.leases.hold(id, timeout, leaseUntil);
			this.rds.createDBInstance((request) -> request.dbInstanceIdentifier(id)
				.dbClusterIdentifier(id)
				.engine(source.engine())
				.dbInstanceClass(instanceClass)
				.publiclyAccessible(false)
				.tags(tags));
			failIfNotReached(this.rds.waiter()
				.waitUntilDBInstanceAvailable((request) -> request.dbInstanceIdentifier(id),
						(wait) -> wait.waitTimeout(timeout)));
			failIfNotReached(this.rds.waiter()
				.waitUntilDBClusterAvailable((request) -> request.dbClusterIdentifier(id),
						(wait) -> wait.waitTimeout(timeout)));
			DBCluster clone = this.rds.describeDBClusters((request) -> request.dbClusterIdentifier(id))
				.dbClusters()
				.get(0);
			return new AuroraClone(id, id, clone.endpoint(), clone.port());
		}
		catch (SdkException | IllegalStateException | IndexOutOfBoundsException ex) {
			// What this call made is Ferry's and tagged: delete it now rather than leave it to the next run (waiting
			// for the instance, unless a stop is cutting the run short).
			if (made) {
				delete(new AuroraClone(id, id, null, null), !Thread.currentThread().isInterrupted());
			}
			throw new FerryException(ExitStatus.REHEARSAL_CLONE_FAILED, "the rehearsal clone " + id + " of cluster "
					+ sourceClusterId + " could not be made, production was not touched: " + ex.getMessage());
		}
	}

	/**
	 * Deletes the clone's instance and then the clone, without final snapshots. Aurora deletes a cluster whose
	 * instances are being deleted; where it refuses, the instance is waited for first.
	 * @param clone the clone
	 * @param wait whether to wait for the instance to be gone when the cluster cannot be deleted yet; a run being
	 * stopped does not wait and leaves the cluster to the next run's clean-up
	 * @return whether the clone is gone (or going)
	 */
	public boolean delete(AuroraClone clone, boolean wait) {
		this.leases.release(clone.clusterId());
		// A SIGTERM interrupts the run's thread, and the SDK gives up on an interrupted thread: clean up first.
		boolean interrupted = Thread.interrupted();
		try {
			try {
				this.rds.deleteDBInstance((request) -> request.dbInstanceIdentifier(clone.instanceId())
					.skipFinalSnapshot(true)
					.deleteAutomatedBackups(true));
			}
			catch (DbInstanceNotFoundException ex) {
				// Never made, or already going.
			}
			try {
				deleteCluster(clone.clusterId());
			}
			catch (InvalidDbClusterStateException ex) {
				if (!wait) {
					throw ex;
				}
				this.rds.waiter()
					.waitUntilDBInstanceDeleted((request) -> request.dbInstanceIdentifier(clone.instanceId()));
				deleteCluster(clone.clusterId());
			}
			logger.info("Deleted the rehearsal clone " + clone.clusterId());
			return true;
		}
		catch (SdkException ex) {
			logger.warn("Could not delete the rehearsal clone " + clone.clusterId() + " (the next rehearsal deletes it"
					+ " once its lease has run out): " + ex.getMessage());
			return false;
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private void deleteCluster(String clusterId) {
		try {
			this.rds.deleteDBCluster((request) -> request.dbClusterIdentifier(clusterId).skipFinalSnapshot(true));
		}
		catch (DbClusterNotFoundException ex) {
			// Never made.
		}
	}

	/**
	 * Deletes Ferry's rehearsal clones of this environment whose lease has run out: leftovers of a run that was
	 * killed. One whose lease still runs is another run's rehearsal in progress, however long it takes, and is left
	 * alone. A clone without a lease tag (made before leases) is a leftover once older than {@code olderThan}.
	 * @param environment the environment's name
	 * @param olderThan the age beyond which a clone without a lease is a leftover
	 * @return the identifiers of the clones deleted
	 */
	public List<String> deleteLeftovers(String environment, Duration olderThan) {
		Instant now = this.clock.instant();
		Instant cutoff = now.minus(olderThan);
		String prefix = namePrefix(environment);
		List<DBCluster> leftovers = this.rds.describeDBClustersPaginator((request) -> {
		})
			.dbClusters()
			.stream()
			.filter((cluster) -> cluster.dbClusterIdentifier().startsWith(prefix))
			.filter((cluster) -> hasTag(cluster, REHEARSAL_TAG, "true")
					&& hasTag(cluster, ENVIRONMENT_TAG, RdsIdentifiers.tagValue(environment)))
			.filter((cluster) -> CloneLeases.leaseOf(cluster)
				.map((lease) -> lease.isBefore(now))
				.orElseGet(() -> cluster.clusterCreateTime() == null || cluster.clusterCreateTime().isBefore(cutoff)))
			.toList();
		for (DBCluster leftover : leftovers) {
			logger.warn("Deleting the leftover rehearsal clone " + leftover.dbClusterIdentifier() + " (made "
					+ leftover.clusterCreateTime() + CloneLeases.leaseOf(leftover)
						.map((lease) -> ", its lease ran out at " + lease)
						.orElse(", no lease, older than FERRY_REHEARSAL_TIMEOUT " + olderThan)
					+ ")");
			List<String> instances = leftover.dbClusterMembers().stream().map((member) -> member.dbInstanceIdentifier())
				.toList();
			for (String instance : instances) {
				delete(new AuroraClone(leftover.dbClusterIdentifier(), instance, null, null), true);
			}
			if (instances.isEmpty()) {
				delete(new AuroraClone(leftover.dbClusterIdentifier(), leftover.dbClusterIdentifier(), null, null), true);
			}
		}
		return leftovers.stream().map(DBCluster::dbClusterIdentifier).toList();
	}

	String identifier(String environment) {
		// A cluster identifier: at most 63 letters, digits and single hyphens, starting with a letter. Two runs
		// that start in the same second (Terraform's and the pipeline's) get different names.
		String suffix = Integer.toHexString(0x1000 + RANDOM.nextInt(0xf000));
		return namePrefix(environment) + STAMP.format(this.clock.instant()) + "-" + suffix;
	}

	/** {@code ferry-rehearsal-<environment>-}, the environment's part cut so that the whole name fits. */
	static String namePrefix(String environment) {
		String shape = RdsIdentifiers.named(PREFIX, environment, "x".repeat(SUFFIX_LENGTH - 1));
		return shape.substring(0, shape.length() - SUFFIX_LENGTH + 1);
	}

	private static boolean hasTag(DBCluster cluster, String key, String value) {
		return cluster.tagList().stream().anyMatch((tag) -> key.equals(tag.key()) && value.equals(tag.value()));
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
	 * A clone that exists.
	 *
	 * @param clusterId the clone's cluster identifier
	 * @param instanceId its one instance
	 * @param endpoint its writer endpoint
	 * @param port its port
	 */
	public record AuroraClone(String clusterId, String instanceId, String endpoint, Integer port) {

	}

}
