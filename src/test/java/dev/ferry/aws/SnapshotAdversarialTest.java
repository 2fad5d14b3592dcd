package dev.ferry.aws;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import dev.ferry.config.FerryProperties;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.snapshot.PreMigrationSnapshot;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.MotoServer;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DescribeDbClusterSnapshotsResponse;
import software.amazon.awssdk.services.rds.model.Tag;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The snapshot tried as an unlucky operator and a hostile environment would, against RDS in moto over HTTP: two
 * runners at once (the pipeline's and the Terraform trigger's), a run killed before it could say it ended, a
 * snapshot that ends {@code failed}, retention at its edges, snapshots that are not Ferry's, names RDS would refuse.
 * Most runners here are {@link PreMigrationSnapshot}s in this JVM, with a clock of the test's; the ones that need
 * the whole run (its end, a kill -9) are Ferry processes.
 */
class SnapshotAdversarialTest {

	private static final String RDS_RULE = "[a-z][a-z0-9]*(-[a-z0-9]+)*";

	private final MotoServer moto = MotoServer.get();

	private final RdsClient rds = this.moto.rds();

	private final String cluster = "aurora-" + UUID.randomUUID().toString().substring(0, 8);

	private final Instant now = Instant.now();

	@TempDir
	Path folder;

	@BeforeEach
	void createCluster() {
		MotoServer.createAuroraCluster(this.rds, this.cluster, null);
	}

	@AfterEach
	void closeClient() {
		this.rds.close();
	}

	@ParameterizedTest(name = "FERRY_SNAPSHOT_RETAIN={0}")
	@ValueSource(ints = { 0, 1, 3 })
	void theSecondRunnerNeverDeletesTheFirstRunnersSnapshotWhileItIsInFlight(int retain) {
		List<String> finished = finishedSnapshots(old("20250101", 1), old("20250102", 2),
				old("20250103", 3), old("20250104", 4));
		// Both start in the same second, with the same target.
		PreMigrationSnapshot pipeline = runner(retain, this.now);
		PreMigrationSnapshot trigger = runner(retain, this.now);

		String first = pipeline.take("5", null);
		String second = trigger.take("5", null);

		assertThat(second).isNotEqualTo(first);
		assertThat(ferrySnapshots()).as("both runs' snapshots, and the newest %d finished ones", retain)
			.containsExactlyInAnyOrderElementsOf(concat(List.of(first, second), newest(finished, retain)));

		trigger.destroy();
		String third = runner(retain, this.now.plusSeconds(60)).take("6", null);

		assertThat(ferrySnapshots()).as("the pipeline's is in flight still; the trigger's has finished and counts")
			.containsExactlyInAnyOrderElementsOf(
					concat(List.of(first, third), newest(concat(finished, List.of(second)), retain)));
		pipeline.destroy();
		assertThat(runTag(first)).isEqualTo("finished");
		assertThat(runTag(third)).isEqualTo("in-flight");
	}

	@Test
	void aKilledRunsSnapshotIsKeptForADayAndThenCountsAsFinished() {
		String killed = runner(0, this.now).take("5", null);

		runner(0, this.now.plus(Duration.ofHours(23))).take("5", null);
		assertThat(ferrySnapshots()).contains(killed);

		String later = runner(0, this.now.plus(PreMigrationSnapshot.IN_FLIGHT_AT_MOST).plusSeconds(60)).take("5", null);
		assertThat(ferrySnapshots()).doesNotContain(killed).contains(later);
	}

	@Test
	void aKilledRunsSnapshotIsStillARollbackPointWhenItIsTheNewestFinishedOne() {
		String older = finishedSnapshots(old("20250101", 1)).get(0);
		String killed = runner(1, this.now).take("5", null);

		String next = runner(1, this.now.plus(PreMigrationSnapshot.IN_FLIGHT_AT_MOST).plusSeconds(60)).take("6", null);

		assertThat(ferrySnapshots()).containsExactlyInAnyOrder(killed, next).doesNotContain(older);
	}

	@Test
	void aSnapshotThatEndsFailedIsExit8AndIsNeverCountedAsARollbackPoint() {
		String good = finishedSnapshots(old("20250101", 1)).get(0);
		RdsClient failing = failingClient((id) -> id.endsWith("-v13"));
		PreMigrationSnapshot broken = new PreMigrationSnapshot(failing, settings(1, "dev"), fixed(this.now));

		assertThatExceptionOfType(FerryException.class).isThrownBy(() -> broken.take("13", null))
			.satisfies((ex) -> assertThat(ex.status()).isEqualTo(ExitStatus.SNAPSHOT_FAILED))
			.withMessageContaining("failed, nothing was applied");
		broken.destroy();
		String failed = ferrySnapshots().stream().filter((id) -> id.endsWith("-v13")).findFirst().orElseThrow();
		assertThat(runTag(failed)).as("the failed run ended").isEqualTo("finished");

		String next = new PreMigrationSnapshot(failing, settings(1, "dev"), fixed(this.now.plusSeconds(60))).take("14", null);

		assertThat(ferrySnapshots()).as("the failed one is deleted, the good one is the finished one kept")
			.containsExactlyInAnyOrder(good, next);
	}

	@ParameterizedTest(name = "FERRY_SNAPSHOT_RETAIN={0}")
	@ValueSource(ints = { 0, 1, 4, 1000, Integer.MAX_VALUE })
	void retentionAtItsEdgesKeepsTheRunsOwnAndTheNewestFinishedOnes(int retain) {
		List<String> finished = finishedSnapshots(old("20250101", 1), old("20250102", 2),
				old("20250103", 3), old("20250104", 4));

		String taken = runner(retain, this.now).take("5", null);

		assertThat(ferrySnapshots()).containsExactlyInAnyOrderElementsOf(concat(List.of(taken), newest(finished, retain)));
	}

	@Test
	void retainZeroWithNothingElseKeepsTheRunsOwn() {
		String taken = runner(0, this.now).take("5", null);

		assertThat(ferrySnapshots()).containsExactly(taken);
	}

	@Test
	void aSnapshotThatIsNotFerrysIsNeverTouched() {
		snapshot(old("20200101", 1), Tag.builder().key("owner").value("dba").build());
		snapshot(old("20200102", 2), Tag.builder().key("ferry:managed").value("false").build());
		snapshot(old("20200103", 3), Tag.builder().key("ferry:managed").value("TRUE").build());
		snapshot("before-big-upgrade-" + this.cluster, Tag.builder().key("ferry:run").value("finished").build());
		String otherCluster = "aurora-other-" + UUID.randomUUID().toString().substring(0, 8);
		MotoServer.createAuroraCluster(this.rds, otherCluster, null);
		this.rds.createDBClusterSnapshot((r) -> r.dbClusterIdentifier(otherCluster)
			.dbClusterSnapshotIdentifier(old("20200104", 4) + "-other")
			.tags(Tag.builder().key("ferry:managed").value("true").build()));
		List<String> before = allSnapshots(this.cluster);

		String taken = runner(0, this.now).take("5", null);

		assertThat(allSnapshots(this.cluster)).containsExactlyInAnyOrderElementsOf(concat(before, List.of(taken)));
		assertThat(allSnapshots(otherCluster)).containsExactly(old("20200104", 4) + "-other");
	}

	@ParameterizedTest
	@ValueSource(strings = { "ünïcode", "Prod EU / #2", "生产", "9lives", "!!!",
			"a-very-long-environment-name-that-a-team-chose-for-reasons-of-its-own-and-then-some-more-words" })
	void anyEnvironmentNameGivesASnapshotRdsTakes(String environment) {
		PreMigrationSnapshot runner = new PreMigrationSnapshot(this.rds, settings(3, environment), fixed(this.now));

		String taken = runner.take("2024.12.31.235959.123456789", null);

		assertThat(taken).hasSizeLessThanOrEqualTo(RdsIdentifiers.MAX_LENGTH).matches(RDS_RULE)
			.as("the version cut to 24 characters").endsWith("-v2024-12-31-235959-123456");
		assertThat(tags(taken)).as("a tag value RDS takes")
			.allSatisfy((tag) -> assertThat(tag.value()).matches("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{0,256}"));
		assertThat(ferrySnapshots()).containsExactly(taken);
	}

	/**
	 * The case, as processes: the pipeline's run is migrating (a slow script) when the Terraform trigger's
	 * run of the same project starts, takes its snapshot and prunes, with FERRY_SNAPSHOT_RETAIN=0; then both are
	 * killed (kill -9), and the next run finds their snapshots still in flight.
	 */
	@org.junit.jupiter.api.Tag("fault")
	@Test
	void aSecondFerryRunLeavesAMigratingRunsSnapshotAndKilledRunsStayInFlight() throws Exception {
		TestDatabase database = PostgresServer.get().createDatabase();
		Scripts scripts = Scripts.in(this.folder.resolve("db"));
		scripts.folder().toFile().mkdirs();
		scripts.write("V1__slow.sql", "CREATE TABLE slow (id int);\nSELECT pg_sleep(60);");
		FerryProcess.Started pipeline = ferry(database, scripts).start();
		String first = awaitSnapshot(pipeline);
		database.awaitActive("pg_sleep(60)", Duration.ofSeconds(60));

		FerryProcess.Started trigger = ferry(database, scripts).start();
		String second = awaitSnapshot(trigger);
		trigger.awaitOutput("Kept snapshot " + first + ": its run is still in flight");
		assertThat(ferrySnapshots()).containsExactlyInAnyOrder(first, second);
		pipeline.process().destroyForcibly().waitFor();
		trigger.process().destroyForcibly().waitFor();

		scripts.write("V1__slow.sql", "CREATE TABLE slow (id int);");
		FerryRun next = ferry(database, scripts).run();
		assertThat(next.exitCode()).as(next.toString()).isZero();
		String third = next.report("$.snapshot");
		assertThat(ferrySnapshots()).as("killed runs' snapshots stay for a day").containsExactlyInAnyOrder(first,
				second, third);
		assertThat(runTag(first)).as("killed: it could not say it ended").isEqualTo("in-flight");
		assertThat(runTag(second)).isEqualTo("in-flight");
		assertThat(runTag(third)).isEqualTo("finished");
	}

	@org.junit.jupiter.api.Tag("fault")
	@Test
	void aRunThatFailsAfterItsSnapshotMarksItFinished() {
		TestDatabase database = PostgresServer.get().createDatabase();
		Scripts scripts = Scripts.in(this.folder.resolve("db"));
		scripts.folder().toFile().mkdirs();
		scripts.write("V1__broken.sql", "ALTER TABLE no_such_table ADD COLUMN x int;");

		FerryRun run = ferry(database, scripts).run();

		assertThat(run.exitCode()).as(run.toString()).isNotZero().isNotEqualTo(8);
		assertThat(runTag(run.report("$.snapshot"))).isEqualTo("finished");
	}

	private FerryProcess ferry(TestDatabase database, Scripts scripts) {
		return FerryProcess.against(database)
			.aws(this.moto)
			.locations(scripts.folder())
			.env("FERRY_ENVIRONMENT", "staging")
			.env("FERRY_SNAPSHOT_RETAIN", "0")
			.env("FERRY_DRIFT", "off")
			.env("FERRY_SNAPSHOT_CLUSTER_ID", this.cluster);
	}

	private static String awaitSnapshot(FerryProcess.Started started) throws InterruptedException {
		started.awaitOutput(" is available (");
		String output = started.outputSoFar();
		int at = output.indexOf("Snapshot ferry-");
		return output.substring(at + "Snapshot ".length(), output.indexOf(' ', at + "Snapshot ".length()));
	}


	private PreMigrationSnapshot runner(int retain, Instant at) {
		return new PreMigrationSnapshot(this.rds, settings(retain, "dev"), fixed(at));
	}

	private FerryProperties settings(int retain, String environment) {
		Map<String, String> settings = new HashMap<>();
		settings.put("ferry.environment", environment);
		settings.put("ferry.snapshot.cluster-id", this.cluster);
		settings.put("ferry.snapshot.retain", String.valueOf(retain));
		settings.put("ferry.snapshot.timeout", "10s");
		return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("ferry", FerryProperties.class);
	}

	private static Clock fixed(Instant at) {
		return Clock.fixed(at, ZoneOffset.UTC);
	}

	/** A client of moto that reports the matching snapshots {@code failed}, as RDS does for one that failed. */
	private RdsClient failingClient(Predicate<String> failed) {
		ExecutionInterceptor reportFailed = new ExecutionInterceptor() {
			@Override
			public SdkResponse modifyResponse(Context.ModifyResponse context, ExecutionAttributes attributes) {
				if (context.response() instanceof DescribeDbClusterSnapshotsResponse described) {
					return described.toBuilder()
						.dbClusterSnapshots(described.dbClusterSnapshots()
							.stream()
							.map((s) -> failed.test(s.dbClusterSnapshotIdentifier()) ? s.toBuilder().status("failed").build() : s)
							.toList())
						.build();
				}
				return context.response();
			}
		};
		return this.moto.client(RdsClient.builder().overrideConfiguration((c) -> c.addExecutionInterceptor(reportFailed)),
				Region.of(MotoServer.REGION));
	}

	/** Ferry's snapshots of finished runs, oldest first, made one after the other so that their times order them. */
	private List<String> finishedSnapshots(String... ids) {
		for (String id : ids) {
			snapshot(id, Tag.builder().key("ferry:managed").value("true").build(),
					Tag.builder().key("ferry:run").value("finished").build());
		}
		return List.of(ids);
	}

	private void snapshot(String id, Tag... tags) {
		this.rds.createDBClusterSnapshot((r) -> r.dbClusterIdentifier(this.cluster).dbClusterSnapshotIdentifier(id).tags(tags));
	}

	/** A name of Ferry's shape; snapshot names are the region's, so each test has its own. */
	private String old(String date, int version) {
		return "ferry-dev-" + date + "-000000-" + this.cluster.substring("aurora-".length()) + "-v" + version;
	}

	private static List<String> newest(List<String> oldestFirst, int count) {
		return oldestFirst.subList(Math.max(0, oldestFirst.size() - count), oldestFirst.size());
	}

	private static List<String> concat(List<String> a, List<String> b) {
		List<String> all = new ArrayList<>(a);
		all.addAll(b);
		return all;
	}

	private String runTag(String id) {
		return tags(id).stream().filter((t) -> t.key().equals("ferry:run")).map(Tag::value).findFirst().orElse(null);
	}

	private List<Tag> tags(String id) {
		DBClusterSnapshot snapshot = this.rds.describeDBClusterSnapshots((r) -> r.dbClusterSnapshotIdentifier(id))
			.dbClusterSnapshots()
			.get(0);
		return this.rds.listTagsForResource((r) -> r.resourceName(snapshot.dbClusterSnapshotArn())).tagList();
	}

	private List<String> allSnapshots(String clusterId) {
		return this.rds.describeDBClusterSnapshots((r) -> r.dbClusterIdentifier(clusterId).snapshotType("manual"))
			.dbClusterSnapshots()
			.stream()
			.map(DBClusterSnapshot::dbClusterSnapshotIdentifier)
			.toList();
	}

	private List<String> ferrySnapshots() {
		return allSnapshots(this.cluster).stream()
			.filter((id) -> tags(id).stream().anyMatch((t) -> t.key().equals("ferry:managed") && t.value().equals("true")))
			.toList();
	}

}
