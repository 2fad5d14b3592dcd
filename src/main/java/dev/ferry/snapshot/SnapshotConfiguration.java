package dev.ferry.snapshot;

import java.time.Clock;

import dev.ferry.config.FerryProperties;
import software.amazon.awssdk.services.rds.RdsClient;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The snapshot taken before migrating, with the RDS client of {@code dev.ferry.aws}. */
@Configuration(proxyBeanMethods = false)
class SnapshotConfiguration {

	@Bean
	PreMigrationSnapshot preMigrationSnapshot(RdsClient rds, FerryProperties properties) {
		return new PreMigrationSnapshot(rds, properties, Clock.systemUTC());
	}

}
