package dev.ferry.secrets;

import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Ferry's Secrets Manager reader. The clients, credentials and region come from Spring Cloud AWS's
 * auto-configuration (the SDK's default chains; {@code AWS_ENDPOINT_URL} and {@code spring.cloud.aws.*} are
 * honoured); like every bean here they are made only when a run needs them.
 */
@Configuration(proxyBeanMethods = false)
class SecretsConfiguration {

	@Bean
	SecretReader secretReader(SecretsManagerClient secretsManager, SecretMasker masker) {
		return new SecretReader(secretsManager, masker);
	}

}
