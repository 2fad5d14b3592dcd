package dev.ferry.restore;

import java.time.Clock;

import dev.ferry.config.FerryProperties;
import dev.ferry.database.EndpointDataSources;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.secrets.SecretReader;
import software.amazon.awssdk.services.rds.RdsClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The restore, made only when a run restores (beans are lazy): it needs the RDS client. */
@Configuration(proxyBeanMethods = false)
class RestoreConfiguration {

	@Bean
	SnapshotRestore snapshotRestore(RdsClient rds, EndpointDataSources dataSources,
			ObjectProvider<SecretReader> secrets, FerryProperties properties, SecretMasker masker) {
		return new SnapshotRestore(new AuroraRestores(rds, Clock.systemUTC()), dataSources, secrets, properties, masker,
				Clock.systemUTC());
	}

}
