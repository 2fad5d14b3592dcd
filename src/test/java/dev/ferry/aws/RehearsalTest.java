package dev.ferry.aws;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
import software.amazon.awssdk.services.rds.model.Tag;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rehearsal on an Aurora clone, against RDS in moto: the clone is made from the production cluster, the pending
 * migrations run there first, production is migrated only if they all pass within the lock budget, and the clone is
 * always deleted. The clone's endpoint reaches a copy of the test's production database
 * ({@link AuroraCloneStandIn}); Ferry's own code path is the production one.
 */
class RehearsalTest {

	private final MotoServer moto = MotoServer.get();

	private final RdsClient rds = this.moto.rds();

	private final TestDatabase production = PostgresServer.get().createDatabase();

	private final String cluster = "aurora-" + UUID.randomUUID().toString().substring(0, 8);

	private final String environment = "prod-" + UUID.randomUUID().toString().substring(0, 6);

	@TempDir
	Path folder;

	private AuroraCloneStandIn clone;

	@BeforeEach
	void createProductionCluster() {
		this.clone = new AuroraCloneStandIn(this.production, this.rds, this.folder.resolve("hosts"));
		MotoServer.createAuroraCluster(this.rds, this.cluster, this.clone.port());
	}

	@AfterEach
	void closeStandIn() {
		this.clone.close();
	}

	@Test
	void aPassingRehearsalIsFollowedByProductionsMigrationAndTheCloneIsDeleted() {
		this.clone.copyProduction();

		FerryRun run = ferry().run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<Boolean>report("$.rehearsal.passed")).isTrue();
		assertThat(run.<List<String>>report("$.rehearsal.migrations[*].script")).hasSize(6)
			.contains("V1__access_management_schema.sql", "R__code_set_values.sql");
		assertThat(run.<List<Boolean>>report("$.rehearsal.migrations[*].succeeded")).containsOnly(true);
		assertThat(run.<String>report("$.rehearsal.clone")).startsWith("ferry-rehearsal-" + this.environment + "-");
		assertThat(run.<Boolean>report("$.rehearsal.cloneDeleted")).isTrue();
		assertThat(run.<Integer>report("$.applied.length()")).isEqualTo(6);
		assertThat(run.output()).contains("Rehearsal passed").contains("Deleted the rehearsal clone");
		assertThat(run.output().indexOf("Rehearsal passed")).isLessThan(run.output().indexOf("Applied V1"));
		assertThat(run.summary()).contains("**Rehearsal on a clone of `" + this.cluster + "`");
		assertThat(this.clone.copy().committedMigrations(CatalogDump.HISTORY_TABLE)).as("rehearsed on the copy")
			.isEqualTo(6);
		assertThat(this.production.committedMigrations(CatalogDump.HISTORY_TABLE)).isEqualTo(6);
		assertThat(rehearsalClusters()).isEmpty();
		assertThat(this.rds.describeDBInstances().dbInstances()).noneMatch(
				(instance) -> instance.dbInstanceIdentifier().startsWith("ferry-rehearsal-" + this.environment));
	}

	@Test
	void aRerunWithNothingPendingMakesNoClone() {
		this.clone.copyProduction();
		assertThat(ferry().run().exitCode()).isZero();
		int connections = this.clone.connections();

		FerryRun rerun = ferry().run();

		assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
		assertThat(rerun.report()).doesNotContain("\"rehearsal\"");
		assertThat(rerun.output()).doesNotContain("Cloning cluster");
		assertThat(this.clone.connections()).isEqualTo(connections);
	}

	@Test
	void aMigrationThatFailsOnTheCloneLeavesProductionUntouchedAndExits9() {
		Scripts scripts = Scripts.in(this.folder.resolve("db"));
		scripts.folder().toFile().mkdirs();
		scripts.write("V1__account.sql", "CREATE TABLE account (id int PRIMARY KEY);");
		assertThat(ferry().locations(scripts.folder()).env("FERRY_REHEARSE", null).run().exitCode()).isZero();
		scripts.write("V2__add_name.sql", "ALTER TABLE account ADD COLUMN name text;");
		scripts.write("V3__broken.sql", "ALTER TABLE no_such_table ADD COLUMN x int;");
		this.clone.copyProduction();
		CatalogDump before = CatalogDump.of(this.production);

		FerryRun run = ferry().locations(scripts.folder()).run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(9);
		assertThat(CatalogDump.of(this.production).differencesFrom(before)).isEmpty();
		assertThat(run.<Boolean>report("$.rehearsal.passed")).isFalse();
		assertThat(run.<List<String>>report("$.rehearsal.migrations[*].script")).containsExactly("V2__add_name.sql",
				"V3__broken.sql");
		assertThat(run.<String>report("$.error.message")).contains("V3 \"broken\"")
			.contains("relation \"no_such_table\" does not exist")
			.contains("production was not touched");
		assertThat(run.<Boolean>report("$.rehearsal.cloneDeleted")).isTrue();
		assertThat(rehearsalClusters()).isEmpty();
		assertThat(run.output()).doesNotContain("Applied V2");
	}

	@Test
	void aLockHeldLongerThanTheBudgetFailsTheRehearsalAndNamesTheRelation() {
		Scripts scripts = Scripts.in(this.folder.resolve("db"));
		scripts.folder().toFile().mkdirs();
		scripts.write("V1__account.sql", "CREATE TABLE account (id int PRIMARY KEY); INSERT INTO account VALUES (1);");
		assertThat(ferry().locations(scripts.folder()).env("FERRY_REHEARSE", null).run().exitCode()).isZero();
		scripts.write("V2__slow_rewrite.sql",
				"ALTER TABLE account ADD COLUMN name text;\nSELECT pg_sleep(1.5);\nCREATE TABLE audit (id int);");
		this.clone.copyProduction();
		CatalogDump before = CatalogDump.of(this.production);

		FerryRun run = ferry().locations(scripts.folder()).env("FERRY_REHEARSAL_LOCK_BUDGET", "500ms").run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(9);
		assertThat(CatalogDump.of(this.production).differencesFrom(before)).isEmpty();
		assertThat(run.<List<String>>report("$.rehearsal.migrations[0].locks[*].relation"))
			.as("the table the migration made is nobody else's lock").containsExactly("public.account");
		assertThat(run.<String>report("$.rehearsal.migrations[0].locks[0].mode")).isEqualTo("ACCESS EXCLUSIVE");
		assertThat(run.<Integer>report("$.rehearsal.migrations[0].locks[0].heldMs")).isBetween(1400, 60_000);
		assertThat(run.<Integer>report("$.rehearsal.lockBudgetMs")).isEqualTo(500);
		assertThat(run.<String>report("$.error.message")).contains("held ACCESS EXCLUSIVE on public.account for")
			.contains("over FERRY_REHEARSAL_LOCK_BUDGET (500 ms)");
		assertThat(rehearsalClusters()).isEmpty();
	}

	@Test
	void aLockWithinTheBudgetIsReportedAndProductionIsMigrated() {
		Scripts scripts = Scripts.in(this.folder.resolve("db"));
		scripts.folder().toFile().mkdirs();
		scripts.write("V1__account.sql", "CREATE TABLE account (id int PRIMARY KEY);");
		assertThat(ferry().locations(scripts.folder()).env("FERRY_REHEARSE", null).run().exitCode()).isZero();
		scripts.write("V2__index.sql", "CREATE INDEX account_id ON account (id);\nSELECT pg_sleep(0.3);");
		this.clone.copyProduction();

		FerryRun run = ferry().locations(scripts.folder()).env("FERRY_REHEARSAL_LOCK_BUDGET", "60s").run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<String>report("$.rehearsal.migrations[0].locks[0].relation")).isEqualTo("public.account");
		assertThat(run.<String>report("$.rehearsal.migrations[0].locks[0].mode")).isEqualTo("SHARE");
		assertThat(run.<Integer>report("$.rehearsal.blockingMs")).as("held from CREATE INDEX to the commit")
			.isBetween(300, 60_000);
		assertThat(this.production.committedMigrations(CatalogDump.HISTORY_TABLE)).isEqualTo(2);
	}

	@Test
	void aCloneLeftByAKilledRunIsDeletedByTheNextRun() throws Exception {
		Scripts scripts = Scripts.in(this.folder.resolve("db"));
		scripts.folder().toFile().mkdirs();
		scripts.write("V1__slow.sql", "SELECT pg_sleep(30);");
		this.clone.copyProduction();
		// Its lease: renewed every second while it runs, 4 s after the last renewal it is a leftover.
		FerryProcess.Started killed = ferry().locations(scripts.folder()).env("FERRY_REHEARSAL_TIMEOUT", "4s").start();
		killed.awaitOutput("Rehearsal clone ferry-rehearsal-");
		this.clone.copy().awaitActive("pg_sleep(30)", Duration.ofSeconds(30));
		killed.process().destroyForcibly().waitFor();
		List<String> left = rehearsalClusters();
		assertThat(left).hasSize(1);
		Instant leaseRunsOut = MotoServer.leaseOf(this.rds, left.get(0));

		scripts.write("V1__slow.sql", "SELECT 1;");
		this.clone.copyProduction();
		String otherEnvironments = "ferry-rehearsal-" + this.environment + "-eu-20200101-000000-abcd";
		this.rds.restoreDBClusterToPointInTime((r) -> r.dbClusterIdentifier(otherEnvironments)
			.sourceDBClusterIdentifier(this.cluster)
			.useLatestRestorableTime(true)
			.tags(Tag.builder().key("ferry:rehearsal").value("true").build(),
					Tag.builder().key("ferry:environment").value(this.environment + "-eu").build()));
		Thread.sleep(Math.max(0, Duration.between(Instant.now(), leaseRunsOut).toMillis()) + 500);
		FerryRun next = ferry().locations(scripts.folder()).run();

		assertThat(next.exitCode()).as(next.toString()).isZero();
		assertThat(next.output()).contains("Deleting the leftover rehearsal clone " + left.get(0));
		assertThat(rehearsalClusters()).as("another environment's clone, whose name starts alike, is left alone")
			.containsExactly(otherEnvironments);
		assertThat(this.production.committedMigrations(CatalogDump.HISTORY_TABLE)).isEqualTo(1);
	}

	@Test
	void sigtermDuringTheRehearsalExits11DeletesTheCloneAndLeavesProductionUntouched() throws Exception {
		Scripts scripts = Scripts.in(this.folder.resolve("db"));
		scripts.folder().toFile().mkdirs();
		scripts.write("V1__slow.sql", "CREATE TABLE slow (id int);\nSELECT pg_sleep(30);");
		this.clone.copyProduction();
		FerryProcess.Started started = ferry().locations(scripts.folder()).start();
		started.awaitOutput("Rehearsal clone ferry-rehearsal-");
		this.clone.copy().awaitActive("pg_sleep(30)", Duration.ofSeconds(30));

		started.process().destroy();
		FerryRun stopped = started.await();

		assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(11);
		assertThat(stopped.<Boolean>report("$.rehearsal.passed")).isFalse();
		assertThat(rehearsalClusters()).isEmpty();
		assertThat(this.production.tableExists("public." + CatalogDump.HISTORY_TABLE)).isFalse();
		assertThat(this.clone.copy().tableExists("public.slow")).as("rolled back on the clone").isFalse();
	}

	@Test
	void aCloneThatDidNotRunWhatProductionWouldRunFailsTheRehearsal() {
		Scripts scripts = Scripts.in(this.folder.resolve("db"));
		scripts.folder().toFile().mkdirs();
		scripts.write("V1__account.sql", "CREATE TABLE account (id int PRIMARY KEY);");
		this.clone.copyProduction();
		// The clone's history is ahead of production's: what production would run, the clone does not.
		assertThat(FerryProcess.against(this.clone.copy()).locations(scripts.folder()).run().exitCode()).isZero();

		FerryRun run = ferry().locations(scripts.folder()).run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(9);
		assertThat(run.<String>report("$.error.message")).contains("the clone did not run V1__account.sql");
		assertThat(this.production.tableExists("public.account")).isFalse();
		assertThat(rehearsalClusters()).isEmpty();
	}

	@Test
	void theRehearseCommandRehearsesWithoutTouchingProduction() {
		this.clone.copyProduction();

		FerryRun run = ferry().env("FERRY_REHEARSE", null).run("rehearse");

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<Boolean>report("$.rehearsal.passed")).isTrue();
		assertThat(run.<String>report("$.message")).startsWith("rehearsed 6 migrations on a clone of production");
		assertThat(this.production.tableExists("public." + CatalogDump.HISTORY_TABLE)).isFalse();
		assertThat(this.clone.copy().committedMigrations(CatalogDump.HISTORY_TABLE)).isEqualTo(6);
		assertThat(rehearsalClusters()).isEmpty();
	}

	@Test
	void aCloneThatCannotBeMadeExits12AndProductionIsUntouched() {
		FerryRun run = ferry().env("FERRY_REHEARSAL_CLUSTER_ID", "no-such-cluster").run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(12);
		assertThat(run.output()).contains("could not be made, production was not touched");
		assertThat(this.production.tableExists("public." + CatalogDump.HISTORY_TABLE)).isFalse();
	}

	@Test
	void aRehearsalSettingThatIsNotCloneOrOffIsRefused() {
		FerryRun run = ferry().env("FERRY_REHEARSE", "yes").run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.output()).contains("FERRY_REHEARSE").contains("it must be one of off, clone");
		assertThat(this.production.tableExists("public." + CatalogDump.HISTORY_TABLE)).isFalse();
	}

	private FerryProcess ferry() {
		return FerryProcess.against(this.production)
			.aws(this.moto)
			.env("FERRY_ENVIRONMENT", this.environment)
			.env("FERRY_DB_SSL_MODE", "prefer")
			.env("FERRY_REHEARSE", "clone")
			.env("FERRY_REHEARSAL_CLUSTER_ID", this.cluster)
			.systemProperty("jdk.net.hosts.file", this.clone.hostsFile().toString())
			.systemProperty("sun.net.inetaddr.negative.ttl", "0");
	}

	private List<String> rehearsalClusters() {
		return this.rds.describeDBClusters()
			.dbClusters()
			.stream()
			.map(DBCluster::dbClusterIdentifier)
			.filter((id) -> id.startsWith("ferry-rehearsal-" + this.environment))
			.toList();
	}


}
