package dev.ferry.session;

import java.util.List;

import dev.ferry.secrets.SecretMasker;
import dev.ferry.session.Blocker;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How a blocker's query is shown: its first line, masked whole before it is cut. */
class BlockingSessionsTest {

	private static final String SECRET = "S3cret-value-of-a-placeholder";

	private final BlockingSessions blockers = new BlockingSessions(masker());

	@Test
	void aSecretStraddlingTheCutIsMaskedWholeSoNoPieceOfItRemains() {
		String query = "SELECT '" + "x".repeat(110) + SECRET + "'";

		String shown = this.blockers.firstLine(query);

		assertThat(shown).hasSize(123).endsWith("...").doesNotContain("S3c").startsWith("SELECT 'xxx");
	}

	@Test
	void aPasswordLiteralIsMaskedWithDoubledQuotesInsideAndWhenPostgresCutTheQueryInsideIt() {
		assertThat(this.blockers.firstLine("ALTER ROLE api WITH LOGIN password 'it''s-Hidden-1' VALID UNTIL 'infinity'"))
			.isEqualTo("ALTER ROLE api WITH LOGIN password '****' VALID UNTIL 'infinity'");
		assertThat(this.blockers.firstLine("CREATE ROLE api PASSWORD 'cut-by-track_activity_query_s"))
			.isEqualTo("CREATE ROLE api PASSWORD '****'");
	}

	@Test
	void theFirstLineWithTextIsShown() {
		assertThat(this.blockers.firstLine("\n   \n  UPDATE account SET balance = 0\n  WHERE id = 1")).isEqualTo(
				"UPDATE account SET balance = 0");
		assertThat(this.blockers.firstLine(null)).isNull();
	}

	@Test
	void noBlockersDescribeAsNothingAndManyAreCountedBeyondTheThirdOne() {
		Blocker blocker = new Blocker(42, "app_user", "api", "idle in transaction", 41_000L, 35_000L, null,
				"UPDATE account SET ...");

		assertThat(BlockingSessions.describe(List.of())).isEmpty();
		assertThat(BlockingSessions.describe(List.of(blocker))).isEqualTo("blocked by pid 42 (app_user, application"
				+ " \"api\", idle in transaction for 35 s, transaction open 41 s: \"UPDATE account SET ...\")");
		assertThat(BlockingSessions.describe(List.of(blocker, blocker, blocker, blocker, blocker)))
			.endsWith(" and 2 more (see the report)");
	}

	private static SecretMasker masker() {
		SecretMasker masker = new SecretMasker();
		masker.register(SECRET);
		return masker;
	}

}
