package dev.ferry;

import dev.ferry.secrets.MaskingConsole;
import dev.ferry.secrets.SecretMasker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/**
 * Ferry: brings one database to the desired schema state, reports, and exits with a status code.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class FerryApplication {

	@Bean
	FerryExitCodes ferryExitCodes() {
		return new FerryExitCodes();
	}

	public static void main(String[] args) {
		System.exit(run(args));
	}

	/**
	 * Runs Ferry once and answers its exit code. Failures propagate through Spring Boot so that the
	 * {@link FerryExitCodes} mapper and the exception reporters see them.
	 */
	public static int run(String... args) {
		SecretMasker masker = new SecretMasker();
		MaskingConsole.install(masker);
		SpringApplication application = new SpringApplication(FerryApplication.class);
		application.addInitializers((context) -> context.getBeanFactory().registerSingleton("secretMasker", masker));
		try {
			return SpringApplication.exit(application.run(args));
		}
		catch (RuntimeException ex) {
			return new FerryExitCodes().getExitCode(ex);
		}
	}

}
