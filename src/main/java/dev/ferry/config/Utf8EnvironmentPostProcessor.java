package dev.ferry.config;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Gives Spring the environment variables as {@link ProcessEnvironment} decodes them, before any setting is read,
 * so that a placeholder value or password keeps its characters in a container without a UTF-8 locale.
 */
class Utf8EnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		String name = StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME;
		if (ProcessEnvironment.jvmDecodingIsLossy() && environment.getPropertySources().contains(name)) {
			environment.getPropertySources()
				.replace(name, new SystemEnvironmentPropertySource(name, Map.copyOf(ProcessEnvironment.variables())));
		}
	}

	@Override
	public int getOrder() {
		// Before Spring Boot's own post-processors, which wrap this property source and read it.
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
