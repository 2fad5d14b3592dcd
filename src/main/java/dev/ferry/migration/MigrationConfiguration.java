package dev.ferry.migration;

import javax.sql.DataSource;

import dev.ferry.config.FerryProperties;
import dev.ferry.config.Placeholders;
import dev.ferry.secrets.AdminSecret;
import dev.ferry.secrets.IamTokens;
import dev.ferry.secrets.PlaceholderSecrets;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.secrets.SecretReader;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Wires Ferry into Spring Boot's Flyway auto-configuration: Boot builds the {@code Flyway} from
 * {@code spring.flyway.*}, Ferry's customizer adds its settings, and Ferry's runner runs the command.
 */
@Configuration(proxyBeanMethods = false)
class MigrationConfiguration {

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

	@Bean
	DataSource dataSource(FerryProperties properties, ConfigurableEnvironment environment, SecretMasker masker,
			ObjectProvider<SecretReader> secretReader, ObjectProvider<IamTokens> iamTokens) {
		return DatabaseConnection.dataSource(properties, environment, masker,
				(secretId) -> AdminSecret.read(secretReader.getObject(), masker, secretId),
				(host, port, username) -> iamTokens.getObject().token(host, port, username));
	}

	/** Ferry runs the command itself, after its own checks, instead of Boot migrating at start-up. */
	@Bean
	FlywayMigrationStrategy deferredMigration() {
		return (flyway) -> {
		};
	}

	@Bean
	FerryFlywayCustomizer ferryFlywayCustomizer(FerryProperties properties, Placeholders placeholders) {
		return new FerryFlywayCustomizer(properties, placeholders);
	}

	@Bean
	MigrationProgress migrationProgress(SecretMasker masker) {
		return new MigrationProgress(masker);
	}

}
