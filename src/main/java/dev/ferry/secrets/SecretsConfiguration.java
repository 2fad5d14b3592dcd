package dev.ferry.secrets;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProvider;
import software.amazon.awssdk.services.rds.RdsUtilities;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Ferry's use of AWS credentials. The clients, credentials and region come from Spring Cloud AWS's
 * auto-configuration (the SDK's default chains; {@code AWS_ENDPOINT_URL} and {@code spring.cloud.aws.*} are
 * honoured); like every bean here they are made only when a run needs them.
 */
@Configuration(proxyBeanMethods = false)
class SecretsConfiguration {

	@Bean
	SecretReader secretReader(SecretsManagerClient secretsManager, SecretMasker masker) {
		return new SecretReader(secretsManager, masker);
	}

	@Bean
	IamTokens iamTokens(AwsCredentialsProvider credentials, AwsRegionProvider region) {
		RdsUtilities utilities = RdsUtilities.builder()
			.credentialsProvider(credentials)
			.region(region.getRegion())
			.build();
		return (host, port, username) -> utilities
			.generateAuthenticationToken((request) -> request.hostname(host).port(port).username(username));
	}

}
