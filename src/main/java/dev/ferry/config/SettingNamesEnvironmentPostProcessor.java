package dev.ferry.config;

import java.util.List;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import org.apache.commons.logging.Log;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.env.CommandLinePropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Stops a run whose settings name something no setting is ({@link UnknownSettings}) before any bean is made, so
 * before anything connects: exit 2 naming each and the nearest known name. It reads the environment variables,
 * system properties and arguments as Spring has them, the same property sources every setting is bound from.
 * A misspelled Flyway setting is a warning, logged once logging is set up.
 */
class SettingNamesEnvironmentPostProcessor implements EnvironmentPostProcessor {

	/** Set while the build's AOT processing runs the application, in the build's own environment. */
	private static final String AOT_PROCESSING = "spring.aot.processing";

	private final Log logger;

	SettingNamesEnvironmentPostProcessor(DeferredLogFactory logs) {
		this.logger = logs.getLog(SettingNamesEnvironmentPostProcessor.class);
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (Boolean.getBoolean(AOT_PROCESSING)) {
			return;
		}
		UnknownSettings.Findings findings = new UnknownSettings(KnownSettings.load()).check(
				names(environment, StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME),
				names(environment, StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME),
				names(environment, CommandLinePropertySource.COMMAND_LINE_PROPERTY_SOURCE_NAME));
		findings.warnings().forEach(this.logger::warn);
		if (!findings.errors().isEmpty()) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID, "unknown setting "
					+ String.join("; unknown setting ", findings.errors()) + " (README's Configuration lists them)");
		}
	}

	private static List<String> names(ConfigurableEnvironment environment, String source) {
		return (environment.getPropertySources().get(source) instanceof EnumerablePropertySource<?> enumerable)
				? List.of(enumerable.getPropertyNames()) : List.of();
	}

}
