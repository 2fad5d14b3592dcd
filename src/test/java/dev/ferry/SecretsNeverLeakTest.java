package dev.ferry;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.MotoServer;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.SecretLeaks;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.json.JsonWriter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The leak suite: a secret value never leaves Ferry, whichever way it entered (Ferry's, Flyway's and Spring Boot's
 * placeholder settings, a command-line argument, a placeholder secret in Secrets Manager, the database URL in each
 * form), whatever it looks like (quotes,
 * backslashes, newlines, dollars, very long, a common word), in text and in JSON logs with Flyway at DEBUG. Every
 * form it could be printed in is looked for: as is, JSON-escaped, SQL-quoted, line by line, and the piece after a
 * quote that PostgreSQL names in a syntax error.
 */
class SecretsNeverLeakTest {

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	static Stream<Arguments> adversarialValues() {
		List<String> values = List.of("pa\"ss'wo\"rd-Q1x", "back\\slash\\Zz9q", "line-one-AAAA\nline-two-BBBB",
				"d0llar$1$$abc$x", "long-" + "Kq7".repeat(700), "migration");
		List<Arguments> arguments = new ArrayList<>();
		for (String value : values) {
			arguments.add(Arguments.of(value, "text"));
			arguments.add(Arguments.of(value, "json"));
		}
		return arguments.stream();
	}

	@ParameterizedTest(name = "{index}: {1} logs")
	@MethodSource("adversarialValues")
	void aSecretPlaceholderNeverLeavesFerryWhicheverWayItEnteredAndWhateverItLooksLike(String value, String format) {
		MotoServer moto = MotoServer.get();
		String secretId = "ferry/leak-" + UUID.randomUUID();
		moto.secretsManager()
			.createSecret((r) -> r.name(secretId)
				.secretString(JsonWriter.standard().writeToString(Map.of("token", secret(value, 5)))));
		Scripts.in(this.folder)
			.write("V1__table.sql", "CREATE TABLE t (v text);")
			.write("V2__uses.sql", "INSERT INTO t VALUES ('${ferry_password}'), ('${env_token}'), ('${springsecret}'),"
					+ " ('${argsecret}'), ('${vault_token}');")
			.write("V3__fails.sql", "SELECT '${ferry_password}'::int + '${env_token}'::int + '${springsecret}'::int"
					+ " + '${argsecret}'::int + '${vault_token}'::int;")
			.write("R__view.sql", "CREATE OR REPLACE VIEW v AS SELECT '${springsecret}'::text AS s;");

		FerryRun run = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FERRY_PLACEHOLDER_ferry_password", secret(value, 1))
			.env("FLYWAY_PLACEHOLDERS_ENV_TOKEN", secret(value, 2))
			.env("SPRING_FLYWAY_PLACEHOLDERS_SPRINGSECRET", secret(value, 3))
			.aws(moto)
			.env("FERRY_PLACEHOLDER_SECRETS", "vault=" + secretId)
			.env("FERRY_LOG_FORMAT", format)
			.env("LOGGING_LEVEL_ORG_FLYWAYDB", "debug")
			.env("LOGGING_LEVEL_DEV_FERRY", "debug")
			.run("--spring.flyway.placeholders.argsecret=" + secret(value, 4));

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(6);
		for (int route = 1; route <= 5; route++) {
			assertNoneOf(secret(value, route), run);
		}
	}

	/**
	 * In a plan, a secret value stands in statements as Flyway splits them: a quote and a semicolon in the value can
	 * put a piece of it (here the marked middle) into a statement of its own, where the value as a whole is not.
	 */
	@ParameterizedTest(name = "{index}: {1} logs")
	@MethodSource("adversarialValues")
	void aSecretPlaceholderNeverLeavesThePlanEvenWhereItsQuoteOrSemicolonSplitsAStatement(String value, String format) {
		String piece = "piece-Zq9-of-the-secret";
		String secret = value + "';" + piece + ";'";
		Scripts.in(this.folder)
			.write("V1__table.sql", "CREATE TABLE t (v text);")
			.write("V2__uses.sql", "INSERT INTO t VALUES ('${ferry_password}');\nCOMMENT ON TABLE t IS '${ferry_password}';")
			.write("R__view.sql", "CREATE OR REPLACE VIEW v AS SELECT '${ferry_password}'::text AS s;");

		FerryRun plan = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FERRY_PLACEHOLDER_ferry_password", secret)
			.env("FERRY_LOG_FORMAT", format)
			.env("LOGGING_LEVEL_DEV_FERRY", "debug")
			.run("plan");

		assertThat(plan.exitCode()).as(plan.toString()).isZero();
		assertThat(plan.<List<String>>report("$.plan.migrations[*].statements[*].sql")).hasSizeGreaterThanOrEqualTo(3);
		assertNoneOf(secret, plan);
		assertNoneOf(piece, plan);
	}

	@Test
	void theChecksumOfARepeatableScriptThatUsesASecretIsNeitherLoggedNorReported() {
		Scripts.in(this.folder)
			.write("V1__table.sql", "CREATE TABLE t (v text);")
			.write("R__view.sql", "CREATE OR REPLACE VIEW v AS SELECT '${api_db_password}'::text AS s;");

		FerryRun migrate = FerryProcess.against(this.database).locations(this.folder).run();
		FerryRun info = FerryProcess.against(this.database).locations(this.folder).run("info");

		assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
		assertThat(info.exitCode()).as(info.toString()).isZero();
		String checksum = this.database.single("SELECT checksum FROM flyway_schema_history WHERE script = 'R__view.sql'");
		assertThat(migrate.<List<Object>>report("$.applied[?(@.script == 'R__view.sql')].checksum"))
			.containsExactly((Object) null);
		for (FerryRun run : List.of(migrate, info)) {
			assertThat(run.output()).as("a hash over the secret, in the log").doesNotContain(checksum);
			assertThat(run.report()).as("in the report").doesNotContain(checksum);
			assertThat(run.summary()).as("in the summary").doesNotContain(checksum);
		}
		assertThat(migrate.output()).as("the versioned script's checksum (over its raw text) stays")
			.contains("V1__table.sql");
	}

	/**
	 * The value as is for the first way in, so that a common word is tested as such; for the others, the value with
	 * a mark in its middle, so that no way's value contains another's and masking one cannot hide another's leak.
	 */
	private static String secret(String value, int route) {
		int middle = value.length() / 2;
		return (route == 1) ? value : value.substring(0, middle) + "#" + route + value.substring(middle);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("urlForms")
	void thePasswordInADatabaseUrlNeverLeavesFerryInAnyForm(String url) {
		FerryRun run = FerryProcess.bare()
			.env("FERRY_DB_URL", url)
			.env("FERRY_CONNECT_TIMEOUT", "1s")
			.env("LOGGING_LEVEL_ORG_POSTGRESQL", "debug")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isIn(2, 4);
		assertNoneOf(URL_PASSWORD, run);
	}

	private static final String URL_PASSWORD = "url-Pw'd\"9-never";

	static Stream<String> urlForms() {
		String encoded = "url-Pw%27d%229-never";
		return Stream.of("jdbc:postgresql://127.0.0.1:1/db?user=u&password=" + encoded,
				"jdbc:postgresql://127.0.0.1:1/db?sslmode=disable&sslpassword=" + URL_PASSWORD,
				"jdbc:postgresql://u:" + URL_PASSWORD + "@127.0.0.1:1/db",
				"postgres://u:" + URL_PASSWORD + "@127.0.0.1:1/db", "postgresql://u:" + encoded + "@127.0.0.1:1/db");
	}

	@Test
	void aSecretValueGivenAsAnArgumentOrSystemPropertyOfFerrysOwnIsMaskedToo() {
		Scripts.in(this.folder).write("V1__fails.sql", "SELECT '${api_password}'::int;");

		FerryRun run = FerryProcess.against(this.database)
			.locations(this.folder)
			.run("--ferry.placeholders.api_password=arg-secret-never-printed");

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(6);
		assertNoneOf("arg-secret-never-printed", run);
	}

	/** The value, in each form a log, a JSON line or an error could print it, in none of what the run left. */
	private static void assertNoneOf(String secret, FerryRun run) {
		SecretLeaks.assertNoneOf(secret, run);
	}

	/**
	 * A secret in the schema itself: in a column default (also as {@code bytea}, which the catalog prints in hex), a
	 * check, an index predicate, a trigger argument, a policy, a domain's default and check, a view and a function.
	 * It is then rotated by hand, out of band, so that drift fires on each of them, and Ferry is given only the new
	 * value: neither the old one (which Ferry no longer knows) nor the new one is in the drift lines, the plan, the
	 * reports or Ferry's record, at DEBUG, in text and JSON logs.
	 */
	@Tag("fault")
	@ParameterizedTest(name = "{0} logs")
	@ValueSource(strings = { "text", "json" })
	void aSecretInTheSchemaNeverLeavesThroughDriftThePlanOrTheRecordNotEvenTheOldOneAfterRotation(String format) {
		String old = "old-R0tated-Secret-\u00e9t\u00e9";
		String current = "new-Curr3nt-Secret-\u00fcber";
		Scripts.in(this.folder).write("V1__schema.sql", SCHEMA_WITH_A_SECRET.replace("SECRET", "${api_token}"));
		FerryRun first = ferry(format, old).run();
		assertThat(first.exitCode()).as(first.toString()).isZero();

		this.database.execute(ROTATED_BY_HAND.replace("SECRET", current));
		Scripts.in(this.folder).write("V2__more.sql", "INSERT INTO t (v) VALUES ('${api_token}');");
		FerryRun plan = ferry(format, current).run("plan");
		FerryRun migrate = ferry(format, current).run();

		assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
		assertThat(migrate.<List<String>>report("$.drift[*].object")).as(migrate.toString())
			.contains("default of column public.t.v", "default of column public.t.b",
					"check constraint public.t.t_v_check", "index public.t_v_idx", "definition of trigger public.t.t_touch",
					"expressions of policy public.t.t_pol", "default of type public.token_d",
					"check constraint public.token_d.token_d_check", "definition of view public.t_view",
					"definition of function public.t_fn()");
		assertThat(plan.exitCode()).as(plan.toString()).isZero();
		assertThat(migrate.output()).contains("Drift: definition of view public.t_view changed");
		for (FerryRun run : List.of(first, plan, migrate)) {
			assertNoneOf(old, run);
			assertNoneOf(current, run);
		}
		String record = this.database.single("SELECT r::text FROM ferry_catalog_record r");
		SecretLeaks.assertNoneOf(old, "Ferry's record", record);
		SecretLeaks.assertNoneOf(current, "Ferry's record", record);
	}

	private static final String SCHEMA_WITH_A_SECRET = """
			CREATE DOMAIN public.token_d AS text DEFAULT 'SECRET' CHECK (VALUE <> 'SECRETx');
			CREATE TABLE t (id int, v text DEFAULT 'SECRET' CHECK (v <> 'SECRETx'), b bytea DEFAULT 'SECRET'::bytea,
			    d public.token_d);
			CREATE INDEX t_v_idx ON t (id) WHERE v <> 'SECRET';
			CREATE FUNCTION t_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
			CREATE TRIGGER t_touch BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION t_trg('SECRET');
			ALTER TABLE t ENABLE ROW LEVEL SECURITY;
			CREATE POLICY t_pol ON t USING (v <> 'SECRET');
			CREATE VIEW t_view AS SELECT 'SECRET'::text AS s;
			CREATE FUNCTION t_fn() RETURNS text LANGUAGE sql AS $$ SELECT 'SECRET'::text $$;
			""";

	private static final String ROTATED_BY_HAND = """
			ALTER TABLE t ALTER COLUMN v SET DEFAULT 'SECRET', ALTER COLUMN b SET DEFAULT 'SECRET'::bytea,
			    DROP CONSTRAINT t_v_check, ADD CONSTRAINT t_v_check CHECK (v <> 'SECRETx');
			DROP INDEX t_v_idx;
			CREATE INDEX t_v_idx ON t (id) WHERE v <> 'SECRET';
			DROP TRIGGER t_touch ON t;
			CREATE TRIGGER t_touch BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION t_trg('SECRET');
			ALTER POLICY t_pol ON t USING (v <> 'SECRET');
			ALTER DOMAIN public.token_d SET DEFAULT 'SECRET';
			ALTER DOMAIN public.token_d DROP CONSTRAINT token_d_check;
			ALTER DOMAIN public.token_d ADD CONSTRAINT token_d_check CHECK (VALUE <> 'SECRETx');
			CREATE OR REPLACE VIEW t_view AS SELECT 'SECRET'::text AS s;
			CREATE OR REPLACE FUNCTION t_fn() RETURNS text LANGUAGE sql AS $$ SELECT 'SECRET'::text $$;
			""";

	private FerryProcess ferry(String format, String token) {
		return FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FERRY_PLACEHOLDER_api_token", token)
			.env("FERRY_LOG_FORMAT", format)
			.env("LOGGING_LEVEL_ORG_FLYWAYDB", "debug")
			.env("LOGGING_LEVEL_DEV_FERRY", "debug");
	}

	/** The check itself: a secret planted in any form it knows is found, wherever the run left it. */
	@Test
	void theLeakCheckFindsASecretPlantedInEachFormItKnows() {
		String secret = "planted-S3cret'\"\\\n\u00e9";
		for (String form : SecretLeaks.formsOf(secret)) {
			for (FerryRun planted : List.of(new FerryRun(0, "log " + form + " line", null, null),
					new FerryRun(0, "", "{\"x\":\"" + form + "\"}", null), new FerryRun(0, "", null, "- " + form))) {
				assertThatThrownBy(() -> SecretLeaks.assertNoneOf(secret, planted)).as(form)
					.isInstanceOf(AssertionError.class);
			}
		}
		assertThat(String.join(" ", SecretLeaks.formsOf(secret))).contains("706c616e746564", "\\x70\\x6c", "\\160\\154");
	}

}
