package dev.ferry.placeholders;

import dev.ferry.config.FerryProperties;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.secrets.SecretReader;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * The placeholder values of this run: literals from the environment, and the keys of the placeholder secrets,
 * read from Secrets Manager only when {@code FERRY_PLACEHOLDER_SECRETS} names any.
 */
@Configuration(proxyBeanMethods = false)
class PlaceholdersConfiguration {

	@Bean
	Placeholders placeholders(FerryProperties properties, ConfigurableEnvironment environment, SecretMasker masker,
			ObjectProvider<SecretReader> secretReader) {
		Placeholders placeholders = new Placeholders(properties, environment, masker);
		if (!properties.placeholderSecrets().isEmpty()) {
			PlaceholderSecrets.load(PlaceholderSecrets.parse(properties.placeholderSecrets()), secretReader.getObject(),
					placeholders);
		}
		return placeholders;
	}

}
