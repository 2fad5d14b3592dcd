package dev.ferry;

import java.nio.file.Path;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import dev.ferry.testing.TestSecrets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Secret values never leave Ferry: not in a log line, an exception message, the report or the summary, even when
 * Flyway puts the failing statement, placeholders substituted, into its error or logs every statement at DEBUG.
 * (Every run in every test is also checked by {@code SecretLeaks}.)
 */
class SecretMaskingTest {

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	@Test
	void aFailingStatementThatContainsASecretIsReportedMasked() {
		Scripts.in(this.folder)
			.write("V1__user.sql", "CREATE TABLE app_user (name text, secret text);\n"
					+ "INSERT INTO app_user VALUES ('api', '${api_db_password}', 'one column too many');\n");

		FerryRun run = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("LOGGING_LEVEL_ORG_FLYWAYDB", "debug")
			.env("LOGGING_LEVEL_DEV_FERRY", "debug")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(6);
		assertThat(run.output()).contains("INSERT INTO app_user VALUES ('api', '****', 'one column too many')")
			.doesNotContain(TestSecrets.API_DB_PASSWORD);
		assertThat(run.report()).doesNotContain(TestSecrets.API_DB_PASSWORD);
		assertThat(run.summary()).contains("V1__user.sql").doesNotContain(TestSecrets.API_DB_PASSWORD);
	}

	@Test
	void aPlaceholderIsSecretByItsNameAndTheNamePatternIsASetting() {
		Scripts.in(this.folder).write("V1__fail.sql", "SELECT '${api_token}', '${pin_code}', 1/0;");

		FerryRun run = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FERRY_PLACEHOLDER_api_token", TestSecrets.OTHER_SECRET)
			.env("FERRY_PLACEHOLDER_pin_code", "pin-8642-never-printed")
			.env("FERRY_SECRET_PLACEHOLDER_PATTERN", "(?i).*(token|pin).*")
			.env("LOGGING_LEVEL_ORG_FLYWAYDB", "debug")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(6);
		assertThat(run.output()).contains("SELECT '****', '****', 1/0").doesNotContain("pin-8642-never-printed");
	}

	@Test
	void aShortValueOfASecretLookingNameDoesNotMangleTheOutputOrTheReport() {
		Scripts.in(this.folder).write("V1__policy.sql", "CREATE TABLE policy (min_length int DEFAULT ${password_min_length},"
				+ " max_age int DEFAULT ${password_max_age_days});");

		FerryRun run = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FERRY_PLACEHOLDER_password_min_length", "1")
			.env("FERRY_PLACEHOLDER_password_max_age_days", "365")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<String>report("$.database")).isEqualTo(this.database.url());
		assertThat(run.output()).contains(this.database.url()).doesNotContain("****");
	}

	@Test
	void thePasswordInTheDatabaseUrlIsMasked() {
		FerryRun run = FerryProcess.against(this.database)
			.env("FERRY_DB_URL", "jdbc:postgresql://127.0.0.1:1/db?password=" + TestSecrets.OTHER_SECRET)
			.env("FERRY_CONNECT_TIMEOUT", "1s")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(4);
		assertThat(run.output()).contains("database unreachable").doesNotContain(TestSecrets.OTHER_SECRET);
	}

}
