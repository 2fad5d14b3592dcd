package dev.ferry.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import dev.ferry.config.KnownSettings.Setting;

import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Finds the settings a run was given that nothing reads, so that a typo is never silently a default (a
 * {@code FERRY_SNAPSHOT_CLUSTERID} that skips production's snapshot). A name is known when Spring would bind it to
 * a setting of {@link KnownSettings}, by Spring's own relaxed rules; so {@code FERRY_LOCK_TIMEOUT},
 * {@code ferry.lockTimeout} and {@code FERRY_LOCATIONS_0} are known, {@code FERRY_LOCK_TIMEOUTT} is not.
 * <ul>
 * <li>{@code FERRY_*} variables and {@code ferry.*} system properties must be Ferry's settings: an error.
 * {@code FERRY_PLACEHOLDER_<name>} takes any name; {@code FERRY_TEST_*} belongs to Ferry's test suite.</li>
 * <li>Every {@code --option} must be some library's setting: an error.</li>
 * <li>{@code FLYWAY_*}, {@code SPRING_FLYWAY_*} variables and {@code spring.flyway.*} system properties are
 * Flyway's business; one that neither Spring Boot's Flyway settings nor Flyway's own variables name is a
 * warning.</li>
 * </ul>
 */
final class UnknownSettings {

	/** Reserved for Ferry's test suite (FERRY_TEST_JDBC_URL...), which a developer's shell exports. */
	static final String TEST_SUITE_PREFIX = "FERRY_TEST_";

	/**
	 * Flyway's variables that name no Spring Boot setting: its command line's own (Flyway's documentation, "Flyway
	 * environment variables" and each setting's page).
	 */
	static final Set<String> FLYWAY_ONLY_VARIABLES = Set.of("FLYWAY_CONFIG_FILES", "FLYWAY_CONFIG_FILE_ENCODING",
			"FLYWAY_JAR_DIRS", "FLYWAY_DRIVER", "FLYWAY_EDITION", "FLYWAY_LICENSE_KEY", "FLYWAY_ENVIRONMENT",
			"FLYWAY_WORKING_DIRECTORY", "FLYWAY_REPORT_FILENAME", "FLYWAY_OUTPUT_TYPE", "FLYWAY_COLOR",
			"FLYWAY_LOG_LEVEL");

	private final List<Setting> all;

	private final List<Setting> ferry;

	private final List<Setting> flyway;

	UnknownSettings(KnownSettings known) {
		this.all = known.all();
		this.ferry = known.ferry();
		this.flyway = this.all.stream().filter((setting) -> setting.name().startsWith("spring.flyway.")).toList();
	}

	/**
	 * @param variables the environment variables
	 * @param systemProperties the JVM's system property names
	 * @param options the {@code --name=value} arguments' names
	 */
	Findings check(Collection<String> variables, Collection<String> systemProperties, Collection<String> options) {
		List<String> errors = new ArrayList<>();
		List<String> warnings = new ArrayList<>();
		for (String variable : new TreeSet<>(variables)) {
			if (variable.startsWith("FERRY_")) {
				if (!variable.startsWith(FerryProperties.PLACEHOLDER_VARIABLE_PREFIX)
						&& !variable.startsWith(TEST_SUITE_PREFIX) && !binds(variable(variable), this.ferry)) {
					errors.add(unknown(variable, "", nearest(variable, this.ferry, Setting::variable)));
				}
			}
			else if (variable.startsWith("SPRING_FLYWAY_")) {
				if (!binds(variable(variable), this.flyway)) {
					warnings.add(ignored(variable, nearest(variable, this.flyway, Setting::variable)));
				}
			}
			else if (variable.startsWith("FLYWAY_") && !FLYWAY_ONLY_VARIABLES.contains(variable)
					&& !binds(variable("SPRING_" + variable), this.flyway)) {
				Set<String> names = new TreeSet<>(FLYWAY_ONLY_VARIABLES);
				this.flyway.forEach((setting) -> names.add(setting.variable().substring("SPRING_".length())));
				warnings.add(ignored(variable, NearestName.of(variable, names)));
			}
		}
		for (String property : new TreeSet<>(systemProperties)) {
			if (property.startsWith(KnownSettings.FERRY_PREFIX)) {
				if (!binds(property(property), this.ferry)) {
					errors.add(unknown(property, " (a system property)", nearest(property, this.ferry, Setting::name)));
				}
			}
			else if (property.startsWith("spring.flyway.") && !binds(property(property), this.flyway)) {
				warnings.add(ignored(property + " (a system property)", nearest(property, this.flyway, Setting::name)));
			}
		}
		for (String option : new TreeSet<>(options)) {
			List<Setting> candidates = option.startsWith(KnownSettings.FERRY_PREFIX) ? this.ferry : this.all;
			if (!binds(property(option), candidates)) {
				errors.add(unknown("--" + option, " (an argument)",
						nearest(option, candidates, Setting::name).map((name) -> "--" + name)));
			}
		}
		return new Findings(List.copyOf(errors), List.copyOf(warnings));
	}

	private static String unknown(String name, String where, Optional<String> nearest) {
		return nearest.map((near) -> name + where + ": did you mean " + near + "?")
			.orElse(name + where + ": not a setting Ferry knows");
	}

	private static String ignored(String name, Optional<String> nearest) {
		return name + " is not a setting Flyway or Spring Boot knows, and is ignored"
				+ nearest.map((near) -> ": did you mean " + near + "?").orElse("");
	}

	private static Optional<String> nearest(String given, List<Setting> settings, Function<Setting, String> written) {
		return NearestName.of(given, settings.stream().map(written).toList());
	}

	private static PropertySource<?> variable(String name) {
		return new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
				Map.of(name, ""));
	}

	private static PropertySource<?> property(String name) {
		return new MapPropertySource("property", Map.of(name, ""));
	}

	/** Whether Spring would bind the one name in {@code source} to one of {@code settings}. */
	private static boolean binds(PropertySource<?> source, List<Setting> settings) {
		ConfigurationPropertySource adapted = ConfigurationPropertySource.from(source);
		return settings.stream().anyMatch((setting) -> {
			ConfigurationPropertyName name = ConfigurationPropertyName.of(setting.name());
			boolean open = setting.isMap() || setting.isList() || setting.type() == null;
			return adapted.getConfigurationProperty(name) != null
					|| (open && adapted.containsDescendantOf(name) == ConfigurationPropertyState.PRESENT);
		});
	}

	/**
	 * What the check found.
	 *
	 * @param errors settings that are no setting of Ferry's, and options that are none of anybody's
	 * @param warnings Flyway settings that are none of Flyway's
	 */
	record Findings(List<String> errors, List<String> warnings) {

	}

}
