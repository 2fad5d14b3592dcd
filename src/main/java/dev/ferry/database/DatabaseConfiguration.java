package dev.ferry.database;

import javax.sql.DataSource;

import dev.ferry.config.FerryProperties;
import dev.ferry.secrets.AdminSecret;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.secrets.SecretReader;
import software.amazon.awssdk.services.rds.RdsUtilities;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * The one DataSource Ferry migrates through. AWS clients (the admin secret's reader, the IAM token maker) come from
 * {@code dev.ferry.aws} and are made only when a run asks for them.
 */
@Configuration(proxyBeanMethods = false)
class DatabaseConfiguration {

	@Bean
	DataSource dataSource(EndpointDataSources dataSources) {
		return dataSources.at(null, 0);
	}

	@Bean
	EndpointDataSources endpointDataSources(FerryProperties properties, ConfigurableEnvironment environment,
			SecretMasker masker, ObjectProvider<SecretReader> secretReader, ObjectProvider<RdsUtilities> rds) {
		return (host, port) -> DatabaseConnection.dataSource(properties, environment, masker,
				(secretId) -> AdminSecret.read(secretReader.getObject(), masker, secretId), rds::getObject, host, port);
	}

}
