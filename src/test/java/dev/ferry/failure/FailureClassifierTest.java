package dev.ferry.failure;

import java.sql.SQLException;

import org.flywaydb.core.api.CoreErrorCode;
import org.flywaydb.core.api.FlywayException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The one place that decides a failed run's exit code, case by case, without a database. */
@Tag("unit")
class FailureClassifierTest {

	private final FailureClassifier classifier = new FailureClassifier((text) -> text.replace("s3cret", "****"));

	@Test
	void aFailureOfFerrysOwnKeepsItsStatusAndMessage() {
		FerryException failure = classify(new FerryException(ExitStatus.SNAPSHOT_FAILED, "no snapshot"));
		assertThat(failure.status()).isEqualTo(ExitStatus.SNAPSHOT_FAILED);
		assertThat(failure.getMessage()).isEqualTo("no snapshot");
	}

	@Test
	void aFailureOfFerrysOwnIsFoundInsideWhatSpringWrapsAroundIt() {
		FerryException failure = classify(new IllegalStateException("bean failed",
				new FerryException(ExitStatus.SECRET_UNREADABLE, "secret not found")));
		assertThat(failure.status()).isEqualTo(ExitStatus.SECRET_UNREADABLE);
	}

	@Test
	void aLockTimeoutIsExitSevenByItsSqlState() {
		assertThat(classify(flyway("canceling statement due to lock timeout", "55P03")).status())
			.isEqualTo(ExitStatus.LOCK_TIMEOUT);
	}

	@Test
	void aLostConnectionIsExitFourAndSaysTheServerRollsBack() {
		FerryException failure = classify(flyway("I/O error", "08006"));
		assertThat(failure.status()).isEqualTo(ExitStatus.DATABASE_UNREACHABLE);
		assertThat(failure.getMessage()).startsWith("lost the connection to the database (SQLSTATE 08006)");
	}

	@Test
	void anAdministratorShutdownIsALostConnectionToo() {
		assertThat(classify(flyway("terminating connection", "57P01")).status())
			.isEqualTo(ExitStatus.DATABASE_UNREACHABLE);
	}

	@Test
	void aReadOnlyDatabaseIsAFailedMigrationThatNamesTheWriter() {
		FerryException failure = classify(flyway("cannot execute CREATE TABLE in a read-only transaction", "25006"));
		assertThat(failure.status()).isEqualTo(ExitStatus.MIGRATION_FAILED);
		assertThat(failure.getMessage()).contains("point FERRY_DB_HOST at the writer");
	}

	@Test
	void aScriptThatFlywayReportedFailedIsExitSixWhateverItsErrorCode() {
		FerryException failure = this.classifier.classify(flyway("syntax error", "42601"), false, "V2__bad.sql");
		assertThat(failure.status()).isEqualTo(ExitStatus.MIGRATION_FAILED);
	}

	@Test
	void aValidationErrorCodeIsExitFive() {
		assertThat(classify(new FlywayException("checksum mismatch", CoreErrorCode.CHECKSUM_MISMATCH)).status())
			.isEqualTo(ExitStatus.VALIDATION_FAILED);
	}

	@Test
	void aConfigurationErrorCodeIsExitTwo() {
		assertThat(classify(new FlywayException("bad location", CoreErrorCode.CONFIGURATION)).status())
			.isEqualTo(ExitStatus.CONFIGURATION_INVALID);
	}

	@Test
	void anAuthenticationFailureUnderFlywayIsExitFour() {
		assertThat(classify(flyway("password authentication failed", "28P01")).status())
			.isEqualTo(ExitStatus.DATABASE_UNREACHABLE);
	}

	@Test
	void anythingElseIsExitOneWithItsMessageMasked() {
		FerryException failure = classify(new IllegalStateException("broke on s3cret"));
		assertThat(failure.status()).isEqualTo(ExitStatus.UNEXPECTED);
		assertThat(failure.getMessage()).isEqualTo("broke on ****");
		assertThat(failure.getCause().getMessage()).doesNotContain("s3cret");
	}

	@Test
	void flywaysMessageIsMaskedAndSoIsEveryMessageInTheCauseKept() {
		FerryException failure = classify(flyway("ALTER ROLE api PASSWORD 's3cret' failed", "42601"));
		assertThat(failure.getMessage()).doesNotContain("s3cret");
		for (Throwable cause = failure.getCause(); cause != null; cause = cause.getCause()) {
			assertThat(cause.getMessage()).doesNotContain("s3cret");
		}
	}

	@Test
	void anyFailureAfterAStopWasRequestedIsTheStopsDoingAndNamesTheCancelledScript() {
		FerryException failure = this.classifier.classify(flyway("canceling statement due to user request", "57014"),
				true, "V3__slow.sql");
		assertThat(failure.status()).isEqualTo(ExitStatus.STOPPED);
		assertThat(failure.getMessage()).startsWith("stopped by SIGTERM, cancelled V3__slow.sql; ")
			.contains("canceling statement due to user request");
	}

	@Test
	void aLockTimeoutDuringAStopIsStillTheStop() {
		assertThat(this.classifier.classify(flyway("lock timeout", "55P03"), true, null).status())
			.isEqualTo(ExitStatus.STOPPED);
	}

	private FerryException classify(Throwable failure) {
		return this.classifier.classify(failure, false, null);
	}

	private static FlywayException flyway(String message, String sqlState) {
		return new FlywayException(message, new SQLException(message, sqlState));
	}

}
