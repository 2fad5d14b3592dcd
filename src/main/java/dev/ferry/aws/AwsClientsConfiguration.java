package dev.ferry.aws;

import io.awspring.cloud.autoconfigure.core.AwsClientBuilderConfigurer;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProvider;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.RdsUtilities;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Every AWS client Ferry uses that Spring Cloud AWS does not make itself (it makes Secrets Manager's), configured
 * like Spring Cloud AWS's own: the default credential chain, the region, and {@code AWS_ENDPOINT_URL*} endpoints.
 * Beans are lazy, so a run that touches no AWS service builds none.
 */
@Configuration(proxyBeanMethods = false)
class AwsClientsConfiguration {

	/** Snapshots, and the rehearsal's clones. */
	@Bean(destroyMethod = "close")
	RdsClient rdsClient(AwsClientBuilderConfigurer configurer) {
		return configurer.configure(RdsClient.builder()).build();
	}

	/** Signs IAM database authentication tokens; it calls no endpoint. */
	@Bean
	RdsUtilities rdsUtilities(AwsCredentialsProvider credentials, AwsRegionProvider region) {
		return RdsUtilities.builder().credentialsProvider(credentials).region(region.getRegion()).build();
	}

}
