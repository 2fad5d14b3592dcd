package dev.ferry.aws;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Every name Ferry gives RDS is one RDS takes, whatever the environment is called. */
@Tag("unit")
class RdsIdentifiersTest {

	private static final String RDS_RULE = "[a-z][a-z0-9]*(-[a-z0-9]+)*";

	@ParameterizedTest
	@ValueSource(strings = { "prod", "Prod-EU", "ünïcode", "team a / staging #2", "--", "", "9lives",
			"a-very-long-environment-name-that-a-team-chose-for-reasons-of-its-own-and-then-some-more-words" })
	void anEnvironmentNameMakesAnIdentifierThatRdsTakes(String environment) {
		for (String name : List.of(RdsIdentifiers.named("ferry", environment, "20261203-101500-v42"),
				RdsIdentifiers.named("ferry-rehearsal", environment, "20261203-101500-a1b2"))) {
			assertThat(name).hasSizeLessThanOrEqualTo(RdsIdentifiers.MAX_LENGTH).matches(RDS_RULE);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "prod", "dev", "test", "staging-2" })
	void aShortLowerCaseNameIsKeptAsItIs(String environment) {
		assertThat(RdsIdentifiers.named("ferry", environment, "x")).isEqualTo("ferry-" + environment + "-x");
	}

	@ParameterizedTest
	@ValueSource(strings = { "Ünïcode", "ÜNÏCODE" })
	void accentsAreDroppedRatherThanTheLetters(String environment) {
		assertThat(RdsIdentifiers.slug(environment, 63)).isEqualTo("unicode");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "---", "###" })
	void aNameWithNothingUsableIsUnnamed(String environment) {
		assertThat(RdsIdentifiers.slug(environment, 63)).isEqualTo("unnamed");
	}

}
