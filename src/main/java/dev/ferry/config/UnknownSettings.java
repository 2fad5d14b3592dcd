package dev.ferry.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
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

	private static final String SPRING_FLYWAY = "spring.flyway";

	private final KnownSettings known;

	UnknownSettings(KnownSettings known) {
		this.known = known;
	}

	/**
	 * @param variables the environment variables
	 * @param systemProperties the JVM's system property names
	 * @param options the {@code --name=value} arguments' names
	 */
	Findings check(Collection<String> variables, Collection<String> systemProperties, Collection<String> options) {
		List<String> errors = new ArrayList<>();
		List<String> warnings = new ArrayList<>();
		List<String> ferry = this.known.ferry().stream().map(KnownSettings.Setting::name).toList();
		List<String> flyway = this.known.others()
			.stream()
			.map(KnownSettings.Setting::name)
			.filter((name) -> name.startsWith(SPRING_FLYWAY + "."))
			.toList();
		List<String> all = new ArrayList<>(ferry);
		this.known.others().forEach((setting) -> all.add(setting.name()));
		for (String variable : new TreeSet<>(variables)) {
			if (variable.startsWith("FERRY_")) {
				if (!variable.startsWith(KnownSettings.PLACEHOLDER_VARIABLE_PREFIX)
						&& !variable.startsWith(TEST_SUITE_PREFIX) && !bindsVariable(variable, ferry)) {
					errors.add(unknown(variable, "", nearest(variable, ferry, KnownSettings::variableOf)));
				}
			}
			else if (variable.startsWith("SPRING_FLYWAY_")) {
				if (!bindsVariable(variable, flyway)) {
					warnings.add(ignored(variable, nearest(variable, flyway, KnownSettings::variableOf)));
				}
			}
			else if (variable.startsWith("FLYWAY_")) {
				if (!FLYWAY_ONLY_VARIABLES.contains(variable) && !bindsVariable("SPRING_" + variable, flyway)) {
					Set<String> names = new TreeSet<>(FLYWAY_ONLY_VARIABLES);
					flyway.forEach((name) -> names.add(KnownSettings.variableOf(name).substring("SPRING_".length())));
					warnings.add(ignored(variable, NearestName.of(variable, names)));
				}
			}
		}
		for (String property : new TreeSet<>(systemProperties)) {
			if (property.startsWith(KnownSettings.FERRY + ".")) {
				if (!bindsProperty(property, ferry)) {
					errors.add(unknown(property, " (a system property)", nearest(property, ferry, Function.identity())));
				}
			}
			else if (property.startsWith(SPRING_FLYWAY + ".") && !bindsProperty(property, flyway)) {
				warnings.add(ignored(property + " (a system property)", nearest(property, flyway, Function.identity())));
			}
		}
		for (String option : new TreeSet<>(options)) {
			List<String> candidates = option.startsWith(KnownSettings.FERRY + ".") ? ferry : all;
			if (!bindsProperty(option, candidates)) {
				errors.add(unknown("--" + option, " (an argument)",
						nearest(option, candidates, Function.identity()).map((name) -> "--" + name)));
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

	/** The known name nearest to the given one, written the way the given one is (variable or property). */
	private Optional<String> nearest(String given, List<String> names, Function<String, String> written) {
		Set<String> candidates = new LinkedHashSet<>();
		for (String name : names) {
			KnownSettings.Setting setting = this.known.find(name);
			String form = written.apply(name);
			if (setting != null && setting.name().equals(KnownSettings.PLACEHOLDERS) && form.startsWith("FERRY_")) {
				form = KnownSettings.PLACEHOLDER_VARIABLE_PREFIX + "<name>";
			}
			candidates.add(form);
		}
		return NearestName.of(given, candidates);
	}

	private boolean bindsVariable(String variable, List<String> names) {
		return binds(new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of(variable, "")), names);
	}

	private boolean bindsProperty(String property, List<String> names) {
		return binds(new MapPropertySource("property", Map.of(property, "")), names);
	}

	/** Whether Spring would bind the one name in {@code source} to one of {@code names}. */
	private boolean binds(PropertySource<?> source, List<String> names) {
		ConfigurationPropertySource adapted = ConfigurationPropertySources.from(source).iterator().next();
		for (String name : names) {
			ConfigurationPropertyName known = ConfigurationPropertyName.of(name);
			if (adapted.getConfigurationProperty(known) != null) {
				return true;
			}
			KnownSettings.Setting setting = this.known.find(name);
			boolean open = setting == null || setting.isMap() || setting.isList() || setting.type() == null;
			if (open && adapted.containsDescendantOf(known) == ConfigurationPropertyState.PRESENT) {
				return true;
			}
		}
		return false;
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
