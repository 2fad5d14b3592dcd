package dev.ferry;

import java.time.Instant;

import dev.ferry.config.CommandLine;
import dev.ferry.config.StartingEnvironment;
import dev.ferry.failure.CauseChain;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FailureClassifier;
import dev.ferry.failure.FerryException;
import dev.ferry.failure.FlywayFailures;
import dev.ferry.report.RunReport;
import dev.ferry.report.RunReportWriter;
import dev.ferry.run.RunRecord;
import dev.ferry.secrets.EnvironmentSecrets;
import dev.ferry.secrets.MaskingConsole;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.stop.GracefulStop;
import io.awspring.cloud.autoconfigure.config.secretsmanager.SecretsManagerAutoConfiguration;
import io.awspring.cloud.autoconfigure.core.AwsAutoConfiguration;
import io.awspring.cloud.autoconfigure.core.CredentialsProviderAutoConfiguration;
import io.awspring.cloud.autoconfigure.core.RegionProviderAutoConfiguration;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.api.FlywayException;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.context.annotation.ComponentScan;

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

	private static final Log logger = LogFactory.getLog(FerryApplication.class);

	public static void main(String[] args) {
		System.exit(run(args));
	}

	/**
	 * Runs Ferry once and answers its exit code. This is the one exit path: however the run ends (the command
	 * succeeded or failed, Spring could not start, a SIGTERM stopped it), the failure is classified here, once, the
	 * report written and the last line logged.
	 */
	public static int run(String... args) {
		Integer answered = CommandLine.answer(args, System.out);
		if (answered != null) {
			return answered;
		}
		SecretMasker masker = new SecretMasker();
		registerStartingSecrets(masker, args);
		MaskingConsole.install(masker);
		RunRecord record = new RunRecord(Instant.now());
		SpringApplication application = new SpringApplication(FerryApplication.class);
		application.addInitializers((context) -> {
			context.getBeanFactory().registerSingleton("secretMasker", masker);
			context.getBeanFactory().registerSingleton("runRecord", record);
		});
		GracefulStop stop = GracefulStop.jvm();
		stop.reportIfStuck(() -> report(record, new FerryException(ExitStatus.STOPPED, "stopped by SIGTERM; the run"
				+ " did not stop within FERRY_STOP_TIMEOUT, the server rolls back what it was running when the"
				+ " connection closes; migrations applied before it stay applied, a rerun continues from there"), null,
				masker, args));
		FerryException failure = null;
		Throwable thrown = null;
		try {
			SpringApplication.exit(application.run(args));
		}
		catch (SpringApplication.AbandonedRunException ex) {
			// The build's AOT processing stops the run once it has the bean definitions.
			throw ex;
		}
		catch (RuntimeException ex) {
			thrown = ex;
			failure = new FailureClassifier(masker::mask).classify(ex, record.stopRequestedWhenFailed(),
					record.failedScript());
		}
		// A stop interrupts this thread, also after the command succeeded: the report must not fail on it.
		Thread.interrupted();
		int exitCode = (failure != null) ? failure.status().code() : ExitStatus.SUCCESS.code();
		if (stop.claimReport()) {
			report(record, failure, thrown, masker, args);
		}
		stop.finished(exitCode);
		return exitCode;
	}

	private static void report(RunRecord record, FerryException failure, Throwable thrown, SecretMasker masker,
			String[] args) {
		if (record.command() == null) {
			// Spring did not get as far as the run: what the report needs is bound the way Spring would have.
			StartingEnvironment settings = StartingEnvironment.of(args);
			record.started(settings.command(), settings.environmentName(), null, settings.path("ferry.report-file"),
					settings.path("ferry.step-summary"));
		}
		RunReport report = RunReport.of(record, failure, (thrown != null) ? FlywayFailures.line(
				CauseChain.find(thrown, FlywayException.class)) : null, FlywayFailures.sqlState(thrown), Instant.now());
		new RunReportWriter(masker).write(report, record.reportFile(), record.stepSummary());
		if (failure == null) {
			logger.info(masker.mask("Ferry " + report.command() + " on " + report.database() + " ("
					+ report.environment() + "): " + report.message() + ((report.schemaVersion() != null)
							? ", schema version " + report.schemaVersion() : "")
					+ " in " + report.durationMs() + " ms"));
		}
		else {
			String line = "Ferry failed (exit " + failure.status().code() + ", " + failure.status().meaning() + "): "
					+ failure.getMessage();
			if (failure.status() == ExitStatus.UNEXPECTED) {
				logger.error(line, failure.getCause());
			}
			else {
				logger.error(line);
			}
		}
	}

	/** The secrets in the environment, system properties and arguments, before Spring reads any of them. */
	private static void registerStartingSecrets(SecretMasker masker, String... args) {
		StartingEnvironment starting = StartingEnvironment.of(args);
		EnvironmentSecrets.register(starting.variables(), masker);
		EnvironmentSecrets.register(starting.argumentsAndSystemProperties(), masker);
	}

}
