package dev.ferry.differential;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.ferry.testing.CatalogDump;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Where Ferry leaves a database other than plain Flyway would, on purpose. Each difference comes from one of Ferry's
 * defaults (each overridable) or one of its checks before any SQL runs:
 *
 * <table>
 * <caption>Ferry's deliberate differences from plain Flyway</caption>
 * <tr><th>Case</th><th>Plain Flyway (its defaults)</th><th>Ferry</th><th>Shown by</th></tr>
 * <tr><td>A misnamed script ({@code V2_one_underscore.sql})</td><td>{@code validateMigrationNaming=false}: skipped
 * silently, the others applied</td><td>{@code validate-migration-naming=true}: exit 5 naming the file, nothing
 * applied (as Flyway given the same setting)</td><td>{@link #aMisnamedScriptStopsFerryWhereFlywaysDefaultSkipsIt}</td></tr>
 * <tr><td>A placeholder without a value in a pending script</td><td>The scripts before it are applied, then it
 * fails at that script</td><td>Exit 2 before any SQL runs: nothing applied</td><td>
 * {@link #aPlaceholderWithoutAValueStopsFerryBeforeAnySqlWhereFlywayAppliesTheScriptsBeforeIt}</td></tr>
 * <tr><td>{@code CREATE INDEX CONCURRENTLY}</td><td>Transactional advisory lock: the index build waits forever on
 * Flyway's own transaction</td><td>{@code postgresql.transactional-lock=false}: the session-level lock, the index
 * is built</td><td>{@link #createIndexConcurrentlyWaitsForeverUnderFlywaysDefaultLock}; Ferry's side in
 * {@link FlywayOracleScenariosTest}</td></tr>
 * <tr><td>A {@code CREATE INDEX CONCURRENTLY} whose build fails</td><td>Leaves the invalid index (a rerun's
 * {@code IF NOT EXISTS} then records success over it)</td><td>Drops the invalid index the build left; after the fix,
 * repair and rerun both are alike</td><td>{@link #aConcurrentIndexBuildThatFailsLeavesNoInvalidIndexWhereFlywayLeavesOne}</td></tr>
 * <tr><td>Another runner holds Flyway's lock</td><td>{@code lockRetryCount=50}: gives up after 50 tries</td>
 * <td>{@code lock-retry-count=-1}: waits its turn however long</td><td>{@code ConcurrentRunnersTest}</td></tr>
 * <tr><td>Another session holds a lock a migration needs</td><td>No {@code lock_timeout}: waits as long as it
 * takes</td><td>{@code lock_timeout} 5 s, the migration rolled back and retried 3 times with backoff, then exit
 * 7</td><td>{@code LockTimeoutTest}</td></tr>
 * <tr><td>After a successful migrate</td><td>Nothing beside the history</td><td>Ferry's record of the schema for its
 * drift check, {@code ferry_catalog_record} beside the history table (left out of {@code CatalogDump})</td><td>
 * {@code DriftTest}</td></tr>
 * </table>
 * Everything else Flyway does, Ferry does alike: {@link FlywayOracleScenariosTest} and
 * {@link GeneratedProjectsTest} compare the two.
 */
class DeliberateDifferencesTest {

	@TempDir
	Path folder;

	@Test
	void aConcurrentIndexBuildThatFailsLeavesNoInvalidIndexWhereFlywayLeavesOne() {
		try (Twins twins = Twins.in(this.folder)) {
			twins.scripts()
				.write("V1__table.sql", "CREATE TABLE big (id int, v int);\n"
						+ "INSERT INTO big SELECT i, i % 10 FROM generate_series(1, 1000) i;")
				.write("V2__unique.sql", "CREATE UNIQUE INDEX CONCURRENTLY big_v_key ON big (v);");
			Twins.Step step = twins.migrateExpectingDifferences();
			assertThat(step.ferryRun().exitCode()).as(step.ferryRun().toString()).isEqualTo(6);
			assertThat(step.flyway().succeeded()).isFalse();
			assertThat(step.differences()).as("only the invalid index differs")
				.singleElement(STRING)
				.contains("only after Flyway")
				.contains("big_v_key");
			assertThat(twins.history()).anyMatch((row) -> row.contains("V2__unique.sql") && row.endsWith("false"));

			twins.scripts().write("V2__unique.sql", "DROP INDEX CONCURRENTLY IF EXISTS big_v_key;\n"
					+ "CREATE INDEX CONCURRENTLY big_v_idx ON big (v);");
			twins.repairExpectingDifferences();
			assertThat(twins.migrate().succeeded()).as("after the fix, repair and rerun, alike again").isTrue();
		}
	}

	@Test
	void aMisnamedScriptStopsFerryWhereFlywaysDefaultSkipsIt() {
		try (Twins twins = Twins.in(this.folder)) {
			twins.scripts()
				.write("V1__first.sql", "CREATE TABLE first (id int);")
				.write("V2_one_underscore.sql", "CREATE TABLE second (id int);");
			Twins.Step step = twins.migrate();
			assertThat(step.ferryRun().exitCode()).as(step.ferryRun().toString()).isEqualTo(5);
			assertThat(step.ferryRun().<String>report("$.error.message")).contains("V2_one_underscore.sql");
			assertThat(step.flyway().succeeded()).as("Flyway with Ferry's validateMigrationNaming=true").isFalse();
			assertThat(twins.history()).isEmpty();
		}
		TestDatabase plain = PostgresServer.get().createDatabase();
		try {
			Oracle.withItsOwnDefaults(plain, "filesystem:" + this.folder.toAbsolutePath()).migrate();
			assertThat(plain.history(CatalogDump.HISTORY_TABLE)).as("plain Flyway skips the misnamed script")
				.containsExactly("1:true");
			assertThat(plain.tableExists("second")).isFalse();
		}
		finally {
			plain.drop();
		}
	}

	@Test
	void aPlaceholderWithoutAValueStopsFerryBeforeAnySqlWhereFlywayAppliesTheScriptsBeforeIt() {
		try (Twins twins = Twins.in(this.folder)) {
			twins.scripts()
				.write("V1__first.sql", "CREATE TABLE first (id int);")
				.write("V2__needs_a_value.sql", "CREATE TABLE second (name text DEFAULT '${unset_value}');");
			Twins.Step step = twins.migrateExpectingDifferences();
			assertThat(step.ferryRun().exitCode()).as(step.ferryRun().toString()).isEqualTo(2);
			assertThat(step.flyway().succeeded()).isFalse();
			assertThat(step.differences()).as("Ferry applied nothing, Flyway applied V1")
				.anyMatch((difference) -> difference.startsWith("history") && difference.contains("V1__first.sql"))
				.contains("columns only after Flyway: public | first | 1 | id | integer | int4 | YES | ")
				.noneMatch((difference) -> difference.contains("only after Ferry"));
		}
	}

	@Test
	void createIndexConcurrentlyWaitsForeverUnderFlywaysDefaultLock() throws Exception {
		Scripts.in(this.folder)
			.write("V1__table.sql", "CREATE TABLE big (id int);\nINSERT INTO big SELECT generate_series(1, 1000);")
			.write("V2__index.sql", "CREATE INDEX CONCURRENTLY big_id_idx ON big (id);");
		TestDatabase plain = PostgresServer.get().createDatabase();
		try {
			Flyway flyway = Oracle.withItsOwnDefaults(plain, "filesystem:" + this.folder.toAbsolutePath());
			CompletableFuture<Void> migrate = CompletableFuture.runAsync(flyway::migrate);
			String waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
					+ " AND query LIKE 'CREATE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'";
			await().atMost(Duration.ofSeconds(30)).until(() -> plain.single(waiting).equals("1"));
			Thread.sleep(2000);
			assertThat(plain.single(waiting)).as("still waiting on Flyway's own transaction").isEqualTo("1");
			assertThat(migrate).isNotDone();
			plain.column("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
					+ " AND pid <> pg_backend_pid()");
			assertThatThrownBy(() -> migrate.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
		}
		finally {
			plain.drop();
		}
	}

}
