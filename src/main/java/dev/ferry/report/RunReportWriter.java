package dev.ferry.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ferry.secrets.SecretMasker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.json.JsonWriter;

/**
 * Writes the run report where the settings ask for it: JSON to a file, Markdown to GitHub's step summary. A report
 * that cannot be written is logged, never a reason to change the run's exit code. One per run, shared by the run
 * itself and by the start-up failure path, so that every exit leaves exactly one report.
 */
public class RunReportWriter {

	private static final int MAX_DRIFT_LINES = 200;

	private static final Log logger = LogFactory.getLog(RunReportWriter.class);

	private final SecretMasker masker;

	private volatile boolean written;

	public RunReportWriter(SecretMasker masker) {
		this.masker = masker;
	}

	/** Whether this run's report was written already: a run reports once, however it ends. */
	public boolean hasWritten() {
		return this.written;
	}

	public void write(RunReport report, Path reportFile, Path stepSummary) {
		this.written = true;
		if (reportFile != null) {
			write(reportFile, json(report) + "\n", false);
		}
		if (stepSummary != null) {
			write(stepSummary, markdown(report), true);
		}
	}

	public String json(RunReport report) {
		// Masked value by value, so that masking can never break the JSON itself.
		return JsonWriter.standard().writeToString(masked(asMap(report)));
	}

	private Object masked(Object value) {
		if (value instanceof String text) {
			return this.masker.mask(text);
		}
		if (value instanceof Map<?, ?> map) {
			Map<String, Object> copy = new LinkedHashMap<>();
			map.forEach((key, item) -> copy.put(String.valueOf(key), masked(item)));
			return copy;
		}
		if (value instanceof List<?> list) {
			return list.stream().map(this::masked).toList();
		}
		return value;
	}

	public String markdown(RunReport report) {
		StringBuilder md = new StringBuilder();
		md.append("### Ferry ").append(report.command()).append(" on `").append(report.environment()).append("`: ");
		md.append(report.outcome()).append("\n\n");
		md.append(report.message()).append(" (exit code ").append(report.exitCode()).append(", ");
		md.append(report.duration().toMillis()).append(" ms");
		if (report.schemaVersion() != null) {
			md.append(", schema version ").append(report.schemaVersion());
		}
		md.append(")\n\n");
		if (report.snapshot() != null) {
			md.append("Snapshot before migrating: `").append(report.snapshot()).append("`\n\n");
		}
		if (!report.applied().isEmpty()) {
			md.append("| Applied | Description | Script | Checksum | Duration |\n| --- | --- | --- | --- | ---: |\n");
			for (RunReport.AppliedMigration m : report.applied()) {
				md.append("| ").append(orR(m.version())).append(" | ").append(cell(m.description())).append(" | `");
				md.append(m.script()).append("` | ").append((m.checksum() != null) ? m.checksum() : "-").append(" | ").append(m.durationMs());
				md.append(" ms |\n");
			}
			md.append('\n');
		}
		if (!report.pending().isEmpty()) {
			md.append("| Pending | Description | Script | State |\n| --- | --- | --- | --- |\n");
			for (RunReport.PendingMigration m : report.pending()) {
				md.append("| ").append(orR(m.version())).append(" | ").append(cell(m.description())).append(" | `");
				md.append(m.script()).append("` | ").append(m.state()).append(" |\n");
			}
			md.append('\n');
		}
		drift(md, report);
		if (report.error() != null) {
			RunReport.Failure error = report.error();
			md.append("**Failed**");
			if (error.script() != null) {
				md.append(" in `").append(error.script()).append('`');
				if (error.line() != null) {
					md.append(" at line ").append(error.line());
				}
			}
			md.append(":\n\n```\n").append(error.message()).append("\n```\n\n");
		}
		return this.masker.mask(md.toString());
	}

	/** The drift check's finding, and each drifted object, up to a length GitHub's step summary takes. */
	private static void drift(StringBuilder md, RunReport report) {
		if (report.driftCheck() == null) {
			return;
		}
		md.append("**Drift check:** ").append(report.driftCheck()).append("\n\n");
		int shown = 0;
		for (RunReport.DriftedObject drifted : report.drift()) {
			if (shown == MAX_DRIFT_LINES) {
				md.append("- ... and ").append(report.drift().size() - shown).append(" more (see the JSON report)\n");
				break;
			}
			md.append("- ").append(drifted.change()).append(" `").append(drifted.object().replace("`", "'")).append('`');
			if (drifted.before() != null && drifted.after() != null) {
				md.append(": `").append(inline(drifted.before())).append("` -> `").append(inline(drifted.after()));
				md.append('`');
			}
			else {
				md.append(": `").append(inline((drifted.after() != null) ? drifted.after() : drifted.before()));
				md.append('`');
			}
			md.append('\n');
			shown++;
		}
		if (!report.drift().isEmpty()) {
			md.append('\n');
		}
	}

	private static String inline(String text) {
		return text.replace('`', '\'').replaceAll("\\s+", " ");
	}

	private static String orR(String version) {
		return (version != null) ? version : "R";
	}

	private static String cell(String text) {
		return (text != null) ? text.replace("|", "\\|") : "";
	}

	private void write(Path path, String content, boolean append) {
		try {
			if (path.getParent() != null) {
				Files.createDirectories(path.getParent());
			}
			if (append) {
				Files.writeString(path, content, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
						StandardOpenOption.APPEND);
			}
			else {
				Files.writeString(path, content, StandardCharsets.UTF_8);
			}
		}
		catch (IOException ex) {
			logger.error("Could not write " + path + ": " + ex.getMessage());
		}
	}

	private static Map<String, Object> asMap(RunReport report) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("command", report.command());
		map.put("environment", report.environment());
		map.put("database", report.database());
		map.put("startedAt", report.startedAt().toString());
		map.put("durationMs", report.duration().toMillis());
		map.put("outcome", report.outcome());
		map.put("message", report.message());
		map.put("exitCode", report.exitCode());
		map.put("schemaVersion", report.schemaVersion());
		map.put("snapshot", report.snapshot());
		map.put("applied", report.applied().stream().map(RunReportWriter::asMap).toList());
		map.put("pending", report.pending().stream().map(RunReportWriter::asMap).toList());
		if (report.error() != null) {
			RunReport.Failure error = report.error();
			Map<String, Object> failure = new LinkedHashMap<>();
			failure.put("status", error.status());
			failure.put("message", error.message());
			failure.put("script", error.script());
			failure.put("line", error.line());
			failure.put("sqlState", error.sqlState());
			map.put("error", failure);
		}
		if (report.driftCheck() != null) {
			map.put("driftCheck", report.driftCheck());
			map.put("drift", report.drift().stream().map(RunReportWriter::asMap).toList());
		}
		return map;
	}

	private static Map<String, Object> asMap(RunReport.AppliedMigration m) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("version", m.version());
		map.put("description", m.description());
		map.put("script", m.script());
		map.put("type", m.type());
		map.put("checksum", m.checksum());
		map.put("durationMs", m.durationMs());
		return map;
	}

	private static Map<String, Object> asMap(RunReport.DriftedObject drifted) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("object", drifted.object());
		map.put("change", drifted.change());
		map.put("before", drifted.before());
		map.put("after", drifted.after());
		map.put("line", drifted.line());
		return map;
	}

	private static Map<String, Object> asMap(RunReport.PendingMigration m) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("version", m.version());
		map.put("description", m.description());
		map.put("script", m.script());
		map.put("state", m.state());
		map.put("checksum", m.checksum());
		return map;
	}

}
