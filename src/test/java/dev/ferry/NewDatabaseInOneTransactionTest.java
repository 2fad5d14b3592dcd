package dev.ferry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A database without schema history gets all its migrations in one transaction; whatever cannot be applied that
 * way is applied one transaction per migration, as on a database that has history. The history rows tell which
 * way it went: rows written by one transaction share its id ({@code xmin}).
 */
class NewDatabaseInOneTransactionTest {

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	@Test
	void aNewDatabaseGetsEveryMigrationInOneTransaction() {
		Scripts.in(this.folder)
			.write("V1__a.sql", "CREATE TABLE a (id int PRIMARY KEY); INSERT INTO a VALUES (1);")
			.write("V2__b.sql", "CREATE TABLE b (id int PRIMARY KEY REFERENCES a); INSERT INTO b VALUES (1);")
			.write("V3__c.sql", "ALTER TABLE b ADD COLUMN note text DEFAULT 'x';")
			.write("R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT a.id, b.note FROM a JOIN b USING (id);");

		FerryRun run = FerryProcess.against(this.database).locations(this.folder).run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<List<String>>report("$.applied[*].script"))
			.containsExactly("V1__a.sql", "V2__b.sql", "V3__c.sql", "R__v.sql");
		assertThat(transactionsInHistory()).isEqualTo("1");
		assertThat(this.database.single("SELECT note FROM v")).isEqualTo("x");
	}

	@Test
	void aRunKilledDuringTheNewDatabasesTransactionLeavesNothingAndTheRerunAppliesEverything() throws Exception {
		Scripts.in(this.folder)
			.write("V1__a.sql", "CREATE TABLE a (id int PRIMARY KEY); INSERT INTO a VALUES (1);")
			.write("V2__slow.sql", "CREATE TABLE b (id int); SELECT pg_sleep(${pause});")
			.write("V3__c.sql", "CREATE TABLE c (id int);");
		FerryProcess.Started started = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FERRY_PLACEHOLDER_pause", "5")
			.start();
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		while (!started.outputSoFar().contains("Applied V1 ") && System.nanoTime() < deadline) {
			Thread.sleep(50);
		}
		assertThat(started.outputSoFar()).contains("Applied V1 ");
		started.process().destroyForcibly().waitFor();
		// The server notices the dead client once V2's pg_sleep ends, rolls back and frees Flyway's lock.

		assertThat(this.database.tableExists("public.a")).as("V1, applied but not committed").isFalse();
		assertThat(this.database.committedMigrations("flyway_schema_history")).isZero();
		FerryRun rerun = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FERRY_PLACEHOLDER_pause", "0")
			.run();
		assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
		assertThat(rerun.<List<String>>report("$.applied[*].script"))
			.containsExactly("V1__a.sql", "V2__slow.sql", "V3__c.sql");
		assertThat(transactionsInHistory()).isEqualTo("1");
	}

	@Test
	void aDatabaseWithHistoryGetsOneTransactionPerMigration() {
		Scripts scripts = Scripts.in(this.folder).write("V1__a.sql", "CREATE TABLE a (id int);");
		assertThat(FerryProcess.against(this.database).locations(this.folder).run().exitCode()).isZero();
		scripts.write("V2__b.sql", "CREATE TABLE b (id int);").write("V3__c.sql", "CREATE TABLE c (id int);");

		FerryRun run = FerryProcess.against(this.database).locations(this.folder).run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<List<String>>report("$.applied[*].script")).containsExactly("V2__b.sql", "V3__c.sql");
		assertThat(transactionsInHistory()).isEqualTo("3");
	}

	@Test
	void anEnumValueUsedRightAfterTheMigrationThatAddedItFallsBackToOneTransactionPerMigration() {
		Scripts.in(this.folder)
			.write("V1__status.sql", "CREATE TYPE status AS ENUM ('open'); CREATE TABLE ticket (s status);")
			.write("V2__closed.sql", "ALTER TYPE status ADD VALUE 'closed';")
			.write("V3__use_closed.sql", "INSERT INTO ticket VALUES ('closed');");

		FerryRun run = FerryProcess.against(this.database).locations(this.folder).run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.output()).contains("did not apply in one transaction")
			.contains("rolled back, applying them one transaction each")
			.contains("applied 3 migrations");
		assertThat(run.<List<String>>report("$.applied[*].script"))
			.containsExactly("V1__status.sql", "V2__closed.sql", "V3__use_closed.sql");
		assertThat(this.database.history("flyway_schema_history")).containsExactly("1:true", "2:true", "3:true");
		assertThat(transactionsInHistory()).isEqualTo("3");
		assertThat(this.database.single("SELECT s FROM ticket")).isEqualTo("closed");
	}

	@Test
	void aScriptThatCannotRunInATransactionFallsBackToOneTransactionPerMigration() {
		Scripts.in(this.folder)
			.write("V1__t.sql", "CREATE TABLE t (id int);")
			.write("V2__index.sql", "CREATE INDEX CONCURRENTLY t_id ON t (id);");

		FerryRun run = FerryProcess.against(this.database).locations(this.folder).run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<List<String>>report("$.applied[*].script")).containsExactly("V1__t.sql", "V2__index.sql");
		assertThat(this.database.single("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id'::regclass"))
			.isEqualTo("t");
	}

	@Test
	void aFailingMigrationInANewDatabaseKeepsWhatTheMigrationsBeforeItCommitted() {
		Scripts.in(this.folder)
			.write("V1__a.sql", "CREATE TABLE a (id int);")
			.write("V2__b.sql", "CREATE TABLE b (id int);")
			.write("V3__broken.sql", "CREATE TABLE c (id int);\nSELEC 1;");

		FerryRun run = FerryProcess.against(this.database).locations(this.folder).run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(6);
		assertThat(run.<List<String>>report("$.applied[*].script")).containsExactly("V1__a.sql", "V2__b.sql");
		assertThat(run.<String>report("$.error.script")).isEqualTo("V3__broken.sql");
		assertThat(this.database.history("flyway_schema_history")).containsExactly("1:true", "2:true");
		assertThat(this.database.tableExists("public.b")).isTrue();
		assertThat(this.database.tableExists("public.c")).isFalse();
	}

	@Test
	void turnedOffANewDatabaseGetsOneTransactionPerMigration() {
		Scripts.in(this.folder)
			.write("V1__a.sql", "CREATE TABLE a (id int);")
			.write("V2__b.sql", "CREATE TABLE b (id int);");

		FerryRun run = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FERRY_NEW_DATABASE_IN_ONE_TRANSACTION", "false")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(transactionsInHistory()).isEqualTo("2");
	}

	private String transactionsInHistory() {
		return this.database.single("SELECT count(DISTINCT xmin::text) FROM flyway_schema_history WHERE type <> 'SCHEMA'");
	}

}
