package dev.ferry;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import dev.ferry.config.CommandLine;
import dev.ferry.config.ProcessEnvironment;
import dev.ferry.report.FailedStartReport;
import dev.ferry.report.RunReportWriter;
import dev.ferry.secrets.EnvironmentSecrets;
import dev.ferry.secrets.MaskingConsole;
import dev.ferry.secrets.SecretMasker;

import io.awspring.cloud.autoconfigure.config.secretsmanager.SecretsManagerAutoConfiguration;
import io.awspring.cloud.autoconfigure.core.AwsAutoConfiguration;
import io.awspring.cloud.autoconfigure.core.CredentialsProviderAutoConfiguration;
import io.awspring.cloud.autoconfigure.core.RegionProviderAutoConfiguration;

import org.springframework.boot.ExitCodeExceptionMapper;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.core.env.SimpleCommandLinePropertySource;

/**
 * Ferry: brings one database to the desired schema state, reports, and exits with a status code.
 * <p>
 * Only the auto-configurations Ferry uses are imported: Flyway's (so every {@code spring.flyway.*} setting works)
 * and Spring Cloud AWS's credentials, region and Secrets Manager client. Every start pays for evaluating the
 * others (JDBC templates, transactions, task executors, a dozen AWS services) and Ferry is started once per run.
 */
@SpringBootConfiguration
@ComponentScan
@ImportAutoConfiguration({ PropertyPlaceholderAutoConfiguration.class, FlywayAutoConfiguration.class,
		AwsAutoConfiguration.class, CredentialsProviderAutoConfiguration.class, RegionProviderAutoConfiguration.class,
		SecretsManagerAutoConfiguration.class })
@ConfigurationPropertiesScan
public class FerryApplication {

	@Bean
	ExitCodeExceptionMapper exitCodes() {
		return (failure) -> ExitStatus.of(failure).code();
	}

	public static void main(String[] args) {
		System.exit(run(args));
	}

	/**
	 * Runs Ferry once and answers its exit code. Failures propagate through Spring Boot so that the
	 * exit-code mapper ({@link ExitStatus#of}) and the exception reporters see them.
	 */
	public static int run(String... args) {
		Integer answered = CommandLine.answer(args, System.out);
		if (answered != null) {
			return answered;
		}
		SecretMasker masker = new SecretMasker();
		registerStartingSecrets(masker, args);
		MaskingConsole.install(masker);
		RunReportWriter reports = new RunReportWriter(masker);
		Instant started = Instant.now();
		SpringApplication application = new SpringApplication(FerryApplication.class);
		application.addInitializers((context) -> {
			context.getBeanFactory().registerSingleton("secretMasker", masker);
			context.getBeanFactory().registerSingleton("runReportWriter", reports);
		});
		try {
			return SpringApplication.exit(application.run(args));
		}
		catch (SpringApplication.AbandonedRunException ex) {
			// The build's AOT processing stops the run once it has the bean definitions.
			throw ex;
		}
		catch (RuntimeException ex) {
			ExitStatus status = ExitStatus.of(ex);
			if (!reports.hasWritten()) {
				FailedStartReport.write(reports, args, ProcessEnvironment.variables(), started, status, failureMessage(ex, masker));
			}
			return status.code();
		}
	}

	private static String failureMessage(Throwable failure, SecretMasker masker) {
		FerryException ferry = FerryException.find(failure);
		if (ferry != null) {
			return ferry.getMessage();
		}
		BindException bind = CauseChain.find(failure, BindException.class);
		if (bind != null) {
			return masker.mask(FerryFailureReporter.invalidSetting(bind));
		}
		return masker.mask(String.valueOf(failure.getMessage()));
	}

	/** The secrets in the environment, system properties and arguments, before Spring reads any of them. */
	private static void registerStartingSecrets(SecretMasker masker, String... args) {
		EnvironmentSecrets.register(ProcessEnvironment.variables(), masker);
		Map<String, String> properties = new HashMap<>();
		System.getProperties().forEach((name, value) -> properties.put(String.valueOf(name), String.valueOf(value)));
		SimpleCommandLinePropertySource arguments = new SimpleCommandLinePropertySource(args);
		for (String name : arguments.getPropertyNames()) {
			properties.put(name, arguments.getProperty(name));
		}
		EnvironmentSecrets.register(properties, masker);
	}

}
