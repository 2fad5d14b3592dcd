package dev.ferry.plan;

import dev.ferry.placeholders.Placeholders;
import dev.ferry.secrets.SecretMasker;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** The planner, with the PATH that squawk is looked up on, read like every other setting. */
@Configuration(proxyBeanMethods = false)
class PlanConfiguration {

	@Bean
	MigrationPlanner migrationPlanner(SecretMasker masker, Placeholders placeholders, Environment environment) {
		return new MigrationPlanner(masker, placeholders::isSecret, environment.getProperty("PATH"));
	}

}
