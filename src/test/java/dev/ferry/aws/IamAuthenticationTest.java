package dev.ferry.aws;

import java.nio.file.Path;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.MotoServer;
import dev.ferry.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * IAM database authentication: the password Ferry sends is an RDS authentication token from the SDK, a fresh one
 * for each connection attempt, always over TLS, and never printed.
 */
class IamAuthenticationTest {

	@TempDir
	Path folder;

	@Test
	void eachConnectionAttemptSendsAFreshIamTokenAsThePasswordOverTls() throws Exception {
		TestCertificates tls = TestCertificates.create(this.folder);
		try (FakeIamPostgres postgres = new FakeIamPostgres(tls, 2)) {
			FerryRun run = FerryProcess.bare()
				.aws(MotoServer.get())
				.env("FERRY_DB_URL", "jdbc:postgresql://localhost:" + postgres.port() + "/app")
				.env("FERRY_DB_USERNAME", "ferry_iam")
				.env("FERRY_DB_IAM_AUTH", "true")
				.env("FERRY_DB_SSL_ROOT_CERT", tls.ca().toString())
				.env("FERRY_CONNECT_TIMEOUT", "20s")
				.run();

			assertThat(run.exitCode()).as(run.toString()).isEqualTo(4);
			assertThat(postgres.passwords()).hasSize(3).allSatisfy((token) -> {
				assertThat(token).startsWith("localhost:" + postgres.port() + "/?")
					.contains("Action=connect")
					.contains("DBUser=ferry_iam")
					.contains("X-Amz-Algorithm=AWS4-HMAC-SHA256")
					.contains("X-Amz-Credential=test%2F")
					.contains("%2F" + MotoServer.REGION + "%2Frds-db%2Faws4_request")
					.containsPattern("X-Amz-Signature=[0-9a-f]{64}");
				assertThat(run.output()).doesNotContain(token);
			});
			assertThat(postgres.passwords().get(0)).as("made again for a later attempt")
				.isNotEqualTo(postgres.passwords().get(2));
		}
	}

	@Test
	void iamAuthenticationWithoutTlsIsRefused() {
		FerryRun run = FerryProcess.bare()
			.aws(MotoServer.get())
			.env("FERRY_DB_URL", "jdbc:postgresql://localhost:1/app")
			.env("FERRY_DB_USERNAME", "ferry_iam")
			.env("FERRY_DB_IAM_AUTH", "true")
			.env("FERRY_DB_SSL_MODE", "prefer")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.output()).contains("FERRY_DB_IAM_AUTH sends a token as the password and needs TLS");
	}

}
