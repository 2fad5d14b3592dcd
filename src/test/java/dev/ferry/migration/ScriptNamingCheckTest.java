package dev.ferry.migration;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.Configuration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
class ScriptNamingCheckTest {

	private final Configuration configuration = Flyway.configure();

	@ParameterizedTest
	@ValueSource(strings = { "V1__init.sql", "V1.2__dotted.sql", "V2_1__underscored.sql", "V20261125093000__ts.sql",
			"R__reference_data.sql", "beforeMigrate.sql", "afterMigrate__refresh_views.sql", "U3__undo.sql",
			"README.md" })
	void acceptsWhatFlywayTakesAsAMigrationOrCallback(String name) {
		assertThat(ScriptNamingCheck.isValid(name, this.configuration)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "V2_two.sql", "v1__lowercase.sql", "V__no_version.sql", "R_single.sql", "R__.sql",
			"init.sql", "V1.x__letters.sql", "2__no_prefix.sql" })
	void rejectsWhatFlywayWouldSkipOrRefuse(String name) {
		assertThat(ScriptNamingCheck.isValid(name, this.configuration)).isFalse();
	}

}
