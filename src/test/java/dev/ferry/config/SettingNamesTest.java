package dev.ferry.config;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pure parts of the settings contract, without a database: nearest names, the unknown-setting check, the usage
 * text and the production list.
 */
@Tag("unit")
class SettingNamesTest {

	private static final KnownSettings KNOWN = KnownSettings.load();

	private final UnknownSettings check = new UnknownSettings(KNOWN);

	@Test
	void theNearestNameIsTheOneFewestEditsAwayAndNoneWhenNothingIsNear() {
		List<String> names = List.of("FERRY_LOCK_TIMEOUT", "FERRY_LOCK_RETRIES", "FERRY_STOP_TIMEOUT");
		assertThat(NearestName.of("FERRY_LOCK_TIMEOUTT", names)).contains("FERRY_LOCK_TIMEOUT");
		assertThat(NearestName.of("ferry_lock_retires", names)).as("a swap, whatever the case").contains("FERRY_LOCK_RETRIES");
		assertThat(NearestName.of("FERRY_SOMETHING_ELSE_ENTIRELY", names)).isEmpty();
	}

	@Test
	void everySettingOfFerryPropertiesIsKnownFromTheGeneratedMetadata() {
		assertThat(KNOWN.ferry()).extracting(KnownSettings.Setting::variable)
			.contains("FERRY_LOCK_TIMEOUT", "FERRY_DB_SECRET_ID", "FERRY_SNAPSHOT_CLUSTER_ID",
					"FERRY_PRODUCTION_ENVIRONMENTS", "FERRY_PLACEHOLDER_<name>", "FERRY_REHEARSAL_LOCK_BUDGET");
		assertThat(KNOWN.ferry("ferry.lock-timeout").defaultText()).isEqualTo("5s");
		assertThat(KNOWN.ferry("ferry.production-environments").defaultText()).isEqualTo("prod,production,prd,live");
		assertThat(KNOWN.ferry("ferry.lock-timeout").description(true))
			.startsWith("`lock_timeout` of the migration session (")
			.contains("Above `0`; `off` turns this protection off");
	}

	@Test
	void anUnknownFerryVariableIsAnErrorNamingTheNearestName() {
		UnknownSettings.Findings findings = this.check.check(
				List.of("FERRY_LOCK_TIMEOUTT", "FERRY_SNAPSHOT_CLUSTR_ID", "PATH", "HOME"), List.of(), List.of());
		assertThat(findings.errors()).containsExactly("FERRY_LOCK_TIMEOUTT: did you mean FERRY_LOCK_TIMEOUT?",
				"FERRY_SNAPSHOT_CLUSTR_ID: did you mean FERRY_SNAPSHOT_CLUSTER_ID?");
	}

	@Test
	void aVariableWithoutTheDashesUnderscoreIsSpringsOwnFormAndBinds() {
		assertThat(this.check.check(List.of("FERRY_SNAPSHOT_CLUSTERID"), List.of(), List.of()).errors()).isEmpty();
		FerryProperties bound = new Binder(org.springframework.boot.context.properties.source.ConfigurationPropertySources
			.from(new org.springframework.core.env.SystemEnvironmentPropertySource("systemEnvironment",
					Map.of("FERRY_SNAPSHOT_CLUSTERID", "app")))).bindOrCreate("ferry", FerryProperties.class);
		assertThat(bound.snapshot().clusterId()).as("what the check accepts, Spring binds").isEqualTo("app");
	}

	@Test
	void everyFormSpringBindsIsKnownAndPlaceholdersTakeAnyName() {
		UnknownSettings.Findings findings = this.check.check(
				List.of("FERRY_LOCK_TIMEOUT", "FERRY_LOCATIONS_0", "FERRY_PLACEHOLDER_Any_Name", "FERRY_PLACEHOLDERS_x",
						"FERRY_DB_URL", "FERRY_TEST_JDBC_URL", "FLYWAY_SCHEMAS", "FLYWAY_PLACEHOLDERS_X",
						"SPRING_FLYWAY_TABLE", "FLYWAY_USER", "FLYWAY_CONFIG_FILES"),
				List.of("ferry.lockTimeout", "ferry.placeholders[api]", "ferry.db.url", "java.version",
						"spring.flyway.schemas"),
				List.of("ferry.lock-timeout", "ferry.db.password", "spring.flyway.table", "logging.level.org.flywaydb",
						"debug", "ferry.placeholders.x"));
		assertThat(findings.errors()).isEmpty();
		assertThat(findings.warnings()).isEmpty();
	}

	@Test
	void systemPropertiesAndArgumentsAreCheckedInTheirOwnForm() {
		UnknownSettings.Findings findings = this.check.check(List.of(), List.of("ferry.lock-timeoutt"),
				List.of("ferry.comand", "foo"));
		assertThat(findings.errors()).containsExactly(
				"ferry.lock-timeoutt (a system property): did you mean ferry.lock-timeout?",
				"--ferry.comand (an argument): did you mean --ferry.command?",
				"--foo (an argument): not a setting Ferry knows");
	}

	@Test
	void aMisspelledFlywaySettingIsAWarningWithTheNearestName() {
		UnknownSettings.Findings findings = this.check.check(List.of("FLYWAY_TABEL", "SPRING_FLYWAY_SCHEMA"),
				List.of("spring.flyway.lokations"), List.of());
		assertThat(findings.errors()).isEmpty();
		assertThat(findings.warnings()).containsExactly(
				"FLYWAY_TABEL is not a setting Flyway or Spring Boot knows, and is ignored: did you mean FLYWAY_TABLE?",
				"SPRING_FLYWAY_SCHEMA is not a setting Flyway or Spring Boot knows, and is ignored: did you mean SPRING_FLYWAY_SCHEMAS?",
				"spring.flyway.lokations (a system property) is not a setting Flyway or Spring Boot knows, and is ignored: did you mean spring.flyway.locations?");
	}

	@Test
	void usageNamesTheCommandsTheMainSettingsAndWhereTheRestAre() {
		String usage = CommandLine.usage(KNOWN);
		for (FerryCommand command : FerryCommand.values()) {
			assertThat(usage).contains("  " + command.id() + " ");
		}
		assertThat(usage).contains("FERRY_DB_URL", "FERRY_DB_SECRET_ID", "FERRY_ENVIRONMENT", "FERRY_PLACEHOLDER_<name>")
			.contains("README.md, section \"Configuration\"")
			.contains("2 configuration invalid")
			.doesNotContain("{@code");
	}

	@Test
	void helpAndVersionAreAskedForInEachOfTheirForms() {
		assertThat(CommandLine.asksForHelp(new String[] { "--help" })).isTrue();
		assertThat(CommandLine.asksForHelp(new String[] { "-h" })).isTrue();
		assertThat(CommandLine.asksForHelp(new String[] { "help" })).isTrue();
		assertThat(CommandLine.asksForHelp(new String[] { "info", "--ferry.environment=dev" })).isFalse();
		assertThat(CommandLine.answer(new String[] { "info" }, System.out)).isNull();
	}

	@Test
	void productionIsAListOfExactNamesIgnoringCase() {
		assertThat(properties("nonprod").isProduction()).isFalse();
		assertThat(properties("prod-eu").isProduction()).as("a name, not a substring").isFalse();
		assertThat(properties("PRD").isProduction()).isTrue();
		assertThat(properties("live").isProduction()).isTrue();
		assertThat(properties("Production").isProduction()).isTrue();
		assertThat(properties("dev").isProduction()).isFalse();
		assertThat(bind(Map.of("ferry.environment", "prod-eu", "ferry.production-environments", "prod-eu,prod-us"))
			.isProduction()).isTrue();
	}

	@Test
	void theBakedMigrationsChecksumIsTheOneTheImageLabelUses() throws Exception {
		Process shell = new ProcessBuilder("bash", "-c",
				"find db -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1")
			.directory(new java.io.File("target/classes"))
			.start();
		String expected = new String(shell.getInputStream().readAllBytes()).trim();
		assertThat(shell.waitFor()).isZero();
		assertThat(BakedMigrationsChecksum.ofClasspath(getClass().getClassLoader())).isEqualTo(expected).hasSize(64);
	}

	private static FerryProperties properties(String environment) {
		return bind(Map.of("ferry.environment", environment));
	}

	private static FerryProperties bind(Map<String, String> settings) {
		return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("ferry", FerryProperties.class);
	}

}
