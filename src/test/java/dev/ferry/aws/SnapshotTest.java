package dev.ferry.aws;

import java.util.List;
import java.util.UUID;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.MotoServer;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.TestDatabase;
import dev.ferry.testing.TestSecrets;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.Tag;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The snapshot before a run that applies something, against RDS in moto: taken and waited for, skipped when
 * nothing is pending, pruned to Ferry's own newest few, and a hard stop (exit 8) when it cannot be taken.
 */
class SnapshotTest {

	private final MotoServer moto = MotoServer.get();

	private final RdsClient rds = this.moto.rds();

	private final TestDatabase database = PostgresServer.get().createDatabase();

	private final String cluster = "aurora-" + UUID.randomUUID().toString().substring(0, 8);

	@Test
	void aSnapshotIsTakenWhenSomethingIsPendingAndNotOnTheRerun() {
		createCluster();

		FerryRun first = ferry().run();
		FerryRun rerun = ferry().run();

		assertThat(first.exitCode()).as(first.toString()).isZero();
		String snapshot = first.report("$.snapshot");
		assertThat(snapshot).startsWith("ferry-dev-").endsWith("-v5");
		DBClusterSnapshot taken = this.rds.describeDBClusterSnapshots((r) -> r.dbClusterSnapshotIdentifier(snapshot))
			.dbClusterSnapshots()
			.get(0);
		assertThat(taken.status()).isEqualTo("available");
		assertThat(this.rds.listTagsForResource((r) -> r.resourceName(taken.dbClusterSnapshotArn())).tagList())
			.extracting(Tag::key, Tag::value)
			.contains(org.assertj.core.groups.Tuple.tuple("ferry:managed", "true"),
					org.assertj.core.groups.Tuple.tuple("ferry:environment", "dev"),
					org.assertj.core.groups.Tuple.tuple("ferry:target-version", "5"),
					org.assertj.core.groups.Tuple.tuple("ferry:run", "finished"));
		assertThat(first.output()).contains("Snapshot " + snapshot + " of cluster " + this.cluster + " is available");
		assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
		assertThat(rerun.<String>report("$.snapshot")).isNull();
		assertThat(ferrySnapshots()).containsExactly(snapshot);
	}

	@Test
	void onlyTheNewestOfFerrysOwnFinishedSnapshotsAreKeptAndOthersAreNeverTouched() {
		createCluster();
		for (String old : List.of("ferry-dev-20250101-000000-v1", "ferry-dev-20250102-000000-v2",
				"ferry-dev-20250103-000000-v3", "ferry-dev-20250104-000000-v4")) {
			snapshot(old, Tag.builder().key("ferry:managed").value("true").build());
		}
		snapshot("before-big-upgrade", Tag.builder().key("owner").value("dba").build());
		List<String> automated = this.rds
			.describeDBClusterSnapshots((r) -> r.dbClusterIdentifier(this.cluster).snapshotType("automated"))
			.dbClusterSnapshots()
			.stream()
			.map(DBClusterSnapshot::dbClusterSnapshotIdentifier)
			.toList();

		FerryRun run = ferry().env("FERRY_SNAPSHOT_RETAIN", "3").run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		String taken = run.report("$.snapshot");
		assertThat(ferrySnapshots()).as("the run's own and the three newest finished ones")
			.containsExactlyInAnyOrder(taken, "ferry-dev-20250104-000000-v4", "ferry-dev-20250103-000000-v3",
					"ferry-dev-20250102-000000-v2");
		assertThat(allSnapshots()).contains("before-big-upgrade").containsAll(automated);
		assertThat(run.output()).contains("Deleted older snapshot ferry-dev-20250101-000000-v1")
			.doesNotContain("Deleted older snapshot ferry-dev-20250102-000000-v2");
	}

	@Test
	void aSnapshotThatCannotBeTakenExits8AndNothingIsApplied() {
		FerryRun run = ferry().env("FERRY_SNAPSHOT_CLUSTER_ID", "no-such-cluster").run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(8);
		assertThat(run.output()).contains("of cluster no-such-cluster failed, nothing was applied");
		assertThat(this.database.tableExists("public.flyway_schema_history")).isFalse();
		assertThat(this.database.tableExists("app.app_user")).isFalse();
	}

	@Test
	void anRdsInstanceIsSnapshottedWhenAnInstanceIsConfigured() {
		String instance = "pg-" + UUID.randomUUID().toString().substring(0, 8);
		this.rds.createDBInstance((r) -> r.dbInstanceIdentifier(instance)
			.engine("postgres")
			.dbInstanceClass("db.t3.micro")
			.allocatedStorage(20)
			.masterUsername("admin_user")
			.masterUserPassword("moto-only-password"));

		FerryRun run = ferry().env("FERRY_SNAPSHOT_CLUSTER_ID", null).env("FERRY_SNAPSHOT_INSTANCE_ID", instance).run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		String snapshot = run.report("$.snapshot");
		assertThat(this.rds.describeDBSnapshots((r) -> r.dbSnapshotIdentifier(snapshot)).dbSnapshots().get(0).status())
			.isEqualTo("available");
	}

	@Test
	void infoShowsWhatIsPendingWithoutTakingASnapshotOrChangingAnything() {
		createCluster();

		FerryRun run = ferry().run("info");

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<List<String>>report("$.pending[*].script")).hasSize(7);
		assertThat(run.<String>report("$.snapshot")).isNull();
		assertThat(ferrySnapshots()).isEmpty();
		assertThat(this.database.tableExists("public.flyway_schema_history")).isFalse();
	}

	@Test
	void aRunInAwsReadsItsSecretsSnapshotsMigratesAndReports() {
		createCluster();
		String admin = "ferry/admin-" + UUID.randomUUID();
		String api = "ferry/api-" + UUID.randomUUID();
		PostgresServer server = this.database.server();
		try (var secrets = this.moto.secretsManager()) {
			secrets.createSecret((r) -> r.name(admin)
				.secretString("{\"username\":\"" + server.username() + "\",\"password\":\""
						+ ((server.password() != null) ? server.password() : "trust-needs-none") + "\",\"host\":\""
						+ server.host() + "\",\"port\":" + server.port() + ",\"dbname\":\"" + this.database.name()
						+ "\"}"));
			secrets.createSecret((r) -> r.name(api)
				.secretString("{\"username\":\"" + TestSecrets.API_DB_USERNAME + "\",\"password\":\""
						+ TestSecrets.API_DB_PASSWORD + "\"}"));
		}

		FerryRun run = FerryProcess.bare()
			.aws(this.moto)
			.env("FERRY_ENVIRONMENT", "test")
			.env("FERRY_DB_SECRET_ID", admin)
			.env("FERRY_DB_SSL_MODE", "prefer")
			.env("FERRY_PLACEHOLDER_SECRETS", "api_db=" + api)
			.env("FERRY_SNAPSHOT_CLUSTER_ID", this.cluster)
			.env("FERRY_LOG_FORMAT", "json")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<String>report("$.outcome")).isEqualTo("applied");
		assertThat(run.<String>report("$.environment")).isEqualTo("test");
		assertThat(run.<String>report("$.database")).isEqualTo(this.database.url());
		assertThat(run.<Integer>report("$.applied.length()")).isEqualTo(7);
		assertThat(run.<String>report("$.snapshot")).isIn(ferrySnapshots());
		assertThat(run.summary()).contains("Snapshot before migrating: `" + run.<String>report("$.snapshot") + "`");
		assertThat(this.database.column("SELECT username FROM app.app_user ORDER BY 1")).containsExactly("alice",
				"bob", "carol");
	}

	private FerryProcess ferry() {
		return FerryProcess.against(this.database)
			.aws(this.moto)
			.env("FERRY_ENVIRONMENT", "dev")
			.env("FERRY_SNAPSHOT_CLUSTER_ID", this.cluster);
	}

	private void createCluster() {
		MotoServer.createAuroraCluster(this.rds, this.cluster, null);
	}

	private void snapshot(String id, Tag tag) {
		this.rds.createDBClusterSnapshot((r) -> r.dbClusterIdentifier(this.cluster).dbClusterSnapshotIdentifier(id).tags(tag));
	}

	private List<String> allSnapshots() {
		return this.rds.describeDBClusterSnapshots((r) -> r.dbClusterIdentifier(this.cluster))
			.dbClusterSnapshots()
			.stream()
			.map(DBClusterSnapshot::dbClusterSnapshotIdentifier)
			.toList();
	}

	private List<String> ferrySnapshots() {
		return this.rds.describeDBClusterSnapshots((r) -> r.dbClusterIdentifier(this.cluster).snapshotType("manual"))
			.dbClusterSnapshots()
			.stream()
			.filter((s) -> this.rds.listTagsForResource((r) -> r.resourceName(s.dbClusterSnapshotArn()))
				.tagList()
				.stream()
				.anyMatch((t) -> t.key().equals("ferry:managed")))
			.map(DBClusterSnapshot::dbClusterSnapshotIdentifier)
			.toList();
	}

}
