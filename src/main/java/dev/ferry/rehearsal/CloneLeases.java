package dev.ferry.rehearsal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DbClusterNotFoundException;
import software.amazon.awssdk.services.rds.model.Tag;

/**
 * The leases on the rehearsal clones this run made. A clone carries the tag {@value #LEASE_TAG}, an instant this
 * run keeps pushing forward (to one lease length from now, every quarter of it) for as long as it uses the clone.
 * Another run's clean-up deletes a clone only once its lease has run out: a rehearsal that outlasts
 * {@code FERRY_REHEARSAL_TIMEOUT} (a long migration on the clone) keeps its clone, and a killed run's clone is a
 * leftover one lease length after the run stopped renewing it.
 */
final class CloneLeases {

	static final String LEASE_TAG = "ferry:lease-until";

	private static final Duration LONGEST_RENEWAL_GAP = Duration.ofMinutes(1);

	private static final Log logger = LogFactory.getLog(CloneLeases.class);

	private final RdsClient rds;

	private final Clock clock;

	private final Map<String, ScheduledFuture<?>> renewals = new ConcurrentHashMap<>();

	private ScheduledExecutorService thread;

	CloneLeases(RdsClient rds, Clock clock) {
		this.rds = rds;
		this.clock = clock;
	}

	/**
	 * Renews the lease of a clone made with {@link #leaseTag leaseTag(firstUntil)} from now on, until
	 * {@link #release} or until it has run out: by then another run may be deleting the clone, and extending its
	 * lease would not stop that.
	 */
	void hold(String clusterId, Duration length, Instant firstUntil) {
		long gapMillis = Math.max(100, Math.min(length.toMillis() / 4, LONGEST_RENEWAL_GAP.toMillis()));
		Renewal renewal = new Renewal(clusterId, length, firstUntil);
		this.renewals.put(clusterId,
				scheduler().scheduleWithFixedDelay(renewal::run, gapMillis, gapMillis, TimeUnit.MILLISECONDS));
	}

	/** Stops renewing the clone's lease: it is being deleted. */
	void release(String clusterId) {
		ScheduledFuture<?> renewal = this.renewals.remove(clusterId);
		if (renewal != null) {
			renewal.cancel(false);
		}
	}

	/** When the cluster's lease runs out; empty for a clone without one (made by an older Ferry) or an unreadable one. */
	static Optional<Instant> leaseOf(DBCluster cluster) {
		return cluster.tagList()
			.stream()
			.filter((tag) -> LEASE_TAG.equals(tag.key()))
			.findFirst()
			.flatMap((tag) -> {
				try {
					return Optional.of(Instant.parse(tag.value()));
				}
				catch (DateTimeParseException ex) {
					return Optional.empty();
				}
			});
	}

	private synchronized ScheduledExecutorService scheduler() {
		if (this.thread == null) {
			this.thread = Executors.newSingleThreadScheduledExecutor((task) -> {
				Thread thread = new Thread(task, "ferry-clone-lease");
				thread.setDaemon(true);
				return thread;
			});
		}
		return this.thread;
	}

	static Tag leaseTag(Instant until) {
		return Tag.builder().key(LEASE_TAG).value(until.toString()).build();
	}

	/** One clone's renewals, on the lease thread. */
	private final class Renewal {

		private final String clusterId;

		private final Duration length;

		private String arn;

		private Instant leaseUntil;

		private Renewal(String clusterId, Duration length, Instant leaseUntil) {
			this.clusterId = clusterId;
			this.length = length;
			this.leaseUntil = leaseUntil;
		}

		void run() {
			Instant now = CloneLeases.this.clock.instant();
			if (now.isAfter(this.leaseUntil)) {
				logger.warn("The lease on the rehearsal clone " + this.clusterId + " ran out at " + this.leaseUntil
						+ ": another run may delete it as a leftover");
				release(this.clusterId);
				return;
			}
			Instant until = now.plus(this.length);
			try {
				if (this.arn == null) {
					this.arn = CloneLeases.this.rds
						.describeDBClusters((request) -> request.dbClusterIdentifier(this.clusterId))
						.dbClusters()
						.get(0)
						.dbClusterArn();
				}
				// The rehearsal tag goes with every renewal: the IAM policy lets Ferry tag only what carries it.
				CloneLeases.this.rds.addTagsToResource((request) -> request.resourceName(this.arn)
					.tags(Tag.builder().key(AuroraClones.REHEARSAL_TAG).value("true").build(),
							leaseTag(until)));
				this.leaseUntil = until;
			}
			catch (DbClusterNotFoundException ex) {
				release(this.clusterId);
			}
			catch (RuntimeException ex) {
				// Keep trying: the lease only runs out if renewals fail for a whole lease length.
				logger.warn("Could not renew the lease on the rehearsal clone " + this.clusterId + " (it runs out at "
						+ this.leaseUntil + "): " + ex.getMessage());
			}
		}

	}

}
