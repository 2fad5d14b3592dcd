package dev.ferry.config;

import java.util.concurrent.TimeUnit;

import dev.ferry.testing.CountingDatabase;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The settings contract through the real entry point: usage and version never touch a database, and a setting or
 * option that is none is exit 2 before anything connects, naming the nearest name. The database Ferry is pointed at
 * is a loopback socket that counts the connections made to it.
 */
class SettingsContractTest {

	@RegisterExtension
	final CountingDatabase database = new CountingDatabase();

	@ParameterizedTest
	@ValueSource(strings = { "--help", "-h", "help" })
	void usageIsExitZeroAndOpensNoConnection(String argument) {
		Answer answer = answer(ferry(), argument);
		assertThat(answer.exitCode()).as(answer.output()).isZero();
		assertThat(answer.output()).contains("Usage: ferry", "migrate", "rehearse", "FERRY_DB_URL", "FERRY_ENVIRONMENT")
			.contains("README.md, section \"Configuration\"")
			.doesNotContain("Ferry failed");
		assertThat(this.database.connections()).as("connections to the database").hasValue(0);
	}

	@Test
	void versionNamesFerryItsCommitItsMigrationsAndFlywayAndOpensNoConnection() {
		Answer answer = answer(ferry(), "--version");
		assertThat(answer.exitCode()).as(answer.output()).isZero();
		FerryVersion version = FerryVersion.ofThisBuild();
		assertThat(answer.output()).isEqualTo(version.text());
		assertThat(version.dbChecksum()).hasSize(64);
		assertThat(version.flyway()).matches("\\d+\\.\\d+\\.\\d+.*");
		assertThat(this.database.connections()).as("connections to the database").hasValue(0);
	}

	@Test
	void anUnknownOptionIsExitTwoBeforeAnythingConnects() {
		FerryRun run = ferry().run("--foo");
		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.output()).contains("--foo (an argument): not a setting Ferry knows");
		assertThat(this.database.connections()).hasValue(0);
	}

	@Test
	void aMistypedFerryOptionIsExitTwoNamingTheNearestOne() {
		FerryRun run = ferry().run("--ferry.comand=info");
		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.output()).contains("--ferry.comand (an argument): did you mean --ferry.command?");
		assertThat(this.database.connections()).hasValue(0);
	}

	@Test
	void anUnknownSettingIsExitTwoNamingTheNearestNameAndTheReportSaysSo() {
		FerryRun run = ferry().env("FERRY_LOCK_TIMEOUTT", "5s").run();
		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.output()).contains("FERRY_LOCK_TIMEOUTT: did you mean FERRY_LOCK_TIMEOUT?");
		assertThat(run.<String>report("$.message")).contains("FERRY_LOCK_TIMEOUTT: did you mean FERRY_LOCK_TIMEOUT?");
		assertThat(this.database.connections()).hasValue(0);
	}

	@Test
	void anUnknownSystemPropertyIsExitTwoNamingTheNearestName() {
		FerryRun run = ferry().systemProperty("ferry.lock-timeoutt", "5s").run();
		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.output()).contains("ferry.lock-timeoutt (a system property): did you mean ferry.lock-timeout?");
		assertThat(this.database.connections()).hasValue(0);
	}

	@Test
	void anUnknownArgumentSettingIsExitTwoNamingTheNearestName() {
		FerryRun run = ferry().run("--ferry.lock-timeoutt=5s");
		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.output()).contains("--ferry.lock-timeoutt (an argument): did you mean --ferry.lock-timeout?");
	}

	@Test
	void aMisspelledFlywaySettingIsAWarningNamingTheNearestName() {
		FerryRun run = ferry().env("FLYWAY_TABEL", "history").env("FERRY_CONNECT_TIMEOUT", "1s").run();
		assertThat(run.output()).contains(
				"FLYWAY_TABEL is not a setting Flyway or Spring Boot knows, and is ignored: did you mean FLYWAY_TABLE?");
		assertThat(run.exitCode()).as("the run went on, to the database that does not answer: " + run)
			.isEqualTo(4);
	}

	/** Ferry pointed at the counting socket, which accepts a connection and closes it. */
	private FerryProcess ferry() {
		return FerryProcess.bare()
			.env("FERRY_DB_URL", "jdbc:postgresql://127.0.0.1:" + this.database.port() + "/app")
			.env("FERRY_DB_USERNAME", "ferry")
			.env("FERRY_ENVIRONMENT", "dev");
	}

	/** A run that asks about Ferry: no run, so no report; judged by exit code and output alone. */
	private static Answer answer(FerryProcess ferry, String... args) {
		FerryProcess.Started started = ferry.start(args);
		try {
			assertThat(started.process().waitFor(60, TimeUnit.SECONDS)).as("Ferry answered within 60 s").isTrue();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new AssertionError(ex);
		}
		return new Answer(started.process().exitValue(), started.outputSoFar());
	}

	private record Answer(int exitCode, String output) {

	}

}
