package dev.ferry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ferry where no CA bundle is baked (an image built with an empty {@code RDS_CA_BUNDLE}, a first try with no
 * internet), as a process: this test JVM's host has no {@code /opt/ferry/rds-ca/global-bundle.pem}, and each run's
 * {@code user.home} is an empty folder, so pgjdbc's {@code ~/.postgresql/root.crt} is absent too. A local database
 * needs no CA; verify-full cannot work, and is refused before anything connects, saying how to build an image that
 * has the bundle.
 */
class RdsCaBundleTest {

	private static final String RDS_HOST = "app.cluster-abc123.eu-west-1.rds.amazonaws.com";

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path home;

	@Test
	void aLocalDatabaseIsMigratedWithoutAnyCaBundle() {
		FerryRun run = withoutCa(FerryProcess.against(this.database)).run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
	}

	@Test
	void verifyFullAgainstAnRdsHostIsRefusedWithExit2SayingHowToBuildAnImageWithTheBundle() throws IOException {
		// Were the name ever looked up, it would reach loopback only, where nothing listens on port 1.
		Path hosts = Files.writeString(this.home.resolve("hosts"), "127.0.0.1 " + RDS_HOST + "\n");
		FerryRun run = withoutCa(FerryProcess.bare()).env("FERRY_DB_HOST", RDS_HOST)
			.env("FERRY_DB_PORT", "1")
			.env("FERRY_DB_USERNAME", "postgres")
			.env("FERRY_DB_PASSWORD", "Rds-Ca-Test-never-printed")
			.env("FERRY_CONNECT_TIMEOUT", "0")
			.systemProperty("jdk.net.hosts.file", hosts.toString())
			.run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.output()).contains("sslmode verify-full against AWS needs the RDS CA bundle")
			.contains("built without it")
			.contains("RDS_CA_BUNDLE")
			.contains("FERRY_DB_SSL_ROOT_CERT")
			.as("refused before connecting, not a database that seems unreachable")
			.doesNotContain("Connection refused");
		assertThat(run.<String>report("$.message")).contains("RDS_CA_BUNDLE");
	}

	@Test
	void verifyFullAskedForAgainstALocalDatabaseIsRefusedTooForWantOfACa() {
		FerryRun run = withoutCa(FerryProcess.against(this.database)).env("FERRY_DB_SSL_MODE", "verify-full").run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.output()).contains("FERRY_DB_SSL_MODE verify-full needs a CA bundle")
			.contains("RDS_CA_BUNDLE");
	}

	private FerryProcess withoutCa(FerryProcess process) {
		return process.systemProperty("user.home", this.home.toString());
	}

}
