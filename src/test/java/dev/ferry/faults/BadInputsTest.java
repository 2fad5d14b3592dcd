package dev.ferry.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;

import dev.ferry.testing.CatalogDump;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.MotoServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestSecrets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad inputs against a database that already has three migrations applied: each fails with its exit code and a
 * message naming the cause, and leaves the database exactly as it was (catalog, data and history dumped before and
 * after), beyond what an earlier migration of the same run committed.
 */
@Tag("fault")
@ExtendWith(FaultLedger.class)
class BadInputsTest {

	private static final FaultLedger.Scenario scenario = FaultLedger.scenario(5, "bad inputs, each failing cleanly");

	private static final String NOT_JSON = FaultLedger.secret("Plain-text-Secret-7f3a-never-printed");

	private static final String V4_API_ACCESS = """
			CREATE TABLE api_access (name text PRIMARY KEY, password_hash text NOT NULL);
			INSERT INTO api_access VALUES ('${api_db_username}', md5('${api_db_password}'));
			""";

	@TempDir
	static Path base;

	private static Database template;

	@TempDir
	Path folder;

	private Database database;

	private Scripts scripts;

	@BeforeAll
	static void applyThreeMigrations() {
		Scripts.in(base)
			.write("V1__customers.sql", """
					CREATE TABLE customer (id int PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL);
					INSERT INTO customer SELECT i, 'c' || i || '@example.test', 'customer ' || i
					FROM generate_series(1, 200) i;
					""")
			.write("V2__orders.sql", """
					CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customer (id),
					    amount numeric(12, 2) NOT NULL CHECK (amount >= 0));
					INSERT INTO orders SELECT i, 1 + i % 200, i * 1.5 FROM generate_series(1, 500) i;
					""")
			.write("V3__orders_by_customer.sql", "CREATE INDEX orders_customer ON orders (customer_id);\n");
		template = Database.create("fault_bad_tpl");
		FerryRun run = scenario.check(template.ferry().locations(base).run());
		assertThat(run.exitCode()).as(run.toString()).isZero();
	}

	@AfterAll
	static void dropTemplate() {
		if (template != null) {
			template.drop();
		}
	}

	@BeforeEach
	void copyOfTheAppliedState() throws IOException {
		try (Stream<Path> files = Files.list(base)) {
			for (Path file : files.toList()) {
				Files.copy(file, this.folder.resolve(file.getFileName()));
			}
		}
		this.scripts = Scripts.in(this.folder);
		this.database = Database.copyOf(template, "fault_bad");
	}

	@AfterEach
	void drop() {
		this.database.drop();
	}

	@Test
	void aMissingAdminSecretExits3NamingTheSecret() {
		this.scripts.write("V4__api_access.sql", V4_API_ACCESS);
		String missing = "ferry/faults-missing-" + UUID.randomUUID();

		failsCleanly(withAdminSecret(missing), 3, "secret " + missing + " not found");
	}

	@Test
	void anAdminSecretThatIsNotJsonExits3NamingTheSecret() {
		this.scripts.write("V4__api_access.sql", V4_API_ACCESS);
		String secret = secret(NOT_JSON);

		failsCleanly(withAdminSecret(secret), 3, "secret " + secret + " is not JSON");
	}

	@Test
	void aPlaceholderSecretWithoutTheKeyAPendingScriptNeedsExits3NamingSecretKeyAndScript() {
		this.scripts.write("V4__api_access.sql", V4_API_ACCESS);
		String secret = secret("{\"username\":\"" + TestSecrets.API_DB_USERNAME + "\"}");

		failsCleanly(ferry().aws(MotoServer.get())
			.env("FERRY_PLACEHOLDER_api_db_username", null)
			.env("FERRY_PLACEHOLDER_api_db_password", null)
			.env("FERRY_PLACEHOLDER_SECRETS", "api_db=" + secret), 3,
				"secret " + secret + " has no key 'password' (needed as ${api_db_password} by V4__api_access.sql)");
	}

	@Test
	void aPlaceholderWithoutValueExits2NamingPlaceholderAndScript() {
		this.scripts.write("V4__api_access.sql", V4_API_ACCESS);

		failsCleanly(ferry().env("FERRY_PLACEHOLDER_api_db_password", null), 2,
				"${api_db_password} used by V4__api_access.sql");
	}

	@Test
	void anAppliedScriptEditedAfterwardsExits5NamingTheVersion() {
		this.scripts.write("V2__orders.sql", """
				CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES customer (id),
				    amount numeric(12, 2) NOT NULL CHECK (amount >= 0));
				""").write("V4__api_access.sql", V4_API_ACCESS);

		failsCleanly(ferry(), 5, "checksum mismatch for migration version 2");
	}

	@Test
	void anAppliedScriptDeletedFromTheMiddleExits5NamingTheVersion() {
		this.scripts.delete("V2__orders.sql").write("V4__api_access.sql", V4_API_ACCESS);

		failsCleanly(ferry(), 5, "Detected applied migration not resolved locally: 2");
	}

	@Test
	void aBadlyNamedScriptExits5NamingTheFile() {
		this.scripts.write("V4_api_access.sql", V4_API_ACCESS);

		failsCleanly(ferry(), 5, "V4_api_access.sql");
	}

	@Test
	void anSqlSyntaxErrorExits6NamingScriptLineAndSqlStateAndKeepsOnlyTheEarlierMigrationOfTheRun() {
		this.scripts.write("V4__api_access.sql", V4_API_ACCESS);
		Database expected = Database.copyOf(template, "fault_bad_expected");
		try {
			assertThat(scenario.check(expected.ferry().locations(this.folder).run()).exitCode()).isZero();
			this.scripts.write("V5__audit.sql", """
					CREATE TABLE audit (id int PRIMARY KEY, what text NOT NULL);

					INSRT INTO audit VALUES (1, 'created');
					""");

			FerryRun run = failsLike(ferry(), 6, expected.dump(), "V5__audit.sql", "syntax error");

			assertThat(run.<String>report("$.error.script")).isEqualTo("V5__audit.sql");
			assertThat(run.<Integer>report("$.error.line")).isEqualTo(3);
			assertThat(run.<String>report("$.error.sqlState")).isEqualTo("42601");
		}
		finally {
			expected.drop();
		}
	}

	@Test
	void aConstraintViolatedHalfwayThroughAMigrationsDataExits6AndNoneOfItsRowsRemain() {
		this.scripts.write("V4__more_orders.sql", """
				INSERT INTO orders SELECT i, 1 + i % 200, i FROM generate_series(501, 600) i;
				INSERT INTO orders VALUES (601, 1, 10.00);
				INSERT INTO orders VALUES (602, 2, -5.00);
				INSERT INTO orders SELECT i, 1 + i % 200, i FROM generate_series(603, 700) i;
				""");

		FerryRun run = failsCleanly(ferry(), 6, "V4__more_orders.sql", "orders_amount_check");

		assertThat(run.<String>report("$.error.sqlState")).isEqualTo("23514");
		assertThat(run.<Integer>report("$.error.line")).isEqualTo(3);
		assertThat(this.database.single("SELECT count(*) FROM orders")).isEqualTo("500");
	}

	@Test
	void aMigrationsFolderThatIsGoneExits2InsteadOfReportingUpToDate() {
		this.scripts.write("V4__api_access.sql", V4_API_ACCESS);

		failsCleanly(ferry().locations(this.folder.resolve("renamed")), 2, "renamed does not exist or is not a folder");
	}

	@Test
	void aSymbolicLinkLoopInTheMigrationsFolderExits2SayingSo() throws IOException {
		this.scripts.write("V4__api_access.sql", V4_API_ACCESS);
		Files.createSymbolicLink(this.folder.resolve("loop"), this.folder);

		failsCleanly(ferry(), 2, "symbolic-link loop");
	}

	@Test
	void aPendingScriptThatIsNotUtf8Exits5NamingTheFile() throws IOException {
		Files.write(this.folder.resolve("V4__note.sql"),
				"COMMENT ON TABLE orders IS 'Gr\u00fc\u00dfe';".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

		failsCleanly(ferry(), 5, "V4__note.sql is not valid UTF-8");
	}

	@Test
	void aReadOnlyDatabaseExits6SayingSo() {
		this.scripts.write("V4__api_access.sql", V4_API_ACCESS);
		this.database.execute("ALTER DATABASE " + this.database.name() + " SET default_transaction_read_only = on");

		FerryRun run = failsCleanly(ferry(), 6, "the database is read-only");

		assertThat(run.<String>report("$.error.sqlState")).isEqualTo("25006");
	}

	@Test
	void aMalformedDatabaseUrlExits2WithAReportThoughFerryNeverStarted() {
		this.scripts.write("V4__api_access.sql", V4_API_ACCESS);

		FerryRun run = failsCleanly(ferry().env("FERRY_DB_URL", "postgres://u:" + TestSecrets.OTHER_SECRET + "@db/app"),
				2, "FERRY_DB_URL is not a PostgreSQL JDBC URL");

		assertThat(run.<String>report("$.command")).isEqualTo("migrate");
	}

	@Test
	void settingsOutsideTheirRangeExit2BeforeTheDatabaseIsTouchedNamingEach() {
		this.scripts.write("V4__api_access.sql", V4_API_ACCESS);

		// A negative retry delay was exit 1 after the first lock timeout; a zero lock timeout queued the application.
		FerryRun run = failsCleanly(ferry().env("FERRY_LOCK_TIMEOUT", "0").env("FERRY_LOCK_RETRY_DELAY", "-1s"), 2,
				"FERRY_LOCK_TIMEOUT is 0: it must be a duration above 0 such as 5s, or off",
				"FERRY_LOCK_RETRY_DELAY is negative: it must be 0 or a duration");

		assertThat(run.output()).doesNotContain("-1s");
	}

	@Test
	void anSslModeThatIsNoneExits2ListingTheModesWithoutWaitingForTheConnectWindow() {
		this.scripts.write("V4__api_access.sql", V4_API_ACCESS);

		failsCleanly(ferry().env("FERRY_DB_SSL_MODE", "bogus").env("FERRY_CONNECT_TIMEOUT", "60s")
			.timeout(java.time.Duration.ofSeconds(30)), 2, "FERRY_DB_SSL_MODE", "verify-full");
	}

	@Test
	void validateOnANewDatabaseWhoseSchemaIsNotThereYetExits5WithFlywaysReason() {
		Database empty = Database.create("fault_bad_new");
		try {
			FerryRun run = scenario.check(
					empty.ferry().locations(this.folder).env("FLYWAY_SCHEMAS", "app").run("validate"));

			assertThat(run.exitCode()).as(run.toString()).isEqualTo(5);
			assertThat(run.<String>report("$.message")).as("the reason, where it was empty")
				.isEqualTo("Schema \"app\" doesn't exist yet");
			assertThat(run.output()).contains("Ferry failed (exit 5, validation failed): Schema \"app\" doesn't exist yet");
			assertThat(empty.single("SELECT count(*) FROM pg_namespace WHERE nspname = 'app'")).as("validate is read-only")
				.isEqualTo("0");
		}
		finally {
			empty.drop();
		}
	}

	private FerryRun failsCleanly(FerryProcess ferry, int exitCode, String... causes) {
		return failsLike(ferry, exitCode, this.database.dump(), causes);
	}

	/** Runs Ferry, expects it to fail with the exit code and causes, and the database to end as {@code expected}. */
	private FerryRun failsLike(FerryProcess ferry, int exitCode, CatalogDump expected, String... causes) {
		scenario.trials.incrementAndGet();
		scenario.faults.incrementAndGet();
		FerryRun run = scenario.check(ferry.run());
		CatalogDump after = this.database.dump();
		long lost = after.rowsLostAgainst(expected);
		scenario.rowsLost.addAndGet(lost);

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(exitCode);
		int failed = run.output().indexOf("Ferry failed (exit " + exitCode + ", ");
		assertThat(failed).as("the failure message, in:%n%s", run.output()).isNotNegative();
		String failure = run.output().substring(failed);
		for (String cause : causes) {
			assertThat(failure).as("the failure message").contains(cause);
		}
		assertThat(run.<Integer>report("$.exitCode")).isEqualTo(exitCode);
		assertThat(run.<String>report("$.outcome")).isEqualTo("failed");
		assertThat(after.differencesFrom(expected)).as("what the failed run changed").isEmpty();
		assertThat(lost).isZero();
		scenario.converged.incrementAndGet();
		return run;
	}

	private FerryProcess ferry() {
		return this.database.ferry().locations(this.folder);
	}

	/** Ferry reading its admin credentials from a secret, the database's place from its settings. */
	private FerryProcess withAdminSecret(String secretId) {
		return ferry().aws(MotoServer.get())
			.env("FERRY_DB_USERNAME", null)
			.env("FERRY_DB_PASSWORD", null)
			.env("FERRY_DB_SECRET_ID", secretId)
			// The test server speaks no TLS; verify-full, the default against AWS, has tests of its own.
			.env("FERRY_DB_SSL_MODE", "prefer");
	}

	private static String secret(String value) {
		String name = "ferry/faults-" + UUID.randomUUID();
		MotoServer.get().secretsManager().createSecret((r) -> r.name(name).secretString(value));
		return name;
	}

}
