package dev.ferry.config;

import java.util.List;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.CommandLinePropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Stops a run whose settings name something no setting is ({@link UnknownSettings}) before any bean is made, so
 * before anything connects: exit 2 naming each and the nearest known name. It reads the environment variables,
 * system properties and arguments as Spring has them, the same property sources every setting is bound from.
 * A misspelled Flyway setting is a warning. It runs right after Spring has set up logging from the settings, so that
 * its failure line is in the log format asked for (JSON in ECS).
 */
class SettingNamesCheck implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {

	/** Set while the build's AOT processing runs the application, in the build's own environment. */
	private static final String AOT_PROCESSING = "spring.aot.processing";

	private static final Log logger = LogFactory.getLog(SettingNamesCheck.class);

	@Override
	public int getOrder() {
		return LoggingApplicationListener.DEFAULT_ORDER + 1;
	}

	@Override
	public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
		ConfigurableEnvironment environment = event.getEnvironment();
		if (Boolean.getBoolean(AOT_PROCESSING)) {
			return;
		}
		UnknownSettings.Findings findings = new UnknownSettings(KnownSettings.load()).check(
				names(environment, StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME),
				names(environment, StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME),
				names(environment, CommandLinePropertySource.COMMAND_LINE_PROPERTY_SOURCE_NAME));
		findings.warnings().forEach(logger::warn);
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
