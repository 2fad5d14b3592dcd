package dev.ferry.plan;

import java.util.List;
import java.util.Locale;

import dev.ferry.plan.Plan.LockCount;
import dev.ferry.plan.Plan.Omitted;
import dev.ferry.plan.Plan.PlannedMigration;
import dev.ferry.plan.Plan.PlannedStatement;
import dev.ferry.plan.Plan.SquawkFinding;
import dev.ferry.plan.StatementLock.RelationLock;

/**
 * The plan as Markdown, for the step summary and a pull request's comment (the JSON report serializes the
 * {@link Plan} itself). The texts are masked already; the report's writer masks them again.
 */
public final class PlanReport {

	/** Past this length the Markdown lists no more statements: GitHub takes a step summary up to 1 MiB. */
	public static final int MARKDOWN_CHARS = 256 * 1024;

	/** How much of a name the Markdown and the log show (PostgreSQL keeps 63 bytes of it). */
	public static final int NAME_CHARS = 200;

	/** How much of a statement's text the Markdown shows. */
	public static final int MARKDOWN_STATEMENT_CHARS = 2000;

	private PlanReport() {
	}

	public static String markdown(Plan plan) {
		StringBuilder md = new StringBuilder();
		if (plan.migrations().isEmpty()) {
			return "Nothing pending: migrate would run no statement.\n\n";
		}
		md.append("Migrate would run ").append(plan.migrationCount()).append(" migration")
			.append((plan.migrationCount() == 1) ? "" : "s").append(", ").append(plan.statementCount())
			.append(" statement").append((plan.statementCount() == 1) ? "" : "s")
			.append(", in this order. Locks are PostgreSQL's documented table-level locks for each form.\n\n");
		int notShown = 0;
		for (PlannedMigration migration : plan.migrations()) {
			if (md.length() > MARKDOWN_CHARS) {
				notShown += migration.statementCount();
				continue;
			}
			if (migration.byFlyway()) {
				md.append("#### ").append(migration.description()).append("\n\n");
			}
			else {
				md.append("#### ").append((migration.version() != null) ? "V" + migration.version() : "R").append(" `")
					.append(migration.script()).append("` (").append(migration.state()).append(")\n\n");
			}
			if (migration.note() != null) {
				md.append(migration.note()).append("\n\n");
			}
			int number = 1;
			for (PlannedStatement statement : migration.statements()) {
				if (md.length() > MARKDOWN_CHARS) {
					notShown += migration.statementCount() - number + 1;
					break;
				}
				StatementLock lock = statement.lock();
				String sql = cut(statement.sql(), MARKDOWN_STATEMENT_CHARS);
				md.append(number++).append(". ").append(lockSummary(lock)).append("\n\n");
				md.append(fence(sql)).append("sql\n").append(sql).append('\n').append(fence(sql)).append("\n\n");
			}
			if (migration.omitted() != null && number > migration.statements().size()) {
				md.append(omittedLine(migration.omitted())).append("\n\n");
			}
			List<SquawkFinding> findings = migration.findings();
			if (!findings.isEmpty()) {
				md.append("squawk:\n\n");
				for (SquawkFinding finding : findings) {
					md.append("- ").append(finding.level()).append(" `").append(finding.rule()).append('`');
					if (finding.line() != null) {
						md.append(" (line ").append(finding.line()).append(')');
					}
					md.append(": ").append(finding.message());
					if (finding.help() != null) {
						md.append(" ").append(finding.help());
					}
					md.append('\n');
				}
				md.append('\n');
			}
		}
		if (notShown > 0) {
			md.append("... ").append(String.format(Locale.ENGLISH, "%,d", notShown))
				.append(" more statements not shown here; the JSON report lists the first ")
				.append(MigrationPlanner.STATEMENTS_LISTED).append(" and counts the rest.\n\n");
		}
		if (plan.squawk() != null) {
			md.append("_").append(plan.squawk()).append("_\n\n");
		}
		return md.toString();
	}

	/** The line saying how many statements of a migration the plan counts without listing them, and their locks. */
	public static String omittedLine(Omitted omitted) {
		StringBuilder line = new StringBuilder("... ").append(String.format(Locale.ENGLISH, "%,d", omitted.statements()))
			.append(" more statements not listed (the plan lists at most ")
			.append(MigrationPlanner.STATEMENTS_LISTED_PER_MIGRATION).append(" per migration, ")
			.append(MigrationPlanner.STATEMENTS_LISTED).append(" in all); their locks: ");
		for (int i = 0; i < omitted.locks().size(); i++) {
			LockCount count = omitted.locks().get(i);
			line.append((i == 0) ? "" : "; ").append(count.lock()).append(" (")
				.append(String.format(Locale.ENGLISH, "%,d", count.statements())).append(')');
		}
		return line.toString();
	}

	/**
	 * The text, cut after {@code max} characters with a note of how many were left out. Cut only a masked text: a
	 * secret cut in two would no longer be recognized.
	 */
	public static String cut(String text, int max) {
		if (text == null || text.length() <= max) {
			return text;
		}
		int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
		return text.substring(0, end) + " ... (" + String.format(Locale.ENGLISH, "%,d", text.length() - end)
				+ " more characters not shown)";
	}

	private static String lockSummary(StatementLock lock) {
		if (!lock.known()) {
			return "**lock not known**";
		}
		StringBuilder text = new StringBuilder();
		if (lock.locks().isEmpty()) {
			text.append("no lock on existing relations");
		}
		for (int i = 0; i < lock.locks().size(); i++) {
			RelationLock relationLock = lock.locks().get(i);
			text.append((i == 0) ? "" : "; ").append("**").append(relationLock.mode().label()).append("** on `")
				.append(cut(relationLock.relation(), NAME_CHARS)).append('`');
		}
		if (lock.effect() != null) {
			text.append(", ").append(lock.rewrites() ? "**" + lock.effect() + "**" : lock.effect());
		}
		if (lock.note() != null) {
			text.append(" (").append(lock.note()).append(')');
		}
		return text.append(" — ").append(lock.form()).toString();
	}

	/** A code fence longer than any run of backticks in the statement. */
	private static String fence(String sql) {
		int longest = 0;
		int run = 0;
		for (char c : sql.toCharArray()) {
			run = (c == '`') ? run + 1 : 0;
			longest = Math.max(longest, run);
		}
		return "`".repeat(Math.max(3, longest + 1));
	}

}
