package dev.ferry.docs;

import java.util.Locale;

import dev.ferry.plan.MigrationPlanner;
import dev.ferry.plan.PlanReport;
import dev.ferry.report.RunReportWriter;
import org.junit.jupiter.api.Test;

/**
 * README's "Size of the output" says the bounds the code sets: the constants of the report's writer and the
 * planner.
 */
class OutputBoundsDocsTest {

	@Test
	void theReadmeStatesTheBoundsTheCodeSets() {
		int statement = MigrationPlanner.STATEMENT_CHARS + 3 * PlanReport.NAME_CHARS + 200;
		String rendered = "- **JSON report**: each text (a message, a statement) is cut after " + n(RunReportWriter.MAX_TEXT_CHARS)
				+ " characters, with `... (N more characters not shown)`. The plan lists at most "
				+ n(MigrationPlanner.STATEMENTS_LISTED) + " statements, " + n(MigrationPlanner.STATEMENTS_LISTED_PER_MIGRATION)
				+ " per migration, each cut after " + n(MigrationPlanner.STATEMENT_CHARS) + " characters and each relation"
				+ " name after " + n(PlanReport.NAME_CHARS) + ", and counts the rest of a migration's statements in"
				+ " `omitted`: `statements`, and `locks`, how many take each lock (up to "
				+ n(MigrationPlanner.LOCKS_COUNTED) + " kinds, the rest as `other locks`). The plan's part of the report"
				+ " is so at most about " + ((MigrationPlanner.STATEMENTS_LISTED * statement + 999_999) / 1_000_000)
				+ " MB, whatever the scripts hold. The lists of migrations (`applied`, `pending`) and of drifted objects"
				+ " are kept whole: their size grows with the number of migrations and objects, not with the scripts.\n"
				+ "- **Step summary**: under " + n(RunReportWriter.STEP_SUMMARY_BYTES) + " bytes, what the file held"
				+ " before counted (GitHub refuses a summary over 1 MiB). Tables of migrations show "
				+ n(RunReportWriter.MAX_TABLE_ROWS) + " rows at most, the plan statements each cut after "
				+ n(PlanReport.MARKDOWN_STATEMENT_CHARS) + " characters, until the summary has "
				+ n(PlanReport.MARKDOWN_CHARS / 1024) + " KiB; each says how many it left out. A summary still longer"
				+ " is cut at a line, with a note.\n"
				+ "- **Log**: the plan logs the statements the report lists, and one line for the rest of each"
				+ " migration (`... 499,801 more statements not listed ...; their locks: ROW EXCLUSIVE on event"
				+ " (499,801)`).\n";
		GeneratedSection.in("README.md", "output-bounds").assertUpToDate(rendered);
	}

	private static String n(long value) {
		return String.format(Locale.ENGLISH, "%,d", value);
	}

}
