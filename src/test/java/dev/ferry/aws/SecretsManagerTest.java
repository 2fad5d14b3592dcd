package dev.ferry.aws;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import java.util.UUID;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.MotoServer;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import dev.ferry.testing.TestSecrets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Admin credentials and placeholder values from AWS Secrets Manager (moto over real HTTP), and every way reading a
 * secret can fail, each exit 3 with the secret and the key named and no value shown.
 */
class SecretsManagerTest {

	private final MotoServer moto = MotoServer.get();

	private final SecretsManagerClient secrets = this.moto.secretsManager();

	private final TestDatabase database = PostgresServer.get().createDatabase();

	private final PostgresServer server = this.database.server();

	@TempDir
	Path folder;

	@Test
	void theFullRdsFormatGivesHostPortDatabaseAndCredentials() {
		String admin = secret("{\"username\":\"" + this.server.username() + "\",\"password\":\"" + adminPassword()
				+ "\",\"engine\":\"postgres\",\"host\":\"" + this.server.host() + "\",\"port\":" + this.server.port()
				+ ",\"dbname\":\"" + this.database.name() + "\"}");

		FerryRun run = ferry().env("FERRY_DB_SECRET_ID", admin).run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.<String>report("$.database")).isEqualTo(this.database.url());
		assertThat(this.database.tableExists("app.app_user")).isTrue();
	}

	@Test
	void theRdsManagedMasterSecretHasOnlyCredentialsAndTheHostComesFromSettings() {
		String admin = secret("{\"username\":\"" + this.server.username() + "\",\"password\":\"" + adminPassword() + "\"}");

		FerryRun run = ferry().env("FERRY_DB_SECRET_ID", arnOf(admin))
			.env("FERRY_DB_HOST", this.server.host())
			.env("FERRY_DB_PORT", String.valueOf(this.server.port()))
			.env("FERRY_DB_NAME", this.database.name())
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(this.database.tableExists("app.app_user")).isTrue();
	}

	@Test
	void hostPortAndDatabaseFromSettingsWinOverTheSecret() {
		String admin = secret("{\"username\":\"" + this.server.username() + "\",\"password\":\"" + adminPassword()
				+ "\",\"host\":\"db.invalid\",\"port\":1,\"dbname\":\"nowhere\"}");

		FerryRun run = ferry().env("FERRY_DB_SECRET_ID", admin)
			.env("FERRY_DB_HOST", this.server.host())
			.env("FERRY_DB_PORT", String.valueOf(this.server.port()))
			.env("FERRY_DB_NAME", this.database.name())
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
	}

	@Test
	void aRotatedPasswordIsReadFreshOnTheNextRun() {
		String role = "ferry_owner_" + UUID.randomUUID().toString().substring(0, 8);
		this.database.execute("CREATE ROLE " + role + " LOGIN CREATEROLE PASSWORD 'first-Pa55-of-owner'");
		this.database.execute("ALTER DATABASE " + this.database.name() + " OWNER TO " + role);
		this.database.execute("GRANT CREATE ON SCHEMA public TO " + role);
		Scripts.in(this.folder).write("V1__one.sql", "CREATE TABLE one (id int);");
		String admin = secret("{\"username\":\"" + role + "\",\"password\":\"first-Pa55-of-owner\"}");
		assertThat(ownerRun(admin).exitCode()).isZero();

		this.database.execute("ALTER ROLE " + role + " PASSWORD 'second-Pa55-of-owner'");
		this.secrets.putSecretValue((r) -> r.secretId(admin)
			.secretString("{\"username\":\"" + role + "\",\"password\":\"second-Pa55-of-owner\"}"));
		Scripts.in(this.folder).write("V2__two.sql", "CREATE TABLE two (id int);");
		FerryRun rotated = ownerRun(admin);

		assertThat(rotated.exitCode()).as(rotated.toString()).isZero();
		assertThat(rotated.output()).contains("Applied V2 \"two\"").doesNotContain("second-Pa55-of-owner");
		assertThat(this.database.tableExists("public.two")).isTrue();
	}

	@Test
	void eachKeyOfAPlaceholderSecretBecomesAPrefixedPlaceholder() throws Exception {
		String api = secret("{\"username\":\"" + TestSecrets.API_DB_USERNAME + "\",\"password\":\""
				+ TestSecrets.API_DB_PASSWORD + "\"}");

		FerryRun run = ferry().withAdminFromSettings()
			.env("FERRY_PLACEHOLDER_api_db_username", null)
			.env("FERRY_PLACEHOLDER_api_db_password", null)
			.env("FERRY_PLACEHOLDER_SECRETS", "api_db=" + api)
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		try (Connection connection = DriverManager.getConnection(this.database.url(), TestSecrets.API_DB_USERNAME,
				TestSecrets.API_DB_PASSWORD)) {
			assertThatNoException().isThrownBy(() -> connection.createStatement().execute("SELECT 1 FROM app.app_user"));
		}
		assertThat(run.output()).contains("Applied V3 \"api database user\"").doesNotContain(TestSecrets.API_DB_USERNAME);
	}

	@Test
	void aPlainTextSecretBecomesThePlaceholderNamedByItsPrefix() {
		String token = secret(TestSecrets.OTHER_SECRET);
		Scripts.in(this.folder).write("V1__one.sql", "CREATE TABLE one (note text);\nINSERT INTO one VALUES (md5('${webhook_token}'));");

		FerryRun run = ferry().withAdminFromSettings()
			.locations(this.folder)
			.env("FERRY_PLACEHOLDER_SECRETS", "webhook_token=" + token)
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(this.database.single("SELECT note FROM one")).hasSize(32);
	}

	@Test
	void aMissingAdminSecretExits3NamingIt() {
		FerryRun run = ferry().env("FERRY_DB_SECRET_ID", "ferry/no-such-secret").run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
		assertThat(run.output()).contains("secret ferry/no-such-secret not found");
	}

	@Test
	void aMissingPlaceholderSecretExits3NamingIt() {
		FerryRun run = ferry().withAdminFromSettings().env("FERRY_PLACEHOLDER_SECRETS", "api_db=ferry/missing").run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
		assertThat(run.output()).contains("secret ferry/missing not found");
	}

	@Test
	void anAdminSecretThatIsNotJsonExits3() {
		String admin = secret(TestSecrets.OTHER_SECRET);

		FerryRun run = ferry().env("FERRY_DB_SECRET_ID", admin).run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
		assertThat(run.output()).contains("secret " + admin + " is not JSON, so it has no keys");
	}

	@Test
	void anAdminSecretWithoutPasswordExits3NamingTheKey() {
		String admin = secret("{\"username\":\"postgres\",\"host\":\"localhost\"}");

		FerryRun run = ferry().env("FERRY_DB_SECRET_ID", admin).run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
		assertThat(run.output()).contains("secret " + admin + " has no key 'password'");
	}

	@Test
	void aPlaceholderSecretWithoutAKeyAPendingScriptNeedsExits3BeforeAnySqlRuns() {
		String api = secret("{\"username\":\"" + TestSecrets.API_DB_USERNAME + "\"}");

		FerryRun run = ferry().withAdminFromSettings()
			.env("FERRY_PLACEHOLDER_api_db_username", null)
			.env("FERRY_PLACEHOLDER_api_db_password", null)
			.env("FERRY_PLACEHOLDER_SECRETS", "api_db=" + api)
			.run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
		assertThat(run.output()).contains("secret " + api + " has no key 'password' (needed as ${api_db_password} by"
				+ " V3__api_database_user.sql)");
		assertThat(this.database.tableExists("public.flyway_schema_history")).isFalse();
	}

	@Test
	void aPlainTextPlaceholderSecretUsedForKeysExits3() {
		String api = secret(TestSecrets.OTHER_SECRET);

		FerryRun run = ferry().withAdminFromSettings()
			.env("FERRY_PLACEHOLDER_api_db_password", null)
			.env("FERRY_PLACEHOLDER_SECRETS", "api_db=" + api)
			.run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
		assertThat(run.output()).contains("secret " + api + " is not JSON, so it has no key 'password'");
	}

	@Test
	void accessDeniedExits3NamingTheSecret() {
		// A moto of its own that enforces IAM after the set-up calls: a user who may read one secret only.
		MotoServer strict = MotoServer.startExtra(Map.of("INITIAL_NO_AUTH_ACTION_COUNT", "6"));
		IamFixture fixture = IamFixture.userAllowedToRead(strict, "ferry/allowed");
		fixture.createSecret("ferry/allowed", "{\"username\":\"u\",\"password\":\"p-87654321\"}");
		String forbidden = fixture.createSecret("ferry/forbidden", "{\"username\":\"u\",\"password\":\"p-12345678\"}");

		FerryRun run = FerryProcess.against(this.database)
			.env("FERRY_DB_SECRET_ID", forbidden)
			.env("FERRY_DB_SSL_MODE", "prefer")
			.env("AWS_ENDPOINT_URL", strict.endpoint())
			.env("AWS_REGION", MotoServer.REGION)
			.env("AWS_ACCESS_KEY_ID", fixture.accessKeyId())
			.env("AWS_SECRET_ACCESS_KEY", fixture.secretAccessKey())
			.run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
		assertThat(run.output()).contains("secret " + forbidden + " access denied");
	}

	private FerryRun ownerRun(String admin) {
		return FerryProcess.against(this.database)
			.aws(this.moto)
			.locations(this.folder)
			.env("FERRY_DB_USERNAME", null)
			.env("FERRY_DB_PASSWORD", null)
			.env("FERRY_DB_SECRET_ID", admin)
			.env("FERRY_DB_SSL_MODE", "prefer")
			.run();
	}

	/** Ferry with moto and no database credentials of its own: they come from the admin secret. */
	private AwsFerry ferry() {
		return new AwsFerry(FerryProcess.against(this.database)
			.aws(this.moto)
			.env("FERRY_DB_URL", null)
			.env("FERRY_DB_USERNAME", null)
			.env("FERRY_DB_PASSWORD", null)
			// The test server speaks no TLS; verify-full, the default against AWS, has its own test.
			.env("FERRY_DB_SSL_MODE", "prefer"), this.database);
	}

	private String secret(String value) {
		String name = "ferry/test-" + UUID.randomUUID();
		this.secrets.createSecret((r) -> r.name(name).secretString(value));
		return name;
	}

	private String arnOf(String name) {
		return this.secrets.describeSecret((r) -> r.secretId(name)).arn();
	}

	private String adminPassword() {
		return (this.server.password() != null) ? this.server.password() : "trust-needs-none";
	}

	/** A Ferry process being configured for a Secrets Manager test. */
	static final class AwsFerry {

		private final FerryProcess process;

		private final TestDatabase database;

		AwsFerry(FerryProcess process, TestDatabase database) {
			this.process = process;
			this.database = database;
		}

		AwsFerry withAdminFromSettings() {
			this.process.env("FERRY_DB_URL", this.database.url())
				.env("FERRY_DB_USERNAME", this.database.server().username())
				.env("FERRY_DB_PASSWORD", this.database.server().password());
			return this;
		}

		AwsFerry env(String name, String value) {
			this.process.env(name, value);
			return this;
		}

		AwsFerry locations(Path folder) {
			this.process.locations(folder);
			return this;
		}

		FerryRun run() {
			return this.process.run();
		}

	}

}
