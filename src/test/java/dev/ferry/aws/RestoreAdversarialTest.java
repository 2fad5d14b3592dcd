package dev.ferry.aws;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import dev.ferry.restore.AuroraRestores;
import dev.ferry.restore.AuroraRestores.FerrySnapshot;
import dev.ferry.restore.AuroraRestores.Restored;
import dev.ferry.testing.MotoServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DescribeDbClustersResponse;
import software.amazon.awssdk.services.rds.model.Tag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The restore's RDS side tried the way an unlucky operator meets it, against RDS in moto over HTTP, in this JVM: a
 * restored cluster that never becomes available, a stop while waiting for it, and a rerun that finds what the first
 * one made.
 */
class RestoreAdversarialTest {

	private final MotoServer moto = MotoServer.get();

	private final RdsClient rds = this.moto.rds();

	private final String cluster = "aurora-" + UUID.randomUUID().toString().substring(0, 8);

	private final String snapshotId = "ferry-adv-" + UUID.randomUUID().toString().substring(0, 8) + "-v1";

	@BeforeEach
	void createClusterAndSnapshot() {
		MotoServer.createAuroraCluster(this.rds, this.cluster, null);
		this.rds.createDBInstance((r) -> r.dbInstanceIdentifier(this.cluster + "-1")
			.dbClusterIdentifier(this.cluster)
			.engine("aurora-postgresql")
			.dbInstanceClass("db.r6g.large"));
		this.rds.createDBClusterSnapshot((r) -> r.dbClusterIdentifier(this.cluster)
			.dbClusterSnapshotIdentifier(this.snapshotId)
			.tags(Tag.builder().key("ferry:managed").value("true").build(),
					Tag.builder().key("ferry:environment").value("adv").build(),
					Tag.builder().key("ferry:run").value("finished").build()));
	}

	@AfterEach
	void closeClient() {
		this.rds.close();
	}

	@Test
	void aRestoredClusterThatNeverBecomesAvailableFailsWithinTheTimeoutNamingWhatWasMadeAndARerunReusesIt() {
		AuroraRestores restores = new AuroraRestores(neverAvailable(), Clock.systemUTC());
		FerrySnapshot snapshot = restores.find(this.cluster, "adv", null);
		List<Restored> made = new ArrayList<>();
		long started = System.nanoTime();

		assertThatExceptionOfType(SdkException.class).isThrownBy(() -> restores.restore(snapshot,
				restores.source(this.cluster), "adv", Duration.ofSeconds(3), made::add))
			.withMessageContaining("max wait time");

		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
		String name = "ferry-restore-" + this.snapshotId.substring("ferry-".length());
		assertThat(made).extracting(Restored::clusterId).containsExactly(name);
		assertThat(clusters()).contains(name).contains(this.cluster);

		Restored rerun = new AuroraRestores(this.rds, Clock.systemUTC()).restore(snapshot,
				restores.source(this.cluster), "adv", Duration.ofSeconds(30), (ignored) -> {
				});

		assertThat(rerun.clusterId()).isEqualTo(name);
		assertThat(rerun.reused()).isTrue();
		assertThat(rerun.instanceId()).isEqualTo(name);
		assertThat(rerun.masterUserSecret()).startsWith("arn:aws:secretsmanager:");
		assertThat(clusters().stream().filter((id) -> id.equals(name))).hasSize(1);
	}

	/** A SIGTERM interrupts the run's thread: the restore's wait for its cluster must end then, not at its timeout. */
	@Test
	void anInterruptEndsTheWaitForTheRestoredClusterAtOnceNamingWhatWasMade() throws Exception {
		AuroraRestores restores = new AuroraRestores(neverAvailable(), Clock.systemUTC());
		FerrySnapshot snapshot = restores.find(this.cluster, "adv", null);
		List<Restored> made = new CopyOnWriteArrayList<>();
		AtomicReference<Throwable> thrown = new AtomicReference<>();
		Thread restore = new Thread(() -> {
			try {
				restores.restore(snapshot, restores.source(this.cluster), "adv", Duration.ofMinutes(10), made::add);
			}
			catch (RuntimeException ex) {
				thrown.set(ex);
			}
		});
		restore.start();
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (made.isEmpty() && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		Thread.sleep(500);
		long interrupted = System.nanoTime();

		restore.interrupt();
		restore.join(Duration.ofSeconds(20).toMillis());

		assertThat(restore.isAlive()).as("still waiting after the interrupt").isFalse();
		assertThat(Duration.ofNanos(System.nanoTime() - interrupted)).isLessThan(Duration.ofSeconds(10));
		assertThat(thrown.get()).isInstanceOf(SdkException.class);
		assertThat(made).extracting(Restored::clusterId)
			.containsExactly("ferry-restore-" + this.snapshotId.substring("ferry-".length()));
	}

	/** A client of moto that reports the restored clusters as still being created, however long one waits. */
	private RdsClient neverAvailable() {
		ExecutionInterceptor creating = new ExecutionInterceptor() {
			@Override
			public SdkResponse modifyResponse(Context.ModifyResponse context, ExecutionAttributes attributes) {
				if (context.response() instanceof DescribeDbClustersResponse described) {
					return described.toBuilder()
						.dbClusters(described.dbClusters()
							.stream()
							.map((c) -> c.dbClusterIdentifier().startsWith("ferry-restore-")
									? c.toBuilder().status("creating").build() : c)
							.toList())
						.build();
				}
				return context.response();
			}
		};
		return this.moto.client(RdsClient.builder().overrideConfiguration((c) -> c.addExecutionInterceptor(creating)),
				Region.of(MotoServer.REGION));
	}

	private List<String> clusters() {
		return this.rds.describeDBClusters().dbClusters().stream().map((c) -> c.dbClusterIdentifier()).toList();
	}

}
