package dev.ferry.config;

import java.util.Locale;
import java.util.Map;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Chooses the console log format before logging starts: one JSON object per line (Spring Boot's structured
 * logging, Logstash layout) when {@code FERRY_LOG_FORMAT=json} or, by default, when running as an ECS task, where
 * CloudWatch keeps each line as one event; human text otherwise.
 */
class LogFormatEnvironmentPostProcessor implements EnvironmentPostProcessor {

	static final String ECS_METADATA = "ECS_CONTAINER_METADATA_URI_V4";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		String format = environment.getProperty("ferry.log-format", "");
		boolean json = switch (format.trim().toLowerCase(Locale.ROOT)) {
			case "json" -> true;
			case "text" -> false;
			case "" -> environment.containsProperty(ECS_METADATA);
			default -> throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
					"FERRY_LOG_FORMAT must be json or text, or unset (json in ECS, else text)");
		};
		if (json) {
			environment.getPropertySources()
				.addLast(new MapPropertySource("ferryLogFormat", Map.of("logging.structured.format.console", "logstash")));
		}
	}

}
