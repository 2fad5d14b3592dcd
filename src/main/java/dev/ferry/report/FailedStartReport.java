package dev.ferry.report;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.ferry.failure.ExitStatus;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.DefaultApplicationArguments;

/**
 * The report of a run that failed before its runner could report: a setting that cannot be bound, a database URL
 * that is not one, a secret that cannot be read. Ferry's settings are not bound then, so the few this report needs
 * are read the way Spring would find them: an argument, a system property, or the environment variable.
 */
public final class FailedStartReport {

	private FailedStartReport() {
	}

	/**
	 * @param writer the run's report writer
	 * @param args the process's arguments
	 * @param environment the process's environment variables
	 * @param started when the run started
	 * @param status the exit status of the failure
	 * @param message what failed, already masked
	 */
	public static void write(RunReportWriter writer, String[] args, Map<String, String> environment, Instant started,
			ExitStatus status, String message) {
		Settings settings = new Settings(args, environment);
		Path reportFile = settings.path("ferry.report-file", "FERRY_REPORT_FILE");
		Path stepSummary = settings.path("ferry.step-summary", "FERRY_STEP_SUMMARY");
		if (reportFile == null && stepSummary == null) {
			return;
		}
		String command = settings.command();
		String environmentName = settings.value("ferry.environment", "FERRY_ENVIRONMENT");
		RunReport report = new RunReport(command, (environmentName != null) ? environmentName.trim() : "unnamed",
				"unknown", started, Duration.between(started, Instant.now()), "failed", message, status.code(), null,
				List.of(), List.of(), null, new RunReport.Failure(status.meaning(), message, null, null, null, List.of()),
				null, null, null, List.of());
		writer.write(report, reportFile, stepSummary);
	}

	private static final class Settings {

		private final ApplicationArguments arguments;

		private final Map<String, String> environment;

		Settings(String[] args, Map<String, String> environment) {
			this.arguments = new DefaultApplicationArguments(args);
			this.environment = environment;
		}

		String value(String property, String variable) {
			List<String> given = this.arguments.getOptionValues(property);
			String value = (given != null && !given.isEmpty()) ? given.get(given.size() - 1) : null;
			if (value == null) {
				value = System.getProperty(property);
			}
			if (value == null) {
				value = this.environment.get(variable);
			}
			return (value != null && !value.isBlank()) ? value : null;
		}

		Path path(String property, String variable) {
			String value = value(property, variable);
			return (value != null) ? Path.of(value) : null;
		}

		String command() {
			List<String> nonOptionArgs = this.arguments.getNonOptionArgs();
			String command = nonOptionArgs.isEmpty() ? value("ferry.command", "FERRY_COMMAND") : nonOptionArgs.get(0);
			return (command != null) ? command.trim() : "migrate";
		}

	}

}
