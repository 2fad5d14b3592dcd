package dev.ferry.restore;

import dev.ferry.aws.RdsIdentifiers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The names a restore gives: RDS takes them, and the same snapshot always gives the same restored cluster. */
@Tag("unit")
class RestoredNamesTest {

	private static final String IDENTIFIER = "[a-z][a-z0-9]*(-[a-z0-9]+)*";

	@Test
	void theRestoredClusterIsNamedAfterItsSnapshot() {
		assertThat(AuroraRestores.restoredName("ferry-prod-20261125-093000-3f2a-v42"))
			.isEqualTo("ferry-restore-prod-20261125-093000-3f2a-v42");
	}

	@Test
	void aLongSnapshotNameIsCutToAnIdentifierRdsTakesAndTwoThatDifferOnlyAtTheEndStayApart() {
		String first = "ferry-a-very-long-environment-name-20261125-093000-3f2a-v2024-12-31-235959";
		String second = "ferry-a-very-long-environment-name-20261125-093000-3f2a-v2024-12-31-235958";

		String one = AuroraRestores.restoredName(first);
		String other = AuroraRestores.restoredName(second);

		assertThat(one).hasSizeLessThanOrEqualTo(RdsIdentifiers.MAX_LENGTH).matches(IDENTIFIER).startsWith("ferry-restore-");
		assertThat(other).hasSizeLessThanOrEqualTo(RdsIdentifiers.MAX_LENGTH).matches(IDENTIFIER);
		assertThat(one).isNotEqualTo(other).isEqualTo(AuroraRestores.restoredName(first));
	}

	@Test
	void theKeptNameOfALongSourceIsCutToFitItsSuffix() {
		String source = "x".repeat(60) + "-cluster";

		String kept = AuroraRestores.keptName(source, "replaced-20261206-201500");

		assertThat(kept).hasSizeLessThanOrEqualTo(RdsIdentifiers.MAX_LENGTH)
			.matches(IDENTIFIER)
			.endsWith("-replaced-20261206-201500");
		assertThat(AuroraRestores.keptName("app", "replaced-20261206-201500")).isEqualTo("app-replaced-20261206-201500");
	}

	@Test
	void aMigratesRollbackInputsNameTheCommandItsGuardAndTheSnapshot() {
		assertThat(SnapshotRestore.inputs("ferry-prod-1"))
			.isEqualTo("FERRY_COMMAND=restore FERRY_ALLOW_RESTORE=true FERRY_RESTORE_SNAPSHOT_ID=ferry-prod-1");
	}

}
