package dev.ferry.differential;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.ferry.differential.Setting.flyway;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flyway is the oracle: each scenario runs through Ferry and through plain Flyway on twin fresh databases
 * ({@link Twins}), which compares success or failure, the schema history and the catalog after every step: the
 * first run, and the rerun once the broken script is fixed (with {@code repair} first on both sides where Flyway
 * needs it). The checks on the steps' outcomes only prove that a scenario reaches the case it is named after.
 * Where Ferry differs from Flyway on purpose, {@link DeliberateDifferencesTest} says so.
 */
class FlywayOracleScenariosTest {

	@TempDir
	Path folder;

	@Test
	void aScriptsOwnCommitThenALaterFailureLeavesWhatFlywayLeaves() {
		try (Twins twins = Twins.in(this.folder)) {
			twins.scripts()
				.write("V1__first.sql", "CREATE TABLE first (id int);")
				.write("V2__own_commit.sql", """
						BEGIN;
						CREATE TABLE committed_early (id int PRIMARY KEY);
						INSERT INTO committed_early VALUES (1);
						COMMIT;
						CREATE TABLE after_commit (id int);
						SELECT 1 / 0;
						""")
				.write("V3__third.sql", "CREATE TABLE third (id int);");
			assertThat(twins.migrate().succeeded()).isFalse();

			twins.scripts().write("V2__own_commit.sql", """
					BEGIN;
					CREATE TABLE IF NOT EXISTS committed_early (id int PRIMARY KEY);
					INSERT INTO committed_early VALUES (1) ON CONFLICT DO NOTHING;
					COMMIT;
					CREATE TABLE after_commit (id int);
					""");
			assertThat(twins.rerun().succeeded()).isTrue();
		}
	}

	@Test
	void aScriptsOwnRollbackThenMoreSqlLeavesWhatFlywayLeaves() {
		try (Twins twins = Twins.in(this.folder)) {
			twins.scripts()
				.write("V1__own_rollback.sql", """
						CREATE TABLE before_rollback (id int);
						BEGIN;
						CREATE TABLE rolled_back (id int);
						ROLLBACK;
						CREATE TABLE after_rollback (id int);
						INSERT INTO after_rollback VALUES (1);
						""")
				.write("V2__second.sql", "CREATE TABLE second (id int);");
			assertThat(twins.migrate().succeeded()).isTrue();
			twins.rerun();
		}
	}

	@Test
	void aScriptsOwnRollbackInAManagedSchemaOtherThanPublicLeavesItsLaterObjectsWhereFlywayLeavesThem() {
		// After the script's ROLLBACK the search path is whatever the session had outside Flyway's transaction: a
		// schema set at session level around Ferry's own reads of the history (the validate before a migrate on a
		// database that has one) would put the later table elsewhere than Flyway does.
		try (Twins twins = Twins.in(this.folder, flyway("schemas", "app"))) {
			twins.scripts().write("V1__first.sql", "CREATE TABLE first (id int);");
			assertThat(twins.migrate().succeeded()).isTrue();

			twins.scripts().write("V2__own_rollback.sql", """
					CREATE TABLE before_rollback (id int);
					BEGIN;
					CREATE TABLE rolled_back (id int);
					ROLLBACK;
					CREATE TABLE after_rollback (id int);
					""");
			assertThat(twins.rerun().succeeded()).isTrue();
		}
	}

	@Test
	void plpgsqlAndDoBodiesWithTheirOwnBeginAndEndApplyAsUnderFlyway() {
		try (Twins twins = Twins.in(this.folder)) {
			twins.scripts()
				.write("V1__functions.sql", """
						CREATE TABLE counter (n int);
						CREATE FUNCTION bump(step int) RETURNS int LANGUAGE plpgsql AS $$
						DECLARE
						  total int;
						BEGIN
						  INSERT INTO counter VALUES (step);
						  SELECT sum(n) INTO total FROM counter;
						  RETURN total;
						END;
						$$;
						CREATE FUNCTION counter_guard() RETURNS trigger LANGUAGE plpgsql AS $body$
						BEGIN
						  IF NEW.n < 0 THEN
						    RAISE EXCEPTION 'negative';
						  END IF;
						  RETURN NEW;
						END
						$body$;
						CREATE TRIGGER counter_guard BEFORE INSERT ON counter FOR EACH ROW EXECUTE FUNCTION counter_guard();
						""")
				.write("V2__do.sql", """
						DO $$
						BEGIN
						  FOR i IN 1..3 LOOP
						    PERFORM bump(i);
						  END LOOP;
						  BEGIN
						    PERFORM bump(-1);
						  EXCEPTION WHEN raise_exception THEN
						    INSERT INTO counter VALUES (100);
						  END;
						END
						$$;
						""")
				.write("V3__fails_in_do.sql", """
						DO $$ BEGIN PERFORM bump(1); RAISE EXCEPTION 'broken on purpose'; END $$;
						""");
			assertThat(twins.migrate().succeeded()).isFalse();

			twins.scripts().write("V3__fails_in_do.sql", "DO $$ BEGIN PERFORM bump(1); END $$;");
			assertThat(twins.rerun().succeeded()).isTrue();
		}
	}

	@Test
	void createIndexConcurrentlyThenALaterFailureLeaveWhatFlywayLeaves() {
		try (Twins twins = Twins.in(this.folder)) {
			twins.scripts()
				.write("V1__table.sql", "CREATE TABLE big (id int, v int);\n"
						+ "INSERT INTO big SELECT i, i % 10 FROM generate_series(1, 1000) i;")
				.write("V2__index.sql", "CREATE INDEX CONCURRENTLY big_id_idx ON big (id);")
				.write("V3__broken.sql", "ALTER TABLE big ADD COLUMN note text;\nSELEC 1;");
			assertThat(twins.migrate().succeeded()).isFalse();

			twins.scripts().write("V3__broken.sql", "ALTER TABLE big ADD COLUMN note text;");
			assertThat(twins.rerun().succeeded()).isTrue();
		}
	}

	@Test
	void thePartitionedIndexPatternThenAFailedAttachLeavesWhatFlywayLeaves() {
		try (Twins twins = Twins.in(this.folder)) {
			twins.scripts()
				.write("V1__table.sql", """
						CREATE TABLE measurement (id int, at date) PARTITION BY RANGE (at);
						CREATE TABLE measurement_2025 PARTITION OF measurement FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
						CREATE TABLE measurement_2026 PARTITION OF measurement FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
						INSERT INTO measurement SELECT i, date '2025-01-01' + i FROM generate_series(1, 600) i;
						""")
				.write("V2__parent_index.sql", "CREATE INDEX measurement_at_idx ON ONLY measurement (at);")
				.write("V3__index_2025.sql",
						"CREATE INDEX CONCURRENTLY IF NOT EXISTS measurement_2025_at_idx ON measurement_2025 (at);")
				.write("V4__index_2026.sql",
						"CREATE INDEX CONCURRENTLY IF NOT EXISTS measurement_2026_at_idx ON measurement_2026 (at);")
				.write("V5__attach.sql", """
						ALTER INDEX measurement_at_idx ATTACH PARTITION measurement_2025_at_idx;
						ALTER INDEX measurement_at_idx ATTACH PARTITION measurement_2026_at_idx_typo;
						""");
			assertThat(twins.migrate().succeeded()).as("the parent stays invalid, V5 names no index").isFalse();

			twins.scripts().write("V5__attach.sql", """
					ALTER INDEX measurement_at_idx ATTACH PARTITION measurement_2025_at_idx;
					ALTER INDEX measurement_at_idx ATTACH PARTITION measurement_2026_at_idx;
					""");
			assertThat(twins.rerun().succeeded()).isTrue();
			assertThat(twins.migrate().succeeded()).as("a rerun with the parent valid").isTrue();
		}
	}

	@Test
	void anEnumValueAddedThenUsedLeavesWhatFlywayLeaves() {
		try (Twins twins = Twins.in(this.folder)) {
			twins.scripts()
				.write("V1__type.sql", "CREATE TYPE mood AS ENUM ('sad');")
				.write("V2__add.sql", "ALTER TYPE mood ADD VALUE 'happy';")
				.write("V3__use.sql", "CREATE TABLE person (id int, mood mood DEFAULT 'happy');\n"
						+ "INSERT INTO person VALUES (1, 'happy');")
				.write("V4__add_and_use.sql", "ALTER TYPE mood ADD VALUE 'calm';\nINSERT INTO person VALUES (2, 'calm');");
			assertThat(twins.migrate().succeeded()).as("a new value is unusable in the transaction that added it")
				.isFalse();

			twins.scripts()
				.write("V4__add_and_use.sql", "ALTER TYPE mood ADD VALUE 'calm';")
				.write("V5__use.sql", "INSERT INTO person VALUES (2, 'calm');");
			assertThat(twins.rerun().succeeded()).isTrue();
		}
	}

	@Test
	void aMixedMigrationThatFailsPartWayIsRepairedAndRerunAsUnderFlyway() {
		try (Twins twins = Twins.in(this.folder, flyway("mixed", "true"))) {
			twins.scripts()
				.write("V1__first.sql", "CREATE TABLE first (id int);")
				.write("V2__mixed.sql", """
						CREATE TABLE mixed (id int);
						INSERT INTO mixed VALUES (1), (2);
						CREATE INDEX CONCURRENTLY mixed_id_idx ON mixed (id);
						INSERT INTO mixed VALUES (1 / 0);
						""");
			assertThat(twins.migrate().succeeded()).isFalse();
			assertThat(twins.history()).anyMatch((row) -> row.contains("V2__mixed.sql") && row.endsWith("false"));

			twins.scripts().write("V2__mixed.sql", """
					CREATE TABLE IF NOT EXISTS mixed (id int);
					INSERT INTO mixed VALUES (3);
					CREATE INDEX CONCURRENTLY IF NOT EXISTS mixed_id_idx ON mixed (id);
					""");
			assertThat(twins.rerun().succeeded()).isTrue();
		}
	}

	@Test
	void aUsersOwnGroupIsAppliedAllOrNothingAsUnderFlyway() {
		try (Twins twins = Twins.in(this.folder, Setting.spring("group", "true"))) {
			twins.scripts()
				.write("V1__one.sql", "CREATE TABLE one (id int);\nINSERT INTO one VALUES (1);")
				.write("V2__two.sql", "CREATE TABLE two (id int);")
				.write("V3__three.sql", "CREATE TABLE three (id int PRIMARY KEY);\nINSERT INTO three VALUES (1), (1);");
			assertThat(twins.migrate().succeeded()).isFalse();
			assertThat(twins.history()).isEmpty();

			twins.scripts().write("V3__three.sql", "CREATE TABLE three (id int PRIMARY KEY);\nINSERT INTO three VALUES (1);");
			assertThat(twins.rerun().succeeded()).isTrue();
		}
	}

	@Test
	void aJavaMigrationOnTheClasspathRunsInItsPlaceAsUnderFlyway() {
		try (Twins twins = Twins.in(this.folder).withJavaMigration()) {
			twins.scripts()
				.write("V1__first.sql", "CREATE TABLE first (id int);")
				.write("V11__after_java.sql", "INSERT INTO made_by_java VALUES (11);\nINSERT INTO missing VALUES (1);");
			assertThat(twins.migrate().succeeded()).isFalse();
			assertThat(twins.history()).anyMatch((row) -> row.contains("JDBC"));

			twins.scripts().write("V11__after_java.sql", "INSERT INTO made_by_java VALUES (11);");
			assertThat(twins.rerun().succeeded()).isTrue();
		}
	}

	@Test
	void sqlCallbacksRunWhenFlywayRunsThem() {
		try (Twins twins = Twins.in(this.folder)) {
			twins.scripts()
				.write("beforeMigrate.sql", "CREATE TABLE IF NOT EXISTS callback_log (event text);\n"
						+ "INSERT INTO callback_log VALUES ('beforeMigrate');")
				.write("afterMigrate.sql", "INSERT INTO callback_log VALUES ('afterMigrate');")
				.write("afterMigrateError.sql", "INSERT INTO callback_log VALUES ('afterMigrateError');")
				.write("V1__first.sql", "CREATE TABLE first (id int);")
				.write("V2__broken.sql", "CREATE TABLE second (id int;");
			assertThat(twins.migrate().succeeded()).isFalse();

			twins.scripts().write("V2__broken.sql", "CREATE TABLE second (id int);");
			assertThat(twins.rerun().succeeded()).isTrue();
			assertThat(twins.migrate().succeeded()).as("a rerun with nothing pending still calls back").isTrue();
		}
	}

	@Test
	void repeatablesWithPlaceholdersRunAgainWhenAValueChangesAsUnderFlyway() {
		try (Twins twins = Twins.in(this.folder, Setting.flywayPlaceholder("greeting", "hello"),
				Setting.placeholder("audience", "world"))) {
			twins.scripts()
				.write("V1__names.sql", "CREATE TABLE names (name text);")
				.write("R__greeting.sql", "CREATE OR REPLACE VIEW greeting AS SELECT '${greeting}'::text AS greeting,"
						+ " '${flyway:defaultSchema}'::text AS schema;")
				.write("R__audience.sql", "CREATE OR REPLACE VIEW audience AS SELECT '${audience}'::text AS audience;");
			assertThat(twins.migrate().succeeded()).isTrue();

			twins.set(Setting.flywayPlaceholder("greeting", "good morning"));
			assertThat(twins.rerun().succeeded()).isTrue();
			assertThat(twins.history()).filteredOn((row) -> row.contains("R__greeting.sql")).hasSize(2);
		}
	}

	@Test
	void aFailingVersionedScriptIsFixedAndRerunAsUnderFlyway() {
		try (Twins twins = Twins.in(this.folder)) {
			twins.scripts()
				.write("V1__table.sql", "CREATE TABLE item (id int PRIMARY KEY);")
				.write("V2__data.sql", "INSERT INTO item VALUES (1);\nINSERT INTO item VALUES (2;")
				.write("V3__more.sql", "CREATE TABLE more (id int);");
			assertThat(twins.migrate().succeeded()).as("syntax error").isFalse();

			twins.scripts().write("V2__data.sql", "INSERT INTO item VALUES (1);\nINSERT INTO item VALUES (1);");
			assertThat(twins.rerun().succeeded()).as("duplicate key").isFalse();

			twins.scripts().write("V2__data.sql", "INSERT INTO item VALUES (1);\nINSERT INTO item VALUES (2);");
			assertThat(twins.rerun().succeeded()).isTrue();
		}
	}

	@Test
	void aFailingRepeatableScriptIsFixedAndRerunAsUnderFlyway() {
		try (Twins twins = Twins.in(this.folder)) {
			twins.scripts()
				.write("V1__table.sql", "CREATE TABLE item (id int);\nINSERT INTO item VALUES (1), (2);")
				.write("R__a_view.sql", "CREATE OR REPLACE VIEW item_count AS SELECT count(*) AS n FROM item;")
				.write("R__b_ratio.sql", "CREATE OR REPLACE VIEW item_ratio AS SELECT 1 / 0 AS ratio;\n"
						+ "SELECT * FROM item_ratio;");
			assertThat(twins.migrate().succeeded()).isFalse();

			twins.scripts().write("R__b_ratio.sql", "CREATE OR REPLACE VIEW item_ratio AS SELECT 1 / 1 AS ratio;");
			assertThat(twins.rerun().succeeded()).isTrue();
		}
	}

	@Test
	void aLateLowerVersionIsRefusedThenAppliedOutOfOrderAsUnderFlyway() {
		try (Twins twins = Twins.in(this.folder)) {
			twins.scripts()
				.write("V1__one.sql", "CREATE TABLE one (id int);")
				.write("V3__three.sql", "CREATE TABLE three (id int);");
			assertThat(twins.migrate().succeeded()).isTrue();

			twins.scripts().write("V2__two.sql", "CREATE TABLE two (id int);");
			assertThat(twins.migrate().succeeded()).as("V2 is lower than the applied V3").isFalse();

			twins.set(flyway("outOfOrder", "true"));
			assertThat(twins.migrate().succeeded()).isTrue();
			assertThat(twins.history()).last().asString().contains("V2__two.sql");
		}
	}

	@Test
	void aDatabaseThatAlreadyHoldsTablesIsBaselinedOnMigrateAsUnderFlyway() {
		try (Twins twins = Twins.in(this.folder)) {
			twins.onBoth("CREATE TABLE legacy (id int); INSERT INTO legacy VALUES (1)");
			twins.scripts()
				.write("V1__legacy.sql", "CREATE TABLE legacy (id int);")
				.write("V2__new.sql", "CREATE TABLE new_table (id int);\nINSERT INTO new_table SELECT id FROM legacy;");
			assertThat(twins.migrate().succeeded()).as("a non-empty schema without a history").isFalse();

			twins.set(flyway("baselineOnMigrate", "true"));
			assertThat(twins.migrate().succeeded()).isTrue();
			assertThat(twins.history()).anyMatch((row) -> row.contains("BASELINE"));
		}
	}

	@Test
	void aHistoryInItsOwnSchemaIsKeptThereAsUnderFlyway() {
		try (Twins twins = Twins.in(this.folder, flyway("schemas", "flyway,app"))) {
			twins.scripts()
				.write("V1__app.sql", "CREATE TABLE app.account (id int PRIMARY KEY);\nCREATE TABLE unqualified (id int);")
				.write("V2__broken.sql", "INSERT INTO app.account VALUES (1), (1);");
			assertThat(twins.migrate().succeeded()).isFalse();
			assertThat(twins.history()).anyMatch((row) -> row.contains("SCHEMA"));

			twins.scripts().write("V2__broken.sql", "INSERT INTO app.account VALUES (1);");
			assertThat(twins.rerun().succeeded()).isTrue();
		}
	}

}
