package dev.ferry.aws;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every name Ferry gives RDS is one RDS takes, whatever the environment is called. RDS's documented rule for
 * cluster, cluster snapshot and DB snapshot identifiers: 1 to 63 letters, digits or hyphens; the first a letter;
 * no two consecutive hyphens; not ending with a hyphen. Each part of the rule is checked on its own, so that a
 * failure names the part broken.
 */
@Tag("unit")
class RdsIdentifiersTest {

	private static final String RDS_RULE = "[a-z][a-z0-9]*(-[a-z0-9]+)*";

	/** RDS's rule for a tag value: up to 256 Unicode letters, digits, white space, and {@code _ . : / = + - @}. */
	private static final String TAG_VALUE_RULE = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{0,256}";

	private static final String LONG = "a-very-long-environment-name-that-a-team-chose-for-reasons-of-its-own-and-then-some-more-words";

	@ParameterizedTest
	@ValueSource(strings = { "prod", "Prod-EU", "ünïcode", "team a / staging #2", "--", "", "   ", "9lives", "2024",
			"-prod-", "prod--eu", "!!!@@@###", "прод", "生产", "🚀prod🚀", "Ｐｒｏｄ", "straße", "İstanbul", "a\u0000b",
			LONG, LONG + "-" + LONG, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
			"a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-",
			"ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab" })
	void anEnvironmentNameMakesAnIdentifierThatRdsTakes(String environment) {
		for (String name : List.of(RdsIdentifiers.named("ferry", environment, "20261203-101500-a1b2-v42"),
				RdsIdentifiers.named("ferry", environment,
						"20261203-101500-a1b2-v" + RdsIdentifiers.slug("2024.12.31.235959.123456789.1", 24)),
				RdsIdentifiers.named("ferry-rehearsal", environment, "20261203-101500-a1b2"))) {
			assertThat(name.length()).as(name).isBetween(1, RdsIdentifiers.MAX_LENGTH);
			assertThat(name).as("only letters, digits and hyphens").matches("[a-z0-9-]+");
			assertThat(name.charAt(0)).as(name).isBetween('a', 'z');
			assertThat(name).doesNotContain("--").doesNotEndWith("-").matches(RDS_RULE);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "prod", "dev", "test", "staging-2" })
	void aShortLowerCaseNameIsKeptAsItIs(String environment) {
		assertThat(RdsIdentifiers.named("ferry", environment, "x")).isEqualTo("ferry-" + environment + "-x");
	}

	@ParameterizedTest
	@ValueSource(strings = { "Ünïcode", "ÜNÏCODE", "ｕｎｉｃｏｄｅ" })
	void accentsAndWideFormsAreFoldedRatherThanTheLettersDropped(String environment) {
		assertThat(RdsIdentifiers.slug(environment, 63)).isEqualTo("unicode");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "---", "###", "生产", "🚀" })
	void aNameWithNothingUsableIsUnnamed(String environment) {
		assertThat(RdsIdentifiers.slug(environment, 63)).isEqualTo("unnamed");
	}

	@Test
	void aLongNameIsCutWhereTheWholeFitsAndTheSuffixIsKept() {
		String name = RdsIdentifiers.named("ferry", LONG, "20261203-101500-a1b2-v42");

		assertThat(name).hasSize(RdsIdentifiers.MAX_LENGTH).startsWith("ferry-a-very-long-environment")
			.endsWith("-20261203-101500-a1b2-v42");
	}

	@ParameterizedTest
	@ValueSource(strings = { "prod", "team a / staging #2", "ünïcode", "生产", "🚀prod", "a,b;c\"d'e<f>", "\t\n" })
	void anEnvironmentNameMakesATagValueThatRdsTakes(String environment) {
		assertThat(RdsIdentifiers.tagValue(environment)).matches(TAG_VALUE_RULE);
		assertThat(RdsIdentifiers.tagValue("x".repeat(300) + environment)).matches(TAG_VALUE_RULE);
	}

	@Test
	void aTagValueKeepsWhatRdsTakesAsItIs() {
		assertThat(RdsIdentifiers.tagValue("Prod EU/ünïcode_1.2:3=4+5-6@7")).isEqualTo("Prod EU/ünïcode_1.2:3=4+5-6@7");
		assertThat(RdsIdentifiers.tagValue("staging #2")).isEqualTo("staging _2");
	}

}
