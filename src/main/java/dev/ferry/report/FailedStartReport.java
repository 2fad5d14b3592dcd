package dev.ferry.report;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.ferry.config.StartingEnvironment;
import dev.ferry.failure.ExitStatus;

import org.springframework.boot.context.properties.bind.Binder;

/**
 * The report of a run that failed before its runner could report: a setting that cannot be bound, a database URL
 * that is not one, a secret that cannot be read. Ferry's settings are not bound then, so the few this report needs
 * are bound from the process's arguments, system properties and environment, the way Spring binds them.
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
		StartingEnvironment settings = StartingEnvironment.of(args, environment);
		Binder binder = settings.binder();
		Path reportFile = path(binder, "ferry.report-file");
		Path stepSummary = path(binder, "ferry.step-summary");
		if (reportFile == null && stepSummary == null) {
			return;
		}
		String environmentName = binder.bind("ferry.environment", String.class).map(String::trim).orElse("");
		environmentName = environmentName.isEmpty() ? "unnamed" : environmentName;
		RunReport report = new RunReport(settings.command(), environmentName, "unknown", started,
				Duration.between(started, Instant.now()).toMillis(), "failed", message, status.code(), null, List.of(), List.of(),
				null, new RunReport.Failure(status.meaning(), message, null, null, null, List.of()), null, null, null,
				List.of());
		writer.write(report, reportFile, stepSummary);
	}

	/** A path setting; one that does not bind (blank, malformed) is no path, as a failed start cannot say more. */
	private static Path path(Binder binder, String name) {
		try {
			String value = binder.bind(name, String.class).orElse("");
			return value.isBlank() ? null : Path.of(value);
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

}
