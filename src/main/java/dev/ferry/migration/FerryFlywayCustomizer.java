package dev.ferry.migration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.ferry.config.FerryProperties;
import dev.ferry.placeholders.Placeholders;
import org.flywaydb.core.api.Location;
import org.flywaydb.core.api.configuration.FluentConfiguration;

import org.springframework.boot.flyway.autoconfigure.FlywayConfigurationCustomizer;
import org.springframework.util.StringUtils;
import org.springframework.stereotype.Component;

/**
 * Applies Ferry's settings on top of {@code spring.flyway.*}: Flyway's own {@code FLYWAY_*} environment variables
 * first (so an existing Flyway project runs unchanged), then Ferry's locations, placeholders, session timeouts and
 * the clean guard.
 */
@Component
record FerryFlywayCustomizer(FerryProperties properties, Placeholders placeholders)
		implements FlywayConfigurationCustomizer {

	private static final String BAKED_MIGRATIONS = "classpath:db/migration";

	static final String BAKED_TESTDATA = "classpath:db/testdata";

	@Override
	public void customize(FluentConfiguration configuration) {
		// Reading them copies Flyway's whole plugin register, a tenth of a second: only when there are any.
		if (System.getenv().keySet().stream().anyMatch((name) -> name.startsWith("FLYWAY_"))) {
			configuration.envVars();
		}
		List<String> locations = new ArrayList<>(this.properties.locations());
		if (locations.isEmpty()) {
			Arrays.stream(configuration.getLocations()).map(Location::getDescriptor).forEach(locations::add);
		}
		if (this.properties.wantsTestData()) {
			testdata(locations, configuration.getClassLoader()).stream().filter((l) -> !locations.contains(l)).forEach(locations::add);
		}
		configuration.locations(locations.toArray(String[]::new));
		this.placeholders.addFlywayValues(configuration.getPlaceholders());
		configuration.placeholders(this.placeholders.values());
		configuration.initSql(sessionSettings(configuration.getInitSql()));
		configuration.initSql(configuration.getInitSql() + ";\n" + ClientLossSettings.sql(this.properties, configuration));
		configuration.cleanDisabled(!this.properties.allowClean() || this.properties.isProduction());
	}

	/**
	 * The test data for these migrations: the locations the user names, else Ferry's baked test data, but only with
	 * Ferry's baked migrations. A project of one's own never gets the sample's test users.
	 */
	private List<String> testdata(List<String> locations, ClassLoader classLoader) {
		if (!this.properties.testdataLocations().isEmpty()) {
			return this.properties.testdataLocations();
		}
		boolean baked = locations.contains(BAKED_MIGRATIONS);
		// A team's own db/ may have no test data at all: only a location someone named must exist.
		return (baked && classLoader.getResource(BAKED_TESTDATA.substring("classpath:".length())) != null)
				? List.of(BAKED_TESTDATA) : List.of();
	}

	private String sessionSettings(String existing) {
		String ours = "SET lock_timeout = '" + millis(this.properties.lockTimeout()) + "'; SET statement_timeout = '"
				+ millis(this.properties.statementTimeout()) + "'";
		return StringUtils.hasText(existing) ? existing + ";\n" + ours : ours;
	}

	private static String millis(Duration duration) {
		return duration.toMillis() + "ms";
	}

}
