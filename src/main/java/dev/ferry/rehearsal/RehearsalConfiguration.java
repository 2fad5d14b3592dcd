package dev.ferry.rehearsal;

import java.time.Clock;

import dev.ferry.config.FerryProperties;
import dev.ferry.database.EndpointDataSources;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.session.SessionWatcher;
import dev.ferry.stop.GracefulStop;
import software.amazon.awssdk.services.rds.RdsClient;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The rehearsal on an Aurora clone, made only when a run rehearses (beans are lazy): it needs the RDS client.
 */
@Configuration(proxyBeanMethods = false)
class RehearsalConfiguration {

	@Bean
	CloneRehearsal cloneRehearsal(RdsClient rds, EndpointDataSources dataSources, FerryProperties properties,
			SecretMasker masker, GracefulStop stop, SessionWatcher session) {
		return new CloneRehearsal(new AuroraClones(rds, Clock.systemUTC()), dataSources, properties, masker, stop,
				session);
	}

}
