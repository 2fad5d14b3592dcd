package dev.ferry.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.ferry.failure.CauseChain;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FailureClassifier;
import dev.ferry.failure.FerryException;
import dev.ferry.testing.CountingDatabase;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import dev.ferry.testing.TestSecrets;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Every setting is checked before anything connects: a value outside its range is exit 2 with a message that names
 * the setting by its variable and says what it allows, never the value. The rules one by one, bound as Spring binds
 * them; then through the real entry point, against a loopback socket that counts the connections made to it.
 */
class SettingsValidationTest {

	@Nested
	class EachRule {

		@ParameterizedTest(name = "{0}={1}")
		@CsvSource(delimiter = '|', textBlock = """
				FERRY_LOCK_TIMEOUT                | 0       | FERRY_LOCK_TIMEOUT is 0: it must be a duration above 0 such as 5s, or off to turn the lock-queue protection off
				FERRY_LOCK_TIMEOUT                | -1s     | FERRY_LOCK_TIMEOUT is negative: it must be a duration above 0
				FERRY_STATEMENT_TIMEOUT           | -1s     | FERRY_STATEMENT_TIMEOUT is negative: it must be 0 or off (none), or a duration
				FERRY_IDLE_IN_TRANSACTION_TIMEOUT | -1s     | FERRY_IDLE_IN_TRANSACTION_TIMEOUT is negative: it must be 0 or off (none)
				FERRY_SOCKET_TIMEOUT              | -1s     | FERRY_SOCKET_TIMEOUT is negative: it must be 0 or off (none)
				FERRY_CONNECT_TIMEOUT             | -5s     | FERRY_CONNECT_TIMEOUT is negative: it must be 0 or a duration
				FERRY_CONNECT_TIMEOUT             | off     | FERRY_CONNECT_TIMEOUT cannot be off: it must be 0 or a duration
				FERRY_STOP_TIMEOUT                | -1s     | FERRY_STOP_TIMEOUT is negative: it must be 0 or a duration
				FERRY_LOCK_RETRY_DELAY            | -1s     | FERRY_LOCK_RETRY_DELAY is negative: it must be 0 or a duration
				FERRY_SNAPSHOT_TIMEOUT            | 0       | FERRY_SNAPSHOT_TIMEOUT is 0: it must be a duration above 0
				FERRY_SNAPSHOT_TIMEOUT            | -1m     | FERRY_SNAPSHOT_TIMEOUT is negative: it must be a duration above 0
				FERRY_REHEARSAL_TIMEOUT           | -1m     | FERRY_REHEARSAL_TIMEOUT is negative: it must be a duration above 0
				FERRY_REHEARSAL_LOCK_BUDGET       | -1s     | FERRY_REHEARSAL_LOCK_BUDGET is negative: it must be 0 or a duration
				FERRY_LOCK_RETRIES                | -1      | FERRY_LOCK_RETRIES must be 0 or more
				FERRY_SNAPSHOT_RETAIN             | -1      | FERRY_SNAPSHOT_RETAIN must be 0 or more
				FERRY_DB_PORT                     | 0       | FERRY_DB_PORT must be from 1 to 65535
				FERRY_DB_PORT                     | 65536   | FERRY_DB_PORT must be from 1 to 65535
				FERRY_SECRET_PLACEHOLDER_PATTERN  | (       | FERRY_SECRET_PLACEHOLDER_PATTERN must be a Java regular expression (Unclosed group near index 1)
				FERRY_LOCATIONS                   | nosuchscheme: | FERRY_LOCATIONS entry 'nosuchscheme:...' has a prefix Flyway does not read: use filesystem:<path> or classpath:<path>
				FERRY_LOCATIONS                   | s3:bucket/db  | FERRY_LOCATIONS entry 's3:...' has a prefix Flyway does not read
				FERRY_TESTDATA_LOCATIONS          | gcs:bucket    | FERRY_TESTDATA_LOCATIONS entry 'gcs:...' has a prefix Flyway does not read
				""")
		void aValueOutsideTheRangeIsRefusedNamingTheSettingAndWhatItAllows(String variable, String value, String message) {
			Throwable refused = bind(Map.of(variable, value));

			FerryException ferry = FerryException.find(refused);
			assertThat(ferry).as("refused: %s", refused).isNotNull();
			assertThat(ferry.status()).isEqualTo(ExitStatus.CONFIGURATION_INVALID);
			assertThat(ferry.getMessage()).startsWith("invalid setting: ").contains(message);
		}

		@ParameterizedTest(name = "{0}={1}")
		@CsvSource(delimiter = '|', textBlock = """
				FERRY_SOCKET_TIMEOUT | 30s | FERRY_STATEMENT_TIMEOUT | 30s
				FERRY_SOCKET_TIMEOUT | 10s | FERRY_STATEMENT_TIMEOUT | 30s
				FERRY_SOCKET_TIMEOUT | 10s | FERRY_STATEMENT_TIMEOUT | 0
				""")
		void aSocketTimeoutThatIsNotAboveTheStatementTimeoutIsRefused(String socket, String socketValue,
				String statement, String statementValue) {
			FerryException ferry = FerryException.find(bind(Map.of(socket, socketValue, statement, statementValue)));

			assertThat(ferry).isNotNull();
			assertThat(ferry.getMessage()).contains("FERRY_SOCKET_TIMEOUT must be above FERRY_STATEMENT_TIMEOUT");
		}

		@Test
		void everyValueOutsideItsRangeIsNamedInTheOneMessage() {
			FerryException ferry = FerryException.find(bind(Map.of("FERRY_LOCK_TIMEOUT", "0", "FERRY_LOCK_RETRIES", "-2",
					"FERRY_DB_PORT", "-1")));

			assertThat(ferry.getMessage()).startsWith("invalid settings: ")
				.contains("FERRY_LOCK_TIMEOUT is 0", "FERRY_LOCK_RETRIES must be 0 or more",
						"FERRY_DB_PORT must be from 1 to 65535");
		}

		@Test
		void offTurnsTheLockStatementIdleAndSocketTimeoutsOffAsZero() {
			FerryProperties properties = properties(Map.of("FERRY_LOCK_TIMEOUT", "off", "FERRY_STATEMENT_TIMEOUT", "OFF",
					"FERRY_IDLE_IN_TRANSACTION_TIMEOUT", " off ", "FERRY_SOCKET_TIMEOUT", "off"));

			assertThat(properties.lockTimeout()).isZero();
			assertThat(properties.statementTimeout()).isZero();
			assertThat(properties.idleInTransactionTimeout()).isZero();
			assertThat(properties.socketTimeout()).isZero();
		}

		@Test
		void theDefaultsAndTheEdgesOfEachRangeAreAccepted() {
			FerryProperties defaults = properties(Map.of());
			assertThat(defaults.lockTimeout()).isEqualTo(Duration.ofSeconds(5));
			assertThat(defaults.statementTimeout()).isZero();

			FerryProperties edges = properties(Map.ofEntries(Map.entry("FERRY_LOCK_TIMEOUT", "1ms"),
					Map.entry("FERRY_STATEMENT_TIMEOUT", "10s"), Map.entry("FERRY_SOCKET_TIMEOUT", "10001ms"),
					Map.entry("FERRY_CONNECT_TIMEOUT", "0"), Map.entry("FERRY_STOP_TIMEOUT", "0"),
					Map.entry("FERRY_LOCK_RETRY_DELAY", "0"), Map.entry("FERRY_LOCK_RETRIES", "0"),
					Map.entry("FERRY_SNAPSHOT_RETAIN", "0"), Map.entry("FERRY_DB_PORT", "65535"),
					Map.entry("FERRY_REHEARSAL_LOCK_BUDGET", "0"), Map.entry("FERRY_SNAPSHOT_TIMEOUT", "1s"),
					Map.entry("FERRY_SECRET_PLACEHOLDER_PATTERN", "(?i)pass.*"),
					Map.entry("FERRY_LOCATIONS", "filesystem:/db,classpath:db/migration,sql/more")));
			assertThat(edges.lockTimeout()).isEqualTo(Duration.ofMillis(1));
			assertThat(edges.socketTimeout()).isEqualTo(Duration.ofMillis(10001));
			assertThat(edges.db().port()).isEqualTo(65535);
		}

		@ParameterizedTest(name = "{0}")
		@CsvSource(delimiter = '|', textBlock = """
				FERRY_DRIFT    | it must be one of fail, warn, off
				FERRY_REHEARSE | it must be one of off, clone
				""")
		void anEnumLikeSettingThatIsNoneOfItsValuesListsThemAndNotTheValue(String variable, String allowed) {
			BindException bind = CauseChain.find(bind(Map.of(variable, "s0meth1ng-else")), BindException.class);

			assertThat(bind).isNotNull();
			assertThat(FailureClassifier.invalidSetting(bind)).contains(variable)
				.contains(allowed)
				.doesNotContain("s0meth1ng-else");
		}

		private static FerryProperties properties(Map<String, String> variables) {
			return binder(variables).bindOrCreate("ferry", FerryProperties.class);
		}

		private static Throwable bind(Map<String, String> variables) {
			Throwable thrown = catchThrowable(() -> properties(variables));
			assertThat(thrown).as("binding %s", variables).isNotNull();
			return thrown;
		}

		/** Spring's binder over these environment variables, with the conversions Ferry's context has. */
		private static Binder binder(Map<String, String> variables) {
			ApplicationConversionService conversions = new ApplicationConversionService();
			conversions.addConverter(new OffDurationConverter());
			return new Binder(ConfigurationPropertySources.from(new SystemEnvironmentPropertySource(
					StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.copyOf(variables))), null,
					conversions);
		}

	}

	@Nested
	class ThroughTheEntryPoint {

		@RegisterExtension
		final CountingDatabase database = new CountingDatabase();

		@Test
		void everySettingOutsideItsRangeIsExitTwoBeforeAnythingConnectsEachNamedWithWhatItAllows() {
			Map<String, String> bad = new LinkedHashMap<>();
			bad.put("FERRY_LOCK_TIMEOUT", "0");
			bad.put("FERRY_STATEMENT_TIMEOUT", "-1s");
			bad.put("FERRY_IDLE_IN_TRANSACTION_TIMEOUT", "-1s");
			bad.put("FERRY_CONNECT_TIMEOUT", "-5s");
			bad.put("FERRY_STOP_TIMEOUT", "-1s");
			bad.put("FERRY_LOCK_RETRY_DELAY", "-1s");
			bad.put("FERRY_LOCK_RETRIES", "-1");
			bad.put("FERRY_SNAPSHOT_RETAIN", "-1");
			bad.put("FERRY_SNAPSHOT_TIMEOUT", "-1m");
			bad.put("FERRY_REHEARSAL_TIMEOUT", "-1m");
			bad.put("FERRY_REHEARSAL_LOCK_BUDGET", "-1s");
			bad.put("FERRY_DB_PORT", "70000");
			// This one crashed the JVM before the run began, with no report.
			bad.put("FERRY_SECRET_PLACEHOLDER_PATTERN", "(");
			bad.put("FERRY_LOCATIONS", "nosuchscheme:");
			FerryProcess ferry = ferry();
			bad.forEach(ferry::env);

			FerryRun run = ferry.run();

			assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
			assertThat(this.database.connections()).as("connections to the database").hasValue(0);
			String message = run.report("$.message");
			assertThat(run.output()).contains("Ferry failed (exit 2, configuration invalid): " + message);
			assertThat(message).contains("FERRY_LOCK_TIMEOUT is 0: it must be a duration above 0 such as 5s, or off",
					"FERRY_STATEMENT_TIMEOUT is negative: it must be 0 or off (none)",
					"FERRY_IDLE_IN_TRANSACTION_TIMEOUT is negative", "FERRY_CONNECT_TIMEOUT is negative: it must be 0",
					"FERRY_STOP_TIMEOUT is negative", "FERRY_LOCK_RETRY_DELAY is negative",
					"FERRY_LOCK_RETRIES must be 0 or more", "FERRY_SNAPSHOT_RETAIN must be 0 or more",
					"FERRY_SNAPSHOT_TIMEOUT is negative: it must be a duration above 0",
					"FERRY_REHEARSAL_TIMEOUT is negative", "FERRY_REHEARSAL_LOCK_BUDGET is negative",
					"FERRY_DB_PORT must be from 1 to 65535",
					"FERRY_SECRET_PLACEHOLDER_PATTERN must be a Java regular expression (Unclosed group",
					"FERRY_LOCATIONS entry 'nosuchscheme:...' has a prefix Flyway does not read");
			assertThat(message).as("the values given").doesNotContain("-1s", "-5s", "70000");
		}

		@Test
		void aSocketTimeoutAtTheStatementTimeoutIsExitTwoBeforeAnythingConnects() {
			FerryRun run = ferry().env("FERRY_STATEMENT_TIMEOUT", "30s").env("FERRY_SOCKET_TIMEOUT", "30s").run();

			assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
			assertThat(this.database.connections()).hasValue(0);
			assertThat(run.<String>report("$.message"))
				.contains("FERRY_SOCKET_TIMEOUT must be above FERRY_STATEMENT_TIMEOUT (30000 ms)");
		}

		@Test
		void aDriftModeThatIsNoneListsTheModesBeforeAnythingConnects() {
			FerryRun run = ferry().env("FERRY_DRIFT", TestSecrets.OTHER_SECRET).run();

			assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
			assertThat(this.database.connections()).hasValue(0);
			assertThat(run.<String>report("$.message")).contains("FERRY_DRIFT", "it must be one of fail, warn, off");
		}

		/** Ferry pointed at the counting socket, which accepts a connection and closes it. */
		private FerryProcess ferry() {
			return FerryProcess.bare()
				.env("FERRY_DB_URL", "jdbc:postgresql://127.0.0.1:" + this.database.port() + "/app")
				.env("FERRY_DB_USERNAME", "ferry")
				.env("FERRY_DB_PASSWORD", TestSecrets.OTHER_SECRET)
				.env("FERRY_PLACEHOLDER_api_db_password", TestSecrets.API_DB_PASSWORD)
				.env("FERRY_ENVIRONMENT", "dev");
		}

	}

	@Nested
	class OffAgainstADatabase {

		private final TestDatabase database = PostgresServer.get().createDatabase();

		@TempDir
		Path folder;

		@Test
		void offTurnsTheLockAndStatementTimeoutsOffInTheMigrationSession() {
			Scripts.in(this.folder).write("V1__timeouts.sql", """
					DO $$
					BEGIN
					    IF current_setting('lock_timeout') <> '0' OR current_setting('statement_timeout') <> '0' THEN
					        RAISE EXCEPTION 'lock_timeout %, statement_timeout %', current_setting('lock_timeout'),
					            current_setting('statement_timeout');
					    END IF;
					END $$;
					""");

			FerryRun run = FerryProcess.against(this.database)
				.locations(this.folder)
				.env("FERRY_LOCK_TIMEOUT", "off")
				.env("FERRY_STATEMENT_TIMEOUT", "off")
				.run();

			assertThat(run.exitCode()).as(run.toString()).isZero();
			assertThat(this.database.history("flyway_schema_history")).containsExactly("1:true");
		}

	}

}
