package dev.ferry.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.ferry.plan.PlanReport;
import dev.ferry.rehearsal.RehearsalReport;
import dev.ferry.restore.RestoreReport;
import dev.ferry.run.RunRecord.AppliedMigration;
import dev.ferry.run.RunRecord.PendingMigration;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.session.Blocker;
import dev.ferry.session.RehearsedMigration;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Writes the run report where the settings ask for it: JSON to a file, Markdown to GitHub's step summary. A report
 * that cannot be written is logged, never a reason to change the run's exit code. The exit path writes one per run,
 * however the run ends.
 */
public class RunReportWriter {

	private static final int MAX_DRIFT_LINES = 200;

	/** How many rows a table of migrations in the step summary shows. */
	public static final int MAX_TABLE_ROWS = 500;

	/** How long a text of the JSON report may be; README's "The run report" says it. */
	public static final int MAX_TEXT_CHARS = 10_000;

	/** What GitHub takes as one step's summary, 1 MiB, less room for what the job writes there too. */
	public static final long STEP_SUMMARY_BYTES = 1024 * 1024 - 8 * 1024;

	private static final Log logger = LogFactory.getLog(RunReportWriter.class);

	private final SecretMasker masker;

	private final ObjectMapper json;

	public RunReportWriter(SecretMasker masker) {
		this.masker = masker;
		this.json = maskingMapper(masker);
	}

	public void write(RunReport report, Path reportFile, Path stepSummary) {
		if (reportFile != null) {
			write(reportFile, json(report) + "\n", false);
		}
		if (stepSummary != null) {
			write(stepSummary, bounded(markdown(report), STEP_SUMMARY_BYTES - existingSize(stepSummary)), true);
		}
	}

	/**
	 * The Markdown cut at a line so that it takes at most {@code maxBytes} in UTF-8, with a line saying what was cut;
	 * every section is bounded already, this is the guarantee that GitHub takes the step summary.
	 */
	static String bounded(String markdown, long maxBytes) {
		byte[] bytes = markdown.getBytes(StandardCharsets.UTF_8);
		if (bytes.length <= maxBytes) {
			return markdown;
		}
		String note = "\n\n_... the rest of this summary (" + String.format(Locale.ENGLISH, "%,d", bytes.length)
				+ " bytes in all) is not shown: GitHub takes a step summary up to 1 MiB; the JSON report has the"
				+ " run._\n\n";
		String fence = "\n```";
		long room = maxBytes - note.getBytes(StandardCharsets.UTF_8).length - fence.length();
		if (room <= 0) {
			return "";
		}
		// A cut inside a character's bytes decodes as a replacement character; the cut at the last line drops it.
		String head = new String(bytes, 0, (int) room, StandardCharsets.UTF_8);
		int lineEnd = head.lastIndexOf('\n');
		head = (lineEnd > 0) ? head.substring(0, lineEnd) : "";
		// An open code fence would swallow the note.
		return head + (((head.split(fence, -1).length % 2) == 0) ? fence : "") + note;
	}

	private static long existingSize(Path path) {
		try {
			return Files.exists(path) ? Files.size(path) : 0;
		}
		catch (IOException ex) {
			return 0;
		}
	}

	public String json(RunReport report) {
		try {
			return this.json.writeValueAsString(report);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("The run report cannot be written as JSON", ex);
		}
	}

	/**
	 * Masks each text value on its own, so that masking can never break the JSON itself, and cuts it after
	 * {@value #MAX_TEXT_CHARS} characters (a failed statement's text in Flyway's message, say).
	 */
	private static ObjectMapper maskingMapper(SecretMasker masker) {
		StdSerializer<String> masked = new StdSerializer<>(String.class) {

			@Override
			public void serialize(String value, JsonGenerator generator, SerializerProvider provider)
					throws IOException {
				generator.writeString(PlanReport.cut(masker.mask(value), MAX_TEXT_CHARS));
			}

		};
		return JsonMapper.builder().addModule(new SimpleModule().addSerializer(String.class, masked)).build();
	}

	public String markdown(RunReport report) {
		StringBuilder md = new StringBuilder();
		md.append("### Ferry ").append(report.command()).append(" on `").append(report.environment()).append("`: ");
		md.append(report.outcome()).append("\n\n");
		md.append(PlanReport.cut(this.masker.mask(report.message()), MAX_TEXT_CHARS)).append(" (exit code ").append(report.exitCode()).append(", ");
		md.append(report.durationMs()).append(" ms");
		if (report.schemaVersion() != null) {
			md.append(", schema version ").append(report.schemaVersion());
		}
		md.append(")\n\n");
		if (report.snapshot() != null) {
			md.append("Snapshot before migrating: `").append(report.snapshot()).append("`\n\n");
			if (report.rollback() != null) {
				md.append("To roll back to it (every write after it is lost), run Ferry with:\n\n```\n")
					.append(report.rollback()).append("\n```\n\n");
			}
		}
		if (!report.applied().isEmpty()) {
			md.append("| Applied | Description | Script | Checksum | Duration |\n| --- | --- | --- | --- | ---: |\n");
			int row = 0;
			for (AppliedMigration m : report.applied()) {
				if (moreRows(md, row++, report.applied().size())) {
					break;
				}
				md.append("| ").append(orR(m.version())).append(" | ").append(cell(m.description())).append(" | `");
				md.append(m.script()).append("` | ").append((m.checksum() != null) ? m.checksum() : "-").append(" | ").append(m.durationMs());
				md.append(" ms |\n");
			}
			md.append('\n');
		}
		if (!report.pending().isEmpty() && report.plan() == null) {
			md.append("| Pending | Description | Script | State |\n| --- | --- | --- | --- |\n");
			int row = 0;
			for (PendingMigration m : report.pending()) {
				if (moreRows(md, row++, report.pending().size())) {
					break;
				}
				md.append("| ").append(orR(m.version())).append(" | ").append(cell(m.description())).append(" | `");
				md.append(m.script()).append("` | ").append(m.state()).append(" |\n");
			}
			md.append('\n');
		}
		if (report.rehearsal() != null) {
			rehearsalMarkdown(md, report.rehearsal());
		}
		if (report.restore() != null) {
			restoreMarkdown(md, report.restore());
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
			md.append(":\n\n```\n").append(PlanReport.cut(this.masker.mask(error.message()), MAX_TEXT_CHARS))
				.append("\n```\n\n");
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

	private static void restoreMarkdown(StringBuilder md, RestoreReport restore) {
		md.append("**Rollback of `").append(restore.sourceCluster()).append("`**");
		if (restore.snapshot() != null) {
			md.append(" to snapshot `").append(restore.snapshot()).append("`, taken ").append(restore.snapshotTime());
		}
		md.append("\n\n");
		md.append("| | |\n| --- | --- |\n");
		row(md, "Restored cluster", (restore.restoredCluster() != null) ? code(restore.restoredCluster())
				+ (restore.reused() ? " (reused, made by an earlier restore of this snapshot)" : "") : "none made");
		row(md, "Writer instance", code(restore.restoredInstance()));
		row(md, "Endpoint", (restore.endpoint() != null) ? code(restore.endpoint() + ":" + restore.port()) : null);
		row(md, "Writes lost", (restore.writesLostMinutes() != null) ? "every write after " + restore.snapshotTime()
				+ ": the last " + restore.writesLostMinutes() + " minutes" : null);
		row(md, "Schema version", (restore.restoredSchemaVersion() != null || restore.verified())
				? ((restore.restoredSchemaVersion() != null) ? restore.restoredSchemaVersion() : "none (empty history)")
						+ (restore.verified() ? ", as the snapshot recorded" : "") : null);
		row(md, "Swapped", restore.swapped() ? "yes; the replaced cluster is kept as " + code(restore.keptCluster())
				: restore.swapSteps().isEmpty() ? "no" : "half-way: " + String.join("; ", restore.swapSteps()));
		row(md, "Master user secret", code(restore.masterUserSecret()));
		row(md, "Restore took", restore.durationMs() + " ms");
		md.append('\n');
		if (!restore.nextSteps().isEmpty()) {
			md.append("Next steps:\n\n");
			restore.nextSteps().forEach((step) -> md.append("- ").append(step).append('\n'));
			md.append('\n');
		}
	}

	private static void row(StringBuilder md, String name, String value) {
		if (value != null) {
			md.append("| ").append(name).append(" | ").append(cell(value)).append(" |\n");
		}
	}

	private static String code(String text) {
		return (text != null) ? "`" + text + "`" : null;
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
			else if (drifted.before() != null || drifted.after() != null) {
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
		return PlanReport.cut(text, 500).replace('`', '\'').replaceAll("\\s+", " ");
	}

	/** Past {@value #MAX_TABLE_ROWS} rows or the plan's length, the row saying how many more there are. */
	private static boolean moreRows(StringBuilder md, int row, int rows) {
		if (row < MAX_TABLE_ROWS && md.length() < PlanReport.MARKDOWN_CHARS) {
			return false;
		}
		md.append("| ... | ").append(String.format(Locale.ENGLISH, "%,d", rows - row))
			.append(" more not shown; the JSON report lists them all | | |\n");
		return true;
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

}
