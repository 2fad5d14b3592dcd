package dev.ferry.migration;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import dev.ferry.testing.CatalogDump;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The invalid-index cleanup tried as an attacker and an unlucky operator would: it drops only the invalid index a
 * pending migration's {@code CREATE INDEX CONCURRENTLY} names, on the table it names, in a schema Flyway manages,
 * however the names are spelled, and leaves everything else alone: invalid indexes nobody builds, their namesakes in
 * other schemas, schemas Flyway does not manage, and partitioned parents ({@code ON ONLY}). Flyway runs in this JVM
 * with the cleanup as its only callback ({@code app} and {@code audit} managed, {@code other} not), so each case
 * costs a migrate, not a process. A kill -9 or an exit 7 inside the build, then a rerun under
 * {@code FERRY_DRIFT=fail}, is in the fault suite ({@code ConcurrentIndexFailureTest}).
 */
class InvalidIndexCleanupAdversarialTest {

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	@AfterEach
	void drop() {
		this.database.drop();
	}

	@Test
	void aPendingBuildsLeftoverIsDroppedAndBuiltAgainHoweverItsNamesAreSpelled() throws SQLException {
		applied("""
				CREATE TABLE app.account (id int, email text, name text);
				INSERT INTO app.account VALUES (1, 'a@example.com', 'a'), (2, 'a@example.com', 'a');
				""");
		leftover("\"Account_Email_IDX\"", "app.account (email)");
		leftover("account_name_idx", "app.account (name)");
		Scripts.in(this.folder).write("V2__indexes.sql", """
				-- flyway:executeInTransaction=false
				/* quoted, mixed case, qualified table in quotes */
				CREATE INDEX CONCURRENTLY IF NOT EXISTS "Account_Email_IDX" ON "app" . account (email);
				-- unquoted mixed case folds to lower case; the table through a placeholder
				create index concurrently if not exists Account_Name_Idx on ${flyway:defaultSchema}.Account (name);
				""");

		flyway().migrate();

		assertThat(validity("app.\"Account_Email_IDX\"")).isEqualTo("t");
		assertThat(validity("app.account_name_idx")).isEqualTo("t");
		assertThat(this.database.history(HISTORY)).containsExactly("1:true", "2:true");
	}

	@Test
	void anInvalidIndexNoPendingBuildNamesIsLeftAlone() throws SQLException {
		applied("""
				CREATE TABLE app.account (id int, email text);
				INSERT INTO app.account VALUES (1, 'a@example.com'), (2, 'a@example.com');
				""");
		leftover("account_stray_key", "app.account (email)");
		Scripts.in(this.folder).write("V2__index.sql", "CREATE INDEX CONCURRENTLY account_email_idx ON app.account (email);");

		flyway().migrate();

		assertThat(validity("app.account_stray_key")).as("nobody builds it").isEqualTo("f");
		assertThat(validity("app.account_email_idx")).isEqualTo("t");
	}

	@Test
	void aForeignInvalidIndexOfTheSameNameInAnotherManagedSchemaIsLeftAlone() throws SQLException {
		applied("""
				CREATE TABLE app.account (id int, email text);
				CREATE TABLE audit.account (id int, email text);
				INSERT INTO app.account VALUES (1, 'a@example.com'), (2, 'a@example.com');
				INSERT INTO audit.account VALUES (1, 'a@example.com'), (2, 'a@example.com');
				""");
		leftover("account_email_idx", "app.account (email)");
		leftover("account_email_idx", "audit.account (email)");
		Scripts.in(this.folder).write("V2__index.sql",
				"CREATE INDEX CONCURRENTLY IF NOT EXISTS account_email_idx ON app.account (email);");

		flyway().migrate();

		assertThat(validity("app.account_email_idx")).isEqualTo("t");
		assertThat(validity("audit.account_email_idx")).as("the namesake on another table").isEqualTo("f");
	}

	@Test
	void anInvalidIndexInASchemaFlywayDoesNotManageIsLeftAloneEvenWhenAPendingBuildNamesIt() throws SQLException {
		applied("""
				CREATE TABLE app.account (id int, email text);
				INSERT INTO app.account VALUES (1, 'a@example.com'), (2, 'a@example.com');
				""");
		this.database.execute("CREATE SCHEMA other; CREATE TABLE other.account (id int, email text);"
				+ " INSERT INTO other.account VALUES (1, 'a@example.com'), (2, 'a@example.com')");
		leftover("account_email_idx", "other.account (email)");
		leftover("account_note_idx", "other.account (email)");
		Scripts.in(this.folder).write("V2__index.sql", """
				CREATE INDEX CONCURRENTLY IF NOT EXISTS account_email_idx ON app.account (email);
				CREATE INDEX CONCURRENTLY IF NOT EXISTS account_note_idx ON other.account (email);
				""");

		flyway().migrate();

		assertThat(validity("app.account_email_idx")).isEqualTo("t");
		assertThat(validity("other.account_email_idx")).isEqualTo("f");
		assertThat(validity("other.account_note_idx")).as("not Flyway's schema, though the build names it")
			.isEqualTo("f");
	}

	@Test
	void thePartitionedIndexPatternMigratesAndItsInvalidParentIsLeftUntilAttached() {
		applied("""
				CREATE TABLE app.measurement (id int, at date) PARTITION BY RANGE (at);
				CREATE TABLE app.measurement_2025 PARTITION OF app.measurement FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
				CREATE TABLE app.measurement_2026 PARTITION OF app.measurement FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
				INSERT INTO app.measurement SELECT i, date '2025-01-01' + i FROM generate_series(1, 600) i;
				""");
		Scripts.in(this.folder)
			.write("V2__parent_index.sql", "CREATE INDEX measurement_at_idx ON ONLY app.measurement (at);")
			.write("V3__index_2025.sql",
					"CREATE INDEX CONCURRENTLY IF NOT EXISTS measurement_2025_at_idx ON app.measurement_2025 (at);")
			.write("V4__index_2026.sql",
					"CREATE INDEX CONCURRENTLY IF NOT EXISTS measurement_2026_at_idx ON app.measurement_2026 (at);");

		flyway().migrate();
		assertThat(validity("app.measurement_at_idx")).as("not every partition's index attached yet").isEqualTo("f");

		Scripts.in(this.folder).write("V5__attach.sql", """
				ALTER INDEX app.measurement_at_idx ATTACH PARTITION app.measurement_2025_at_idx;
				ALTER INDEX app.measurement_at_idx ATTACH PARTITION app.measurement_2026_at_idx;
				""");
		flyway().migrate();

		assertThat(validity("app.measurement_at_idx")).isEqualTo("t");
		assertThat(this.database.history(HISTORY)).containsExactly("1:true", "2:true", "3:true", "4:true", "5:true");
	}

	@Test
	void aFailedBuildDropsTheIndexItLeftAndNoOther() throws SQLException {
		applied("""
				CREATE TABLE app.account (id int, email text);
				INSERT INTO app.account VALUES (1, 'a@example.com'), (2, 'a@example.com');
				""");
		leftover("account_stray_key", "app.account (email)");
		Scripts.in(this.folder).write("V2__unique.sql",
				"CREATE UNIQUE INDEX CONCURRENTLY account_email_key ON app.account (email);");

		assertThatThrownBy(() -> flyway().migrate()).isInstanceOf(FlywayException.class);

		assertThat(this.database.tableExists("app.account_email_key")).as("the failed build's own index").isFalse();
		assertThat(validity("app.account_stray_key")).isEqualTo("f");
	}

	@Test
	void onlyTheNamedConcurrentBuildsOfAScriptAreItsBuilds() {
		List<String[]> builds = InvalidIndexCleanup.concurrentBuilds("""
				CREATE INDEX CONCURRENTLY ON app.account (email);
				CREATE INDEX plain_idx ON app.account (email);
				INSERT INTO note VALUES ('CREATE INDEX CONCURRENTLY fake_idx ON app.account (email)');
				-- CREATE INDEX CONCURRENTLY commented_idx ON app.account (email);
				CREATE UNIQUE INDEX
				  CONCURRENTLY IF NOT EXISTS "We""ird Name" ON ONLY "App"."Account" USING btree (email);
				CREATE INDEX CONCURRENTLY café_idx ON account(email);
				""");

		assertThat(builds).extracting((build) -> build[0] + " on " + build[1])
			.containsExactly("\"We\"\"ird Name\" on \"App\".\"Account\"", "café_idx on account");
	}

	private static final String HISTORY = "app." + CatalogDump.HISTORY_TABLE;

	/** V1, applied: the managed schemas and what the case needs in them. */
	private void applied(String sql) {
		Scripts.in(this.folder).write("V1__tables.sql", "CREATE SCHEMA IF NOT EXISTS audit;\n" + sql);
		flyway().migrate();
	}

	/** What a concurrent build cut short leaves: an invalid index of that name (here, a unique one on duplicates). */
	private void leftover(String name, String on) throws SQLException {
		try (Connection connection = this.database.connect(); Statement statement = connection.createStatement()) {
			statement.execute("CREATE UNIQUE INDEX CONCURRENTLY " + name + " ON " + on);
			throw new IllegalStateException("the build of " + name + " was meant to fail");
		}
		catch (SQLException ex) {
			assertThat(ex.getSQLState()).as(ex.getMessage()).isEqualTo("23505");
		}
	}

	/** {@code t} or {@code f}. */
	private String validity(String index) {
		return this.database.single("SELECT indisvalid FROM pg_index WHERE indexrelid = '" + index + "'::regclass");
	}

	private Flyway flyway() {
		return Flyway.configure()
			.dataSource(this.database.url(), this.database.server().username(), this.database.server().password())
			.locations("filesystem:" + this.folder.toAbsolutePath())
			.schemas("app", "audit")
			.configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
			.callbacks(new InvalidIndexCleanup())
			.load();
	}

}
