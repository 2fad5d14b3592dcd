package dev.ferry.aws;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;

import dev.ferry.testing.AuroraCloneStandIn;
import dev.ferry.testing.CatalogDump;
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
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.Tag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

/**
 * {@code restore} against RDS in moto: Ferry's snapshot of the cluster restored into a new cluster with the source's
 * settings, checked, and swapped on request. The restored cluster's endpoint reaches a copy of the test's production
 * database made when the test says the snapshot's data is production's ({@link AuroraCloneStandIn#forRestores});
 * Ferry's own code path is the production one.
 */
class RestoreTest {

	private final MotoServer moto = MotoServer.get();

	private final RdsClient rds = this.moto.rds();

	private final TestDatabase production = PostgresServer.get().createDatabase();

	private final String cluster = "aurora-" + UUID.randomUUID().toString().substring(0, 8);

	private final String writer = this.cluster + "-writer";

	private final String environment = "prod-" + UUID.randomUUID().toString().substring(0, 6);

	@TempDir
	Path folder;

	private AuroraCloneStandIn restored;

	private Scripts scripts;

	@BeforeEach
	void createProductionCluster() {
		this.restored = AuroraCloneStandIn.forRestores(this.production, this.rds, this.folder.resolve("hosts"));
		this.rds.createDBCluster((r) -> r.dbClusterIdentifier(this.cluster)
			.engine("aurora-postgresql")
			.engineVersion("15.4")
			.port(this.restored.port())
			.masterUsername("admin_user")
			.masterUserPassword("moto-only-password")
			.enableIAMDatabaseAuthentication(true)
			.dbClusterParameterGroupName("default.aurora-postgresql15")
			.serverlessV2ScalingConfiguration((s) -> s.minCapacity(0.5).maxCapacity(4.0))
			.tags(Tag.builder().key("team").value("payments").build()));
		this.rds.createDBInstance((r) -> r.dbInstanceIdentifier(this.writer)
			.dbClusterIdentifier(this.cluster)
			.engine("aurora-postgresql")
			.dbInstanceClass("db.r6g.large"));
		this.scripts = Scripts.in(this.folder.resolve("db"));
		this.scripts.folder().toFile().mkdirs();
	}

	@AfterEach
	void closeStandIn() {
		this.restored.close();
	}

	@Test
	void aBadMigrationIsRolledBackByRestoringTheSnapshotItsRunTookAndTheSchemaIsTheOneBefore() {
		this.scripts.write("V1__account.sql",
				"CREATE TABLE account (id int PRIMARY KEY, name text NOT NULL);\nINSERT INTO account VALUES (1, 'ada');");
		FerryRun first = ferry().run();
		assertThat(first.exitCode()).as(first.toString()).isZero();
		CatalogDump before = CatalogDump.of(this.production);
		this.restored.copyProduction();
		this.scripts.write("V2__bad.sql", "ALTER TABLE account DROP COLUMN name;\nDELETE FROM account;");
		FerryRun bad = ferry().run();
		assertThat(bad.exitCode()).as(bad.toString()).isZero();
		String snapshot = bad.report("$.snapshot");
		String rollback = bad.report("$.rollback");
		assertThat(rollback)
			.isEqualTo("FERRY_COMMAND=restore FERRY_ALLOW_RESTORE=true FERRY_RESTORE_SNAPSHOT_ID=" + snapshot);
		assertThat(bad.summary()).contains(rollback);
		assertThat(snapshotTags(snapshot)).contains(tuple("ferry:schema-version", "1"));

		FerryRun run = restore().env("FERRY_RESTORE_SNAPSHOT_ID", snapshot).run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		String restoredId = run.report("$.restore.restoredCluster");
		assertThat(restoredId).isEqualTo("ferry-restore-" + snapshot.substring("ferry-".length()));
		assertThat(run.<String>report("$.restore.snapshot")).isEqualTo(snapshot);
		assertThat(run.<Boolean>report("$.restore.verified")).isTrue();
		assertThat(run.<String>report("$.restore.restoredSchemaVersion")).isEqualTo("1");
		assertThat(run.<String>report("$.restore.endpoint")).startsWith(restoredId + ".");
		assertThat(run.<Integer>report("$.restore.writesLostMinutes")).isBetween(0, 5);
		assertThat(run.<Integer>report("$.restore.durationMs")).isPositive();
		assertThat(run.<String>report("$.restore.snapshotTime")).isNotBlank();
		assertThat(run.<String>report("$.restore.masterUserSecret")).startsWith("arn:aws:secretsmanager:");
		assertThat(run.<List<String>>report("$.restore.nextSteps")).anyMatch((s) -> s.contains("stands beside"));
		assertThat(run.output()).contains("Rollback cost: writes to " + this.cluster + " after")
			.contains("Next: The restored cluster " + restoredId + " stands beside production");
		assertThat(run.summary()).contains("**Rollback of `" + this.cluster + "`** to snapshot `" + snapshot + "`")
			.contains("| Writes lost | every write after")
			.contains("Next steps:");
		assertThat(run.output() + run.report() + run.summary()).as("the restored master user's password, moto's")
			.doesNotContain("P@55w0rd!");
		assertThat(CatalogDump.of(this.restored.copy()).differencesFrom(before)).as("the schema before V2").isEmpty();
		assertThat(this.production.tableExists("public.account")).isTrue();
		assertThat(this.production.committedMigrations(CatalogDump.HISTORY_TABLE)).as("production only read")
			.isEqualTo(2);

		DBCluster source = describe(this.cluster);
		DBCluster made = describe(restoredId);
		assertThat(made.engine()).isEqualTo(source.engine());
		assertThat(made.engineVersion()).isEqualTo("15.4");
		assertThat(made.port()).isEqualTo(source.port());
		assertThat(made.dbSubnetGroup()).isEqualTo(source.dbSubnetGroup());
		assertThat(made.dbClusterParameterGroup()).isEqualTo("default.aurora-postgresql15");
		assertThat(made.iamDatabaseAuthenticationEnabled()).isTrue();
		assertThat(made.serverlessV2ScalingConfiguration().maxCapacity()).isEqualTo(4.0);
		assertThat(made.tagList()).extracting(Tag::key, Tag::value)
			.contains(tuple("team", "payments"), tuple("ferry:restore", "true"), tuple("ferry:snapshot", snapshot),
					tuple("ferry:source-cluster", this.cluster));
		assertThat(instance(restoredId).dbInstanceClass()).isEqualTo("db.r6g.large");
		assertThat(source.deletionProtection()).isFalse();
		assertThat(source.tagList()).extracting(Tag::key).doesNotContain("ferry:restore");
	}

	@Test
	void withoutASnapshotIdTheNewestFinishedSnapshotOfThisEnvironmentIsRestored() {
		this.restored.copyProduction();
		snapshot("ferry-" + this.environment + "-20250101-000000-aaaa-v1", this.environment, "finished", "none");
		String newest = snapshot("ferry-" + this.environment + "-20250102-000000-bbbb-v2", this.environment,
				"finished", "none");
		snapshot("ferry-" + this.environment + "-20250103-000000-cccc-v3", this.environment, "in-flight", "none");
		snapshot("ferry-other-20250104-000000-dddd-v4", "other", "finished", "none");

		FerryRun run = restore().run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<String>report("$.restore.snapshot")).isEqualTo(newest);
		assertThat(run.<String>report("$.restore.snapshotSchemaVersion")).isEqualTo("none");
		assertThat(run.report()).as("an empty history has no version").doesNotContain("restoredSchemaVersion");
		assertThat(run.<Boolean>report("$.restore.verified")).isTrue();
	}

	@Test
	void aRestoreWithoutSwapRunsWhileTheProductionDatabaseDoesNotAnswer() {
		this.restored.copyProduction();
		snapshot("ferry-" + this.environment + "-20250101-000000-aaaa-v1", this.environment, "finished", "none");

		FerryRun run = restore().env("FERRY_DB_URL", "jdbc:postgresql://127.0.0.1:1/" + this.production.name()).run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<Boolean>report("$.restore.verified")).isTrue();
	}

	@Test
	void theSwapGivesTheRestoredClusterTheSourcesNameAndKeepsTheOldOneWithDeletionProtection() {
		migrateWithoutSnapshot("V1__account.sql", "CREATE TABLE account (id int PRIMARY KEY);");
		this.restored.copyProduction();
		String snapshot = snapshot("ferry-" + this.environment + "-20250101-000000-aaaa-v2", this.environment,
				"finished", "1");
		String sourceEndpoint = describe(this.cluster).endpoint();

		FerryRun run = restore().env("FERRY_RESTORE_SWAP", "true").run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		String restoredId = run.report("$.restore.restoredCluster");
		String kept = run.report("$.restore.keptCluster");
		assertThat(run.<Boolean>report("$.restore.swapped")).isTrue();
		assertThat(kept).startsWith(this.cluster + "-replaced-");
		assertThat(run.<List<String>>report("$.restore.swapSteps")).containsExactly(
				"renamed cluster " + this.cluster + " to " + kept + " (deletion protection on)",
				"renamed instance " + this.writer + " to " + this.writer + kept.substring(this.cluster.length()),
				"renamed cluster " + restoredId + " to " + this.cluster,
				"renamed instance " + restoredId + " to " + this.writer);
		DBCluster now = describe(this.cluster);
		assertThat(now.tagList()).extracting(Tag::key, Tag::value).contains(tuple("ferry:snapshot", snapshot));
		assertThat(now.endpoint()).isNotEqualTo(sourceEndpoint).startsWith(this.cluster + ".");
		assertThat(run.<String>report("$.restore.endpoint")).isEqualTo(now.endpoint());
		DBCluster old = describe(kept);
		assertThat(old.deletionProtection()).isTrue();
		assertThat(old.endpoint()).startsWith(kept + ".");
		assertThat(clusterIds()).doesNotContain(restoredId);
		assertThat(instance(this.writer).dbInstanceClass()).isEqualTo("db.r6g.large");
		assertThat(instanceIds()).contains(this.writer + kept.substring(this.cluster.length()));
		assertThat(run.summary()).contains("| Swapped | yes; the replaced cluster is kept as `" + kept + "` |");
	}

	@Test
	void theSwapIsRefusedWhileAMigrationHoldsFlywaysLockAndNothingIsMade() throws Exception {
		migrateWithoutSnapshot("V1__account.sql", "CREATE TABLE account (id int PRIMARY KEY);");
		this.restored.copyProduction();
		snapshot("ferry-" + this.environment + "-20250101-000000-aaaa-v2", this.environment, "finished", "1");
		try (Connection migrating = this.production.connect(); Statement statement = migrating.createStatement()) {
			statement.execute("SELECT pg_advisory_lock(" + flywayLock() + ")");

			FerryRun run = restore().env("FERRY_RESTORE_SWAP", "true").run();

			assertThat(run.exitCode()).as(run.toString()).isEqualTo(13);
			assertThat(run.<String>report("$.error.status")).isEqualTo("restore failed");
			assertThat(run.<String>report("$.error.message")).contains("the swap is refused: a migration holds"
					+ " Flyway's lock on the source " + this.cluster).contains("nothing was made");
		}
		assertThat(restoredClusters()).isEmpty();
		assertThat(describe(this.cluster).deletionProtection()).isFalse();
	}

	@Test
	void sigtermMidRestoreNamesWhatWasMadeAndTheNextRestoreReusesIt() throws Exception {
		this.restored.copyProduction();
		snapshot("ferry-" + this.environment + "-20250101-000000-aaaa-v1", this.environment, "finished", "none");
		this.restored.publishEndpoints(false);
		FerryProcess.Started started = restore().start();
		started.awaitOutput("not reachable yet");

		started.process().destroy();
		FerryRun stopped = started.await();

		assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(11);
		String made = stopped.report("$.restore.restoredCluster");
		assertThat(made).startsWith("ferry-restore-" + this.environment);
		assertThat(stopped.<String>report("$.restore.restoredInstance")).isEqualTo(made);
		assertThat(stopped.<String>report("$.error.message")).contains("made: cluster " + made);
		assertThat(stopped.summary()).contains("| Restored cluster | `" + made + "` |");
		assertThat(restoredClusters()).containsExactly(made);

		this.restored.publishEndpoints(true);
		FerryRun next = restore().run();

		assertThat(next.exitCode()).as(next.toString()).isZero();
		assertThat(next.<String>report("$.restore.restoredCluster")).isEqualTo(made);
		assertThat(next.<Boolean>report("$.restore.reused")).isTrue();
		assertThat(next.output()).contains("Reusing cluster " + made);
		assertThat(restoredClusters()).containsExactly(made);
	}

	@Test
	void aClusterOfTheRestoredNameThatIsNotFerrysIsLeftAloneAndTheRestoreExits13() {
		String snapshot = snapshot("ferry-" + this.environment + "-20250101-000000-aaaa-v1", this.environment,
				"finished", "none");
		String name = "ferry-restore-" + snapshot.substring("ferry-".length());
		MotoServer.createAuroraCluster(this.rds, name, null);

		FerryRun run = restore().run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(13);
		assertThat(run.<String>report("$.error.message")).contains("a cluster named " + name + " exists and is not"
				+ " Ferry's restore of snapshot " + snapshot + " (tags ferry:restore=true, ferry:snapshot): it is left alone;"
				+ " nothing was made");
		assertThat(describe(name).tagList()).isEmpty();
		assertThat(instanceIds()).doesNotContain(name);
	}

	@Test
	void aRestoredHistoryThatDoesNotEndWhereTheSnapshotSaysExits13AndSwapsNothing() {
		this.restored.copyProduction();
		snapshot("ferry-" + this.environment + "-20250101-000000-aaaa-v8", this.environment, "finished", "7");

		FerryRun run = restore().env("FERRY_RESTORE_SWAP", "true").run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(13);
		assertThat(run.<String>report("$.error.message")).contains("schema history ends at version none, but snapshot")
			.contains("was taken at version 7")
			.contains("nothing was swapped");
		assertThat(run.<Boolean>report("$.restore.verified")).isFalse();
		assertThat(run.<Boolean>report("$.restore.swapped")).isFalse();
		assertThat(describe(this.cluster).tagList()).extracting(Tag::key).doesNotContain("ferry:restore");
	}

	@Test
	void noSnapshotOfFerrysToRestoreIsExit2() {
		this.rds.createDBClusterSnapshot((r) -> r.dbClusterIdentifier(this.cluster)
			.dbClusterSnapshotIdentifier("before-upgrade-" + this.cluster)
			.tags(Tag.builder().key("owner").value("dba").build()));

		FerryRun run = restore().run();
		FerryRun named = restore().env("FERRY_RESTORE_SNAPSHOT_ID", "before-upgrade-" + this.cluster).run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.<String>report("$.error.message")).contains("no available snapshot of Ferry's of cluster "
				+ this.cluster);
		assertThat(named.exitCode()).as(named.toString()).isEqualTo(2);
		assertThat(named.<String>report("$.error.message")).contains("is not one of Ferry's");
		assertThat(restoredClusters()).isEmpty();
	}

	@Test
	void restoreIsRefusedWithoutFerryAllowRestore() {
		snapshot("ferry-" + this.environment + "-20250101-000000-aaaa-v1", this.environment, "finished", "none");

		FerryRun run = restore().env("FERRY_ALLOW_RESTORE", null).run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.output()).contains("refused unless FERRY_ALLOW_RESTORE=true");
		assertThat(restoredClusters()).isEmpty();
	}

	private FerryProcess ferry() {
		return FerryProcess.against(this.production)
			.aws(this.moto)
			.locations(this.scripts.folder())
			.env("FERRY_ENVIRONMENT", this.environment)
			.env("FERRY_DB_SSL_MODE", "prefer")
			.env("FERRY_SNAPSHOT_CLUSTER_ID", this.cluster)
			.env("FERRY_CONNECT_TIMEOUT", "60s")
			.systemProperty("jdk.net.hosts.file", this.restored.hostsFile().toString())
			.systemProperty("sun.net.inetaddr.negative.ttl", "0");
	}

	private FerryProcess restore() {
		return ferry().env("FERRY_COMMAND", "restore").env("FERRY_ALLOW_RESTORE", "true");
	}

	private void migrateWithoutSnapshot(String script, String sql) {
		this.scripts.write(script, sql);
		FerryRun run = ferry().env("FERRY_SNAPSHOT_CLUSTER_ID", null).run();
		assertThat(run.exitCode()).as(run.toString()).isZero();
	}

	/** A snapshot as Ferry tags its own, of the cluster as it is now. */
	private String snapshot(String id, String environment, String run, String schemaVersion) {
		this.rds.createDBClusterSnapshot((r) -> r.dbClusterIdentifier(this.cluster)
			.dbClusterSnapshotIdentifier(id)
			.tags(Tag.builder().key("ferry:managed").value("true").build(),
					Tag.builder().key("ferry:environment").value(environment).build(),
					Tag.builder().key("ferry:run").value(run).build(),
					Tag.builder().key("ferry:schema-version").value(schemaVersion).build()));
		return id;
	}

	private List<org.assertj.core.groups.Tuple> snapshotTags(String snapshot) {
		String arn = this.rds.describeDBClusterSnapshots((r) -> r.dbClusterSnapshotIdentifier(snapshot))
			.dbClusterSnapshots()
			.get(0)
			.dbClusterSnapshotArn();
		return this.rds.listTagsForResource((r) -> r.resourceName(arn))
			.tagList()
			.stream()
			.map((tag) -> tuple(tag.key(), tag.value()))
			.toList();
	}

	/** The key of Flyway's advisory lock: "Flyway" in ASCII plus the Java hash code of the history table's name. */
	private static long flywayLock() {
		return 0x466C79776179L + ("\"public\"." + "\"" + CatalogDump.HISTORY_TABLE + "\"").hashCode();
	}

	private DBCluster describe(String id) {
		return this.rds.describeDBClusters((r) -> r.dbClusterIdentifier(id)).dbClusters().get(0);
	}

	private DBInstance instance(String id) {
		return this.rds.describeDBInstances((r) -> r.dbInstanceIdentifier(id)).dbInstances().get(0);
	}

	private List<String> clusterIds() {
		return this.rds.describeDBClusters().dbClusters().stream().map(DBCluster::dbClusterIdentifier).toList();
	}

	private List<String> instanceIds() {
		return this.rds.describeDBInstances().dbInstances().stream().map(DBInstance::dbInstanceIdentifier).toList();
	}

	private List<String> restoredClusters() {
		return clusterIds().stream().filter((id) -> id.startsWith("ferry-restore-" + this.environment)).toList();
	}


}
