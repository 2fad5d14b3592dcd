package dev.ferry.snapshot;

import java.time.Clock;

import dev.ferry.config.FerryProperties;
import io.awspring.cloud.autoconfigure.core.AwsClientBuilderConfigurer;
import software.amazon.awssdk.services.rds.RdsClient;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The RDS client, configured like every other AWS client by Spring Cloud AWS (credentials, region, endpoint).
 */
@Configuration(proxyBeanMethods = false)
class SnapshotConfiguration {

	@Bean(destroyMethod = "close")
	RdsClient rdsClient(AwsClientBuilderConfigurer configurer) {
		return configurer.configure(RdsClient.builder()).build();
	}

	@Bean
	PreMigrationSnapshot preMigrationSnapshot(RdsClient rds, FerryProperties properties) {
		return new PreMigrationSnapshot(rds, properties, Clock.systemUTC());
	}

}
