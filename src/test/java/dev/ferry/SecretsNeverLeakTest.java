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
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.json.JsonWriter;

import static org.assertj.core.api.Assertions.assertThat;

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
		List<String> forms = new ArrayList<>(List.of(secret, json(secret), secret.replace("'", "''")));
		for (String line : secret.split("\n")) {
			if (line.length() >= 4) {
				forms.add(line);
			}
		}
		int quote = secret.indexOf('\'');
		if (quote >= 0 && secret.length() - quote > 4) {
			forms.add(secret.substring(quote + 1));
		}
		for (String form : forms) {
			assertThat(run.output()).as("the output holds a form of a secret: " + form).doesNotContain(form);
			if (run.report() != null) {
				assertThat(run.report()).as("the report").doesNotContain(form);
			}
			if (run.summary() != null) {
				assertThat(run.summary()).as("the step summary").doesNotContain(form);
			}
		}
	}

	private static String json(String value) {
		return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
	}

}
