package dev.ferry.aws;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.rehearsal.AuroraClones;
import dev.ferry.rehearsal.AuroraClones.AuroraClone;
import dev.ferry.testing.AuroraCloneStandIn;
import dev.ferry.testing.CatalogDump;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.MotoServer;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.DescribeDbInstancesResponse;
import software.amazon.awssdk.services.rds.model.Tag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The rehearsal's clones tried the way an unlucky operator meets them, against RDS in moto over HTTP: a clone a
 * killed run left behind, a clone that never becomes available, a second rehearsal while one is in flight, and
 * clusters that only look like Ferry's. Most are {@link AuroraClones} in this JVM, with a clock of the test's; the
 * second rehearsal is a Ferry process on {@link AuroraCloneStandIn}.
 */
class RehearsalAdversarialTest {

	private static final Duration TIMEOUT = Duration.ofMinutes(60);

	/** A timeout short enough to outlast in a test, long enough for renewals (every quarter of it) on a busy machine. */
	private static final Duration LEASE = Duration.ofSeconds(6);

	private final MotoServer moto = MotoServer.get();

	private final RdsClient rds = this.moto.rds();

	private final String cluster = "aurora-" + UUID.randomUUID().toString().substring(0, 8);

	private final String environment = "prod-" + UUID.randomUUID().toString().substring(0, 6);

	private final Instant now = Instant.now();

	@TempDir
	Path folder;

	@BeforeEach
	void createProductionCluster() {
		MotoServer.createAuroraCluster(this.rds, this.cluster, null);
	}

	@AfterEach
	void closeClient() {
		this.rds.close();
	}

	@Test
	void aCloneThatNeverBecomesAvailableIsExit12WithinTheTimeoutAndIsDeleted() {
		AuroraClones clones = new AuroraClones(neverAvailable(), fixed(this.now));
		long started = System.nanoTime();

		assertThatExceptionOfType(FerryException.class)
			.isThrownBy(() -> clones.create(this.cluster, this.environment, "db.t4g.medium", Duration.ofSeconds(3)))
			.satisfies((ex) -> assertThat(ex.status()).isEqualTo(ExitStatus.REHEARSAL_CLONE_FAILED))
			.withMessageContaining("could not be made, production was not touched");

		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
		assertThat(clonesOf(this.environment)).as("what the failed call made is deleted").isEmpty();
		assertThat(instancesOf(this.environment)).isEmpty();
	}

	@Test
	void aKilledRunsCloneIsDeletedWithItsInstanceOnceOlderThanTheTimeout() {
		AuroraClone killed = new AuroraClones(this.rds, fixed(this.now)).create(this.cluster, this.environment,
				"db.t4g.medium", TIMEOUT);
		assertThat(instancesOf(this.environment)).containsExactly(killed.instanceId());

		List<String> deleted = new AuroraClones(this.rds, fixed(this.now.plus(TIMEOUT).plusSeconds(60)))
			.deleteLeftovers(this.environment, TIMEOUT);

		assertThat(deleted).containsExactly(killed.clusterId());
		assertThat(clonesOf(this.environment)).isEmpty();
		assertThat(instancesOf(this.environment)).isEmpty();
	}

	@Test
	void aCloneKilledBeforeItHadAnInstanceIsDeletedToo() {
		String orphan = "ferry-rehearsal-" + this.environment + "-20200101-000000-abcd";
		restore(orphan, this.environment);

		new AuroraClones(this.rds, fixed(this.now.plus(TIMEOUT).plusSeconds(60))).deleteLeftovers(this.environment,
				TIMEOUT);

		assertThat(clonesOf(this.environment)).isEmpty();
	}

	@Test
	void aCloneInFlightAndClustersThatOnlyLookLikeFerrysAreLeftAlone() {
		AuroraClone inFlight = new AuroraClones(this.rds, fixed(this.now)).create(this.cluster, this.environment,
				"db.t4g.medium", TIMEOUT);
		String untagged = "ferry-rehearsal-" + this.environment + "-20200101-000000-aaaa";
		this.rds.restoreDBClusterToPointInTime((r) -> r.dbClusterIdentifier(untagged)
			.sourceDBClusterIdentifier(this.cluster)
			.useLatestRestorableTime(true)
			.tags(Tag.builder().key("owner").value("dba").build()));
		// Another environment whose name makes the same identifier: its tag says whose it is.
		String sameSlug = "ferry-rehearsal-" + this.environment + "-20200101-000000-bbbb";
		restore(sameSlug, this.environment.toUpperCase());

		List<String> deleted = new AuroraClones(this.rds, fixed(this.now.plusSeconds(60)))
			.deleteLeftovers(this.environment, TIMEOUT);
		List<String> deletedLater = new AuroraClones(this.rds, fixed(this.now.plus(TIMEOUT).plusSeconds(60)))
			.deleteLeftovers(this.environment, TIMEOUT);

		assertThat(deleted).isEmpty();
		assertThat(deletedLater).as("only Ferry's own of this environment, once it is a leftover")
			.containsExactly(inFlight.clusterId());
		assertThat(clonesOf(this.environment)).containsExactlyInAnyOrder(untagged, sameSlug);
	}

	@Test
	void aCloneInUseLongerThanTheTimeoutKeepsItsLeaseAndIsNotALeftover() throws InterruptedException {
		AuroraClones running = new AuroraClones(this.rds, Clock.systemUTC());
		AuroraClone clone = running.create(this.cluster, this.environment, "db.t4g.medium", LEASE);
		Thread.sleep(LEASE.plusSeconds(2).toMillis());

		List<String> deleted = new AuroraClones(this.rds, Clock.systemUTC()).deleteLeftovers(this.environment, LEASE);

		assertThat(deleted).as("a clone made more than the timeout ago, whose run still renews its lease").isEmpty();
		assertThat(MotoServer.leaseOf(this.rds, clone.clusterId())).isAfter(Instant.now());
		assertThat(running.delete(clone, true)).isTrue();
		assertThat(clonesOf(this.environment)).isEmpty();
	}

	@Test
	void aCloneWhoseRunStoppedRenewingIsALeftoverOneLeaseLater() throws InterruptedException {
		AtomicBoolean killed = new AtomicBoolean();
		AuroraClone clone = new AuroraClones(failingOnceKilled(killed), Clock.systemUTC()).create(this.cluster,
				this.environment, "db.t4g.medium", LEASE);
		// The run is gone: no call of it reaches RDS from now on, so its lease is not renewed.
		killed.set(true);
		Instant lastLease = MotoServer.leaseOf(this.rds, clone.clusterId());

		List<String> early = new AuroraClones(this.rds, Clock.systemUTC()).deleteLeftovers(this.environment, LEASE);
		Thread.sleep(Math.max(0, Duration.between(Instant.now(), lastLease).toMillis()) + 1000);
		List<String> late = new AuroraClones(this.rds, Clock.systemUTC()).deleteLeftovers(this.environment, LEASE);

		assertThat(early).as("while its last lease runs").isEmpty();
		assertThat(late).containsExactly(clone.clusterId());
		assertThat(clonesOf(this.environment)).isEmpty();
		assertThat(instancesOf(this.environment)).isEmpty();
	}

	@Test
	void twoClonesMadeInTheSameSecondHaveNamesOfTheirOwnThatRdsTakes() {
		AuroraClones clones = new AuroraClones(this.rds, fixed(this.now));
		String environment = "Ünïcode / a very long environment name that a team chose #" + this.environment;

		AuroraClone first = clones.create(this.cluster, environment, "db.t4g.medium", TIMEOUT);
		AuroraClone second = clones.create(this.cluster, environment, "db.t4g.medium", TIMEOUT);

		assertThat(first.clusterId()).isNotEqualTo(second.clusterId());
		for (AuroraClone clone : List.of(first, second)) {
			assertThat(clone.clusterId()).hasSizeLessThanOrEqualTo(RdsIdentifiers.MAX_LENGTH)
				.matches("[a-z][a-z0-9]*(-[a-z0-9]+)*")
				.startsWith("ferry-rehearsal-unicode-a-very-long");
			assertThat(this.rds.listTagsForResource((r) -> r.resourceName(describe(clone.clusterId()).dbClusterArn()))
				.tagList()).allSatisfy((tag) -> assertThat(tag.value()).matches("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{0,256}"));
		}
		assertThat(new AuroraClones(this.rds, fixed(this.now.plus(TIMEOUT).plusSeconds(60))).deleteLeftovers(environment,
				TIMEOUT))
			.as("its leftovers are found by the same environment's name").containsExactlyInAnyOrder(first.clusterId(),
					second.clusterId());
	}

	/** The pipeline's rehearsal is on its clone when the Terraform trigger's run rehearses too. */
	@org.junit.jupiter.api.Tag("fault")
	@Test
	void aSecondRehearsalLeavesTheCloneOfOneInFlightAndDeletesOnlyItsOwn() {
		TestDatabase production = PostgresServer.get().createDatabase();
		try (AuroraCloneStandIn standIn = new AuroraCloneStandIn(production, this.rds, this.folder.resolve("hosts"))) {
			String source = "aurora-" + UUID.randomUUID().toString().substring(0, 8);
			MotoServer.createAuroraCluster(this.rds, source, standIn.port());
			AuroraClone pipelines = new AuroraClones(this.rds, Clock.systemUTC()).create(source, this.environment,
					"db.t4g.medium", TIMEOUT);
			standIn.copyProduction();

			FerryRun trigger = FerryProcess.against(production)
				.aws(this.moto)
				.env("FERRY_ENVIRONMENT", this.environment)
				.env("FERRY_DB_SSL_MODE", "prefer")
				.env("FERRY_REHEARSE", "clone")
				.env("FERRY_REHEARSAL_CLUSTER_ID", source)
				.systemProperty("jdk.net.hosts.file", standIn.hostsFile().toString())
				.systemProperty("sun.net.inetaddr.negative.ttl", "0")
				.run();

			assertThat(trigger.exitCode()).as(trigger.toString()).isZero();
			assertThat(trigger.<Boolean>report("$.rehearsal.passed")).isTrue();
			assertThat(trigger.<String>report("$.rehearsal.clone")).isNotEqualTo(pipelines.clusterId());
			assertThat(trigger.output()).doesNotContain("Deleting the leftover rehearsal clone");
			assertThat(clonesOf(this.environment)).containsExactly(pipelines.clusterId());
			assertThat(production.committedMigrations(CatalogDump.HISTORY_TABLE)).isPositive();
		}
	}

	/** A client of moto that reports the clones' instances as still being created, however long one waits. */
	private RdsClient neverAvailable() {
		ExecutionInterceptor creating = new ExecutionInterceptor() {
			@Override
			public SdkResponse modifyResponse(Context.ModifyResponse context, ExecutionAttributes attributes) {
				if (context.response() instanceof DescribeDbInstancesResponse described) {
					return described.toBuilder()
						.dbInstances(described.dbInstances()
							.stream()
							.map((i) -> i.dbInstanceIdentifier().startsWith("ferry-rehearsal-")
									? i.toBuilder().dbInstanceStatus("creating").build() : i)
							.toList())
						.build();
				}
				return context.response();
			}
		};
		return this.moto.client(RdsClient.builder().overrideConfiguration((c) -> c.addExecutionInterceptor(creating)),
				Region.of(MotoServer.REGION));
	}

	/** A client of moto whose every call fails once {@code killed} is set, as if its process were gone. */
	private RdsClient failingOnceKilled(AtomicBoolean killed) {
		ExecutionInterceptor gone = new ExecutionInterceptor() {
			@Override
			public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
				if (killed.get()) {
					throw new IllegalStateException("this run was killed");
				}
			}
		};
		return this.moto.client(RdsClient.builder().overrideConfiguration((c) -> c.addExecutionInterceptor(gone)),
				Region.of(MotoServer.REGION));
	}

	private void restore(String id, String environment) {
		this.rds.restoreDBClusterToPointInTime((r) -> r.dbClusterIdentifier(id)
			.sourceDBClusterIdentifier(this.cluster)
			.useLatestRestorableTime(true)
			.tags(Tag.builder().key("ferry:rehearsal").value("true").build(),
					Tag.builder().key("ferry:environment").value(environment).build()));
	}

	private DBCluster describe(String id) {
		return this.rds.describeDBClusters((r) -> r.dbClusterIdentifier(id)).dbClusters().get(0);
	}

	private static Clock fixed(Instant at) {
		return Clock.fixed(at, ZoneOffset.UTC);
	}

	private List<String> clonesOf(String environment) {
		String prefix = "ferry-rehearsal-" + RdsIdentifiers.slug(environment, 63);
		return this.rds.describeDBClusters()
			.dbClusters()
			.stream()
			.map(DBCluster::dbClusterIdentifier)
			.filter((id) -> id.startsWith(prefix))
			.toList();
	}

	private List<String> instancesOf(String environment) {
		String prefix = "ferry-rehearsal-" + RdsIdentifiers.slug(environment, 63);
		return this.rds.describeDBInstances()
			.dbInstances()
			.stream()
			.map(DBInstance::dbInstanceIdentifier)
			.filter((id) -> id.startsWith(prefix))
			.toList();
	}

}
