package dev.ferry.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ferry.plan.PlanReport;
import dev.ferry.rehearsal.RehearsalReport;
import dev.ferry.run.RunRecord.AppliedMigration;
import dev.ferry.run.RunRecord.PendingMigration;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.session.Blocker;
import dev.ferry.session.RehearsedMigration;
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
			for (AppliedMigration m : report.applied()) {
				md.append("| ").append(orR(m.version())).append(" | ").append(cell(m.description())).append(" | `");
				md.append(m.script()).append("` | ").append((m.checksum() != null) ? m.checksum() : "-").append(" | ").append(m.durationMs());
				md.append(" ms |\n");
			}
			md.append('\n');
		}
		if (!report.pending().isEmpty() && report.plan() == null) {
			md.append("| Pending | Description | Script | State |\n| --- | --- | --- | --- |\n");
			for (PendingMigration m : report.pending()) {
				md.append("| ").append(orR(m.version())).append(" | ").append(cell(m.description())).append(" | `");
				md.append(m.script()).append("` | ").append(m.state()).append(" |\n");
			}
			md.append('\n');
		}
		if (report.rehearsal() != null) {
			rehearsalMarkdown(md, report.rehearsal());
		}
		if (report.plan() != null) {
			md.append(PlanReport.markdown(report.plan()));
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
			if (!error.blockers().isEmpty()) {
				md.append("| Blocked by pid | User | Application | State | For | Transaction open | Query |\n");
				md.append("| ---: | --- | --- | --- | ---: | ---: | --- |\n");
				for (Blocker b : error.blockers()) {
					md.append("| ").append(b.pid()).append(" | ").append(cell(b.user())).append(" | ");
					md.append(cell(b.applicationName())).append(" | ").append(cell(b.state()));
					if (b.waitEvent() != null) {
						md.append(", waiting on ").append(cell(b.waitEvent()));
					}
					md.append(" | ").append(millis(b.stateAgeMs())).append(" | ").append(millis(b.transactionAgeMs()));
					md.append(" | ").append(cell(b.query())).append(" |\n");
				}
				md.append('\n');
			}
		}
		return this.masker.mask(md.toString());
	}

	private static void rehearsalMarkdown(StringBuilder md, RehearsalReport rehearsal) {
		md.append("**Rehearsal on a clone of `").append(rehearsal.sourceCluster()).append("` (`").append(rehearsal.cloneCluster());
		md.append("`): ").append(rehearsal.passed() ? "passed" : "failed").append("**. ").append(rehearsal.verdict());
		md.append(". Writes blocked ").append(rehearsal.blockingMs()).append(" ms in all (budget per lock ");
		md.append(rehearsal.lockBudgetMs()).append(" ms); clone ");
		md.append(rehearsal.cloneDeleted() ? "deleted" : "NOT deleted, the next rehearsal deletes it").append(".\n\n");
		if (!rehearsal.migrations().isEmpty()) {
			md.append("| Rehearsed | Script | Result | Duration | Locks held on existing relations |\n");
			md.append("| --- | --- | --- | ---: | --- |\n");
			for (RehearsedMigration m : rehearsal.migrations()) {
				md.append("| ").append(orR(m.version())).append(" | `").append(m.script()).append("` | ");
				md.append(m.succeeded() ? "ok" : "**failed**").append(" | ").append(m.durationMs()).append(" ms | ");
				md.append(m.locks().isEmpty() ? "-" : String.join("; ", m.locks().stream().map((lock) -> lock.mode()
						+ " on `" + lock.relation() + "` " + lock.heldMs() + " ms").toList()));
				md.append(" |\n");
			}
			md.append('\n');
		}
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

	private static String millis(Long millis) {
		return (millis != null) ? millis + " ms" : "-";
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
		if (report.rehearsal() != null) {
			map.put("rehearsal", asMap(report.rehearsal()));
		}
		if (report.error() != null) {
			RunReport.Failure error = report.error();
			Map<String, Object> failure = new LinkedHashMap<>();
			failure.put("status", error.status());
			failure.put("message", error.message());
			failure.put("script", error.script());
			failure.put("line", error.line());
			failure.put("sqlState", error.sqlState());
			if (!error.blockers().isEmpty()) {
				failure.put("blockers", error.blockers().stream().map(RunReportWriter::asMap).toList());
			}
			map.put("error", failure);
		}
		if (report.plan() != null) {
			map.put("plan", PlanReport.json(report.plan()));
		}
		if (report.driftCheck() != null) {
			map.put("driftCheck", report.driftCheck());
			map.put("drift", report.drift().stream().map(RunReportWriter::asMap).toList());
		}
		return map;
	}

	private static Map<String, Object> asMap(AppliedMigration m) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("version", m.version());
		map.put("description", m.description());
		map.put("script", m.script());
		map.put("type", m.type());
		map.put("checksum", m.checksum());
		map.put("durationMs", m.durationMs());
		return map;
	}

	private static Map<String, Object> asMap(RehearsalReport rehearsal) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("clone", rehearsal.cloneCluster());
		map.put("sourceCluster", rehearsal.sourceCluster());
		map.put("passed", rehearsal.passed());
		map.put("verdict", rehearsal.verdict());
		map.put("lockBudgetMs", rehearsal.lockBudgetMs());
		map.put("blockingMs", rehearsal.blockingMs());
		map.put("cloneDeleted", rehearsal.cloneDeleted());
		map.put("migrations", rehearsal.migrations().stream().map((m) -> {
			Map<String, Object> migration = new LinkedHashMap<>();
			migration.put("version", m.version());
			migration.put("description", m.description());
			migration.put("script", m.script());
			migration.put("succeeded", m.succeeded());
			migration.put("durationMs", m.durationMs());
			migration.put("blockingMs", m.blockingMs());
			migration.put("locks", m.locks().stream().map((lock) -> {
				Map<String, Object> held = new LinkedHashMap<>();
				held.put("relation", lock.relation());
				held.put("mode", lock.mode());
				held.put("blocksWrites", lock.blocksWrites());
				held.put("heldMs", lock.heldMs());
				return held;
			}).toList());
			return migration;
		}).toList());
		return map;
	}

	private static Map<String, Object> asMap(Blocker b) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("pid", b.pid());
		map.put("user", b.user());
		map.put("applicationName", b.applicationName());
		map.put("state", b.state());
		map.put("stateAgeMs", b.stateAgeMs());
		map.put("transactionAgeMs", b.transactionAgeMs());
		map.put("waitEvent", b.waitEvent());
		map.put("query", b.query());
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

	private static Map<String, Object> asMap(PendingMigration m) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("version", m.version());
		map.put("description", m.description());
		map.put("script", m.script());
		map.put("state", m.state());
		map.put("checksum", m.checksum());
		return map;
	}

}
