package dev.ferry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.ferry.testing.CatalogDump;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drift: after each successful migrate Ferry records the managed schemas' catalog beside Flyway's history; before the
 * next one applies anything it compares the live catalog with that record. A project of two managed schemas
 * ({@code app} holds the history, {@code audit}) with a table, an identity column, an index, an enum, grants, a
 * row-level-security policy, a sequence, a materialized view and, in a repeatable script, a function (from a
 * placeholder), a view and a trigger; test data in dev.
 */
class DriftTest {

	private static final String RECORD = "app." + CatalogDump.FERRY_RECORD_TABLE;

	private static final String HISTORY = "app.flyway_schema_history";

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	private Scripts migrations;

	private Scripts testdata;

	@BeforeEach
	void writeTheProject() throws IOException {
		this.migrations = Scripts.in(Files.createDirectories(this.folder.resolve("migration")))
			.write("V1__schema.sql", """
					CREATE TYPE app.status AS ENUM ('active', 'closed');
					CREATE TABLE app.account (
					    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
					    email      varchar(100) NOT NULL,
					    status     app.status NOT NULL DEFAULT 'active',
					    created_at timestamptz NOT NULL DEFAULT now()
					);
					CREATE INDEX account_email_idx ON app.account (lower(email));
					CREATE TABLE audit.event (
					    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
					    account_id bigint REFERENCES app.account (id),
					    detail     text CHECK (detail <> ''),
					    note       varchar(100)
					);
					CREATE SEQUENCE app.ticket_seq;
					DO $$ BEGIN CREATE ROLE ferry_drift_reader NOLOGIN;
					EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
					GRANT USAGE ON SCHEMA app TO ferry_drift_reader;
					GRANT SELECT, INSERT ON app.account TO ferry_drift_reader;
					ALTER TABLE app.account ENABLE ROW LEVEL SECURITY;
					CREATE POLICY account_active ON app.account FOR SELECT TO ferry_drift_reader USING (status = 'active');
					CREATE MATERIALIZED VIEW app.account_count AS SELECT count(*) AS accounts FROM app.account;
					""")
			.write("R__code.sql", """
					CREATE OR REPLACE FUNCTION app.greeting() RETURNS text LANGUAGE sql AS $$ SELECT '${greeting}'::text $$;
					CREATE OR REPLACE VIEW app.active_account AS SELECT id, email FROM app.account WHERE status = 'active';
					CREATE OR REPLACE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
					DROP TRIGGER IF EXISTS account_touch ON app.account;
					CREATE TRIGGER account_touch BEFORE UPDATE ON app.account FOR EACH ROW EXECUTE FUNCTION app.touch();
					""");
		this.testdata = Scripts.in(Files.createDirectories(this.folder.resolve("testdata")))
			.write("R__accounts.sql", "INSERT INTO app.account (email) VALUES ('alice@example.test');");
	}

	@Test
	void theFirstRunHasNoRecordToCompareWithAndRecordsTheSchemaBesideTheHistory() {
		FerryRun first = migrate();

		assertThat(first.exitCode()).as(first.toString()).isZero();
		assertThat(first.<String>report("$.driftCheck")).contains("has not recorded");
		assertThat(first.<List<?>>report("$.drift")).isEmpty();
		assertThat(this.database.single("SELECT schema_version || ' ' || (catalog ->> 'schema audit' IS NOT NULL) FROM "
				+ RECORD)).isEqualTo("1 true");
		assertThat(this.database.single("SELECT catalog ->> 'column app.account.email' FROM " + RECORD))
			.isEqualTo("character varying(100) not null");
	}

	@Test
	void aRerunReportsNoDrift() {
		assertThat(migrate().exitCode()).isZero();

		FerryRun rerun = migrate();

		assertNoDrift(rerun);
		assertThat(rerun.<String>report("$.outcome")).isEqualTo("up to date");
	}

	@Test
	void repeatablesThatRerunAndTestDataAreNoDrift() {
		assertThat(migrate().exitCode()).isZero();
		// The placeholder changes: the function is replaced; the repeatable's own text changes: all of it reruns,
		// the trigger dropped and made again; new test data adds rows and moves the identity sequence.
		FerryRun placeholderChanged = migrate("FERRY_PLACEHOLDER_greeting", "hello again");
		this.migrations.write("R__code.sql", read(this.migrations, "R__code.sql") + "\n-- edited\n");
		this.testdata.write("R__accounts.sql",
				"INSERT INTO app.account (email) VALUES ('bob@example.test'), ('carol@example.test');");
		FerryRun textChanged = migrate("FERRY_PLACEHOLDER_greeting", "hello again");
		FerryRun afterwards = migrate("FERRY_PLACEHOLDER_greeting", "hello again");

		assertNoDrift(placeholderChanged);
		assertThat(placeholderChanged.<List<String>>report("$.applied[*].script")).containsExactly("R__code.sql");
		assertNoDrift(textChanged);
		assertThat(textChanged.<List<String>>report("$.applied[*].script")).containsExactlyInAnyOrder("R__code.sql",
				"R__accounts.sql");
		assertNoDrift(afterwards);
		assertThat(this.database.single("SELECT count(*) FROM app.account")).isEqualTo("3");
	}

	static Stream<Arguments> changesByHand() {
		return Stream.of(
				Arguments.of("a column added", "ALTER TABLE app.account ADD COLUMN nickname text",
						"column app.account.nickname", "added", null, "text"),
				Arguments.of("a column's type changed", "ALTER TABLE audit.event ALTER COLUMN note TYPE text",
						"column audit.event.note", "changed", "character varying(100)", "text"),
				Arguments.of("an expression index dropped", "DROP INDEX app.account_email_idx",
						"index app.account_email_idx", "removed", null, null),
				Arguments.of("a column default changed", "ALTER TABLE app.account ALTER COLUMN status SET DEFAULT 'closed'",
						"default of column app.account.status", "changed", null, null),
				Arguments.of("a check constraint changed", "ALTER TABLE audit.event DROP CONSTRAINT event_detail_check,"
						+ " ADD CONSTRAINT event_detail_check CHECK (detail <> 'x')",
						"check constraint audit.event.event_detail_check", "changed", null, null),
				Arguments.of("a grant revoked", "REVOKE INSERT ON app.account FROM ferry_drift_reader",
						"grant on app.account to ferry_drift_reader", "changed", "INSERT, SELECT", "SELECT"),
				Arguments.of("a function body changed",
						"CREATE OR REPLACE FUNCTION app.greeting() RETURNS text LANGUAGE sql AS $$ SELECT 'hi'::text $$",
						"definition of function app.greeting()", "changed", null, null),
				Arguments.of("an enum value added", "ALTER TYPE app.status ADD VALUE 'suspended'", "type app.status",
						"changed", "enum ('active', 'closed')", "enum ('active', 'closed', 'suspended')"),
				Arguments.of("a table created in another managed schema", "CREATE TABLE audit.shadow (id int)",
						"table audit.shadow", "added", null, "table"),
				Arguments.of("a policy dropped", "DROP POLICY account_active ON app.account",
						"policy app.account.account_active", "removed",
						"permissive for select to ferry_drift_reader", null),
				Arguments.of("a trigger disabled", "ALTER TABLE app.account DISABLE TRIGGER account_touch",
						"trigger app.account.account_touch", "changed", "enabled", "disabled"));
	}

	@ParameterizedTest(name = "{0} by hand is drift, named")
	@MethodSource("changesByHand")
	void aChangeByHandIsReportedAsDriftNamingTheObject(String change, String sql, String object, String kind,
			String before, String after) {
		assertThat(migrate().exitCode()).isZero();
		this.database.execute(sql);

		FerryRun check = ferry().run("drift");

		assertThat(check.exitCode()).as(check.toString()).isZero();
		List<Map<String, String>> drift = check.report("$.drift");
		assertThat(drift).as(check.toString()).anySatisfy((d) -> {
			assertThat(d.get("object")).isEqualTo(object);
			assertThat(d.get("change")).isEqualTo(kind);
			if (before != null) {
				assertThat(d.get("before")).isEqualTo(before);
			}
			if (after != null) {
				assertThat(d.get("after")).isEqualTo(after);
			}
			if (kind.equals("changed") && before != null) {
				assertThat(d.get("before")).isNotEqualTo(d.get("after"));
			}
			if (before == null && after == null) {
				assertThat(d.get("before")).as("what can hold data is never shown").isNull();
				assertThat(d.get("after")).isNull();
				assertThat(d.get("line")).isEqualTo(object + " " + kind);
			}
		});
		assertThat(check.<String>report("$.driftCheck")).contains("changed since Ferry's last run");
		assertThat(check.output()).contains("WARN").contains("Drift: " + object);
		assertThat(check.summary()).contains("`" + object + "`");
	}

	@Test
	void theReportSaysWhatChangedReadably() {
		assertThat(migrate().exitCode()).isZero();
		this.database.execute("ALTER TABLE audit.event ALTER COLUMN note TYPE text");

		FerryRun check = ferry().run("drift");

		assertThat(check.<List<String>>report("$.drift[*].line"))
			.containsExactly("column audit.event.note: character varying(100) -> text");
		assertThat(check.summary())
			.contains("- changed `column audit.event.note`: `character varying(100)` -> `text`");
	}

	@Test
	void aTableInASchemaFlywayDoesNotManageIsNoDrift() {
		assertThat(migrate().exitCode()).isZero();
		this.database.execute("CREATE SCHEMA scratch; CREATE TABLE scratch.notes (id int)");

		FerryRun check = ferry().run("drift");

		assertNoDrift(check);
	}

	@Test
	void withFailDriftIsExit10AndNothingIsApplied() {
		assertThat(migrate().exitCode()).isZero();
		this.database.execute("ALTER TABLE app.account ADD COLUMN nickname text");
		this.migrations.write("V2__more.sql", "CREATE TABLE app.more (id int);");
		List<String> history = this.database.history(HISTORY);

		FerryRun run = ferry().env("FERRY_DRIFT", "fail").run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(10);
		assertThat(run.<String>report("$.error.status")).isEqualTo("drift");
		assertThat(run.<List<String>>report("$.drift[*].object")).containsExactly("column app.account.nickname");
		assertThat(run.output()).contains("FERRY_DRIFT=fail").contains("nothing applied");
		assertThat(this.database.history(HISTORY)).isEqualTo(history);
		assertThat(this.database.tableExists("app.more")).isFalse();
	}

	@Test
	void withWarnDriftIsReportedAndTheMigrationGoesOnAndRecordsTheSchemaItLeaves() {
		assertThat(migrate().exitCode()).isZero();
		this.database.execute("ALTER TABLE app.account ADD COLUMN nickname text");
		this.migrations.write("V2__more.sql", "CREATE TABLE app.more (id int);");

		FerryRun run = migrate();
		FerryRun next = migrate();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<List<String>>report("$.drift[*].object")).containsExactly("column app.account.nickname");
		assertThat(run.<List<String>>report("$.applied[*].script")).containsExactly("V2__more.sql");
		assertThat(run.output()).contains("WARN").contains("Drift: column app.account.nickname added: text");
		assertNoDrift(next);
	}

	@Test
	void withOffMigrateDoesNotCheckButStillRecords() {
		assertThat(migrate().exitCode()).isZero();
		this.database.execute("ALTER TABLE app.account ADD COLUMN nickname text");

		FerryRun off = ferry().env("FERRY_DRIFT", "off").run();
		FerryRun check = ferry().run("drift");

		assertThat(off.exitCode()).as(off.toString()).isZero();
		assertThat(off.<String>report("$.driftCheck")).contains("FERRY_DRIFT=off");
		assertThat(off.<List<?>>report("$.drift")).isEmpty();
		assertThat(off.output()).doesNotContain("Drift:");
		assertNoDrift(check);
	}

	@Test
	void theDriftCommandChangesNothingAndWithFailExits10() {
		assertThat(migrate().exitCode()).isZero();
		this.database.execute("DROP INDEX app.account_email_idx");
		CatalogDump before = CatalogDump.of(this.database);
		String record = this.database.single("SELECT recorded_at || ' ' || catalog FROM " + RECORD);

		FerryRun failing = ferry().env("FERRY_DRIFT", "fail").run("drift");
		FerryRun warning = ferry().env("FERRY_COMMAND", "drift").run();

		assertThat(failing.exitCode()).as(failing.toString()).isEqualTo(10);
		assertThat(failing.<List<String>>report("$.drift[*].object")).containsExactly("index app.account_email_idx");
		assertThat(warning.exitCode()).as(warning.toString()).isZero();
		assertThat(warning.<String>report("$.command")).isEqualTo("drift");
		assertThat(warning.<List<String>>report("$.drift[*].object")).containsExactly("index app.account_email_idx");
		assertThat(CatalogDump.of(this.database).differencesFrom(before)).isEmpty();
		assertThat(this.database.single("SELECT recorded_at || ' ' || catalog FROM " + RECORD)).isEqualTo(record);
	}

	@Test
	void theDriftCommandOnADatabaseMigratedBeforeFerryRecordedSaysSoAndCreatesNothing() {
		plainFlyway().migrate();
		CatalogDump before = CatalogDump.of(this.database);

		FerryRun check = ferry().env("FERRY_DRIFT", "fail").run("drift");

		assertThat(check.exitCode()).as(check.toString()).isZero();
		assertThat(check.<String>report("$.driftCheck")).contains("has not recorded");
		assertThat(this.database.tableExists(RECORD)).isFalse();
		assertThat(CatalogDump.of(this.database).differencesFrom(before)).isEmpty();
	}

	@Test
	void aRecordThatPlainFlywayMigratedPastIsNotComparedSoItsChangesAreNoDrift() {
		assertThat(migrate().exitCode()).isZero();
		this.migrations.write("V2__more.sql", "CREATE TABLE app.more (id int);");
		plainFlyway().migrate();

		FerryRun run = ferry().env("FERRY_DRIFT", "fail").run();
		FerryRun next = ferry().env("FERRY_DRIFT", "fail").run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<String>report("$.driftCheck")).contains("the schema history changed");
		assertNoDrift(next);
	}

	@Test
	void baselineRecordsTheSchemaItMarksSoDriftIsMeasuredFromThere() {
		this.database.execute("CREATE SCHEMA app; CREATE SCHEMA audit; CREATE TABLE app.legacy (id int)");

		FerryRun baseline = ferry().run("baseline");
		this.database.execute("ALTER TABLE app.legacy ADD COLUMN added_by_hand int");
		FerryRun check = ferry().run("drift");

		assertThat(baseline.exitCode()).as(baseline.toString()).isZero();
		assertThat(check.exitCode()).as(check.toString()).isZero();
		assertThat(check.<List<String>>report("$.drift[*].line"))
			.containsExactly("column app.legacy.added_by_hand added: integer");
	}

	private static void assertNoDrift(FerryRun run) {
		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<String>report("$.driftCheck")).as(run.toString()).startsWith("no drift: the schema is as");
		assertThat(run.<List<?>>report("$.drift")).isEmpty();
		assertThat(run.output()).doesNotContain("Drift:");
	}

	private FerryRun migrate(String... environment) {
		FerryProcess ferry = ferry();
		for (int i = 0; i < environment.length; i += 2) {
			ferry.env(environment[i], environment[i + 1]);
		}
		return ferry.run();
	}

	private FerryProcess ferry() {
		return FerryProcess.against(this.database)
			.locations(this.migrations.folder())
			.env("FERRY_ENVIRONMENT", "dev")
			.env("FERRY_TESTDATA_LOCATIONS", "filesystem:" + this.testdata.folder().toAbsolutePath())
			.env("FLYWAY_SCHEMAS", "app,audit")
			.env("FERRY_PLACEHOLDER_greeting", "hello");
	}

	/** Flyway itself, as a team ran it before Ferry: the same scripts, test data and schemas. */
	private Flyway plainFlyway() {
		return Flyway.configure()
			.dataSource(this.database.url(), this.database.server().username(), this.database.server().password())
			.schemas("app", "audit")
			.locations("filesystem:" + this.migrations.folder().toAbsolutePath(),
					"filesystem:" + this.testdata.folder().toAbsolutePath())
			.placeholders(Map.of("greeting", "hello"))
			.load();
	}

	private static String read(Scripts scripts, String name) {
		try {
			return Files.readString(scripts.folder().resolve(name));
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

}
