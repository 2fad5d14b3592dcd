package dev.ferry.aws;

import java.nio.file.Path;
import java.util.UUID;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.LoopbackPorts;
import dev.ferry.testing.MotoServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestCertificates;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TLS to the database for real: a PostgreSQL with {@code ssl=on} and a certificate from a throwaway CA. With the
 * right CA bundle verify-full connects and the migration session is encrypted; with a wrong one Ferry refuses to
 * connect (exit 4), and so it does at once when TLS is required and the server offers none. Against AWS (an admin
 * secret in use) verify-full is the default.
 */
class TlsTest {

	@TempDir
	static Path certificates;

	static TestCertificates tls;

	static EmbeddedPostgres postgres;

	@TempDir
	Path folder;

	private String database;

	@BeforeAll
	static void startPostgresWithTls() throws Exception {
		tls = TestCertificates.create(certificates);
		postgres = EmbeddedPostgres.builder()
			.setPort(LoopbackPorts.unused())
			.setServerConfig("ssl", "on")
			.setServerConfig("ssl_cert_file", tls.serverCertificate().toString())
			.setServerConfig("ssl_key_file", tls.serverKey().toString())
			.start();
	}

	@AfterAll
	static void stopPostgres() throws Exception {
		postgres.close();
	}

	@Test
	void verifyFullWithTheRightCaConnectsAndTheMigrationSessionIsEncrypted() throws Exception {
		FerryRun run = ferry().env("FERRY_DB_SSL_MODE", "verify-full")
			.env("FERRY_DB_SSL_ROOT_CERT", tls.ca().toString())
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		try (var connection = postgres.getDatabase("postgres", this.database).getConnection();
				var rows = connection.createStatement().executeQuery("SELECT ssl FROM session_tls")) {
			assertThat(rows.next()).isTrue();
			assertThat(rows.getBoolean(1)).as("the migration session used TLS").isTrue();
		}
	}

	@Test
	void verifyFullWithAWrongCaRefusesToConnectAndExits4() {
		FerryRun run = ferry().env("FERRY_DB_SSL_MODE", "verify-full")
			.env("FERRY_DB_SSL_ROOT_CERT", tls.otherCa().toString())
			.run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(4);
		assertThat(run.output()).contains("TLS to the database failed").doesNotContain("retrying");
	}

	@Test
	void aServerWithoutTlsIsExit4AtOnceWhenTheSslModeRequiresTls() throws Exception {
		try (EmbeddedPostgres plain = EmbeddedPostgres.builder().setPort(LoopbackPorts.unused()).start()) {
			for (String mode : new String[] { "require", "verify-ca", "verify-full" }) {
				long started = System.nanoTime();
				FerryRun run = FerryProcess.bare()
					.locations(this.folder)
					.env("FERRY_DB_URL", "jdbc:postgresql://localhost:" + plain.getPort() + "/postgres")
					.env("FERRY_DB_USERNAME", "postgres")
					.env("FERRY_DB_SSL_MODE", mode)
					.env("FERRY_DB_SSL_ROOT_CERT", tls.ca().toString())
					.env("FERRY_CONNECT_TIMEOUT", "60s")
					.run("info");
				long seconds = (System.nanoTime() - started) / 1_000_000_000L;

				assertThat(run.exitCode()).as(mode + ": " + run).isEqualTo(4);
				assertThat(run.output()).as(mode).contains("does not support SSL").doesNotContain("retrying");
				assertThat(seconds).as(mode + ": not retried for the 60 s connect window").isLessThan(30);
			}
		}
	}

	@Test
	void againstAwsVerifyFullIsTheDefault() {
		MotoServer moto = MotoServer.get();
		String admin = "ferry/tls-" + UUID.randomUUID();
		try (var secrets = moto.secretsManager()) {
			secrets.createSecret((r) -> r.name(admin).secretString("{\"username\":\"postgres\",\"password\":\"x-unused-1\","
					+ "\"host\":\"localhost\",\"port\":" + postgres.getPort() + ",\"dbname\":\"postgres\"}"));
		}

		FerryRun trusted = FerryProcess.bare()
			.aws(moto)
			.locations(this.folder)
			.env("FERRY_DB_SECRET_ID", admin)
			.env("FERRY_DB_SSL_ROOT_CERT", tls.ca().toString())
			.env("FERRY_CONNECT_TIMEOUT", "2s")
			.run("info");
		FerryRun untrusted = FerryProcess.bare()
			.aws(moto)
			.locations(this.folder)
			.env("FERRY_DB_SECRET_ID", admin)
			.env("FERRY_DB_SSL_ROOT_CERT", tls.otherCa().toString())
			.env("FERRY_CONNECT_TIMEOUT", "2s")
			.run("info");

		assertThat(trusted.exitCode()).as(trusted.toString()).isZero();
		assertThat(untrusted.exitCode()).as(untrusted.toString()).isEqualTo(4);
	}

	private FerryProcess ferry() {
		Scripts.in(this.folder)
			.write("V1__tls.sql", "CREATE TABLE session_tls AS SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();");
		String database = "tls_" + UUID.randomUUID().toString().substring(0, 8);
		try (var connection = postgres.getPostgresDatabase().getConnection()) {
			connection.createStatement().execute("CREATE DATABASE " + database);
		}
		catch (java.sql.SQLException ex) {
			throw new IllegalStateException(ex);
		}
		this.database = database;
		return FerryProcess.bare()
			.locations(this.folder)
			.env("FERRY_DB_URL", "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database)
			.env("FERRY_DB_USERNAME", "postgres")
			.env("FERRY_CONNECT_TIMEOUT", "2s");
	}

}
