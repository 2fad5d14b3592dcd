package dev.ferry.plan;

import java.util.List;

import dev.ferry.plan.Plan.PlannedMigration;
import dev.ferry.plan.Plan.PlannedStatement;
import dev.ferry.plan.Plan.SquawkFinding;
import dev.ferry.plan.StatementLock.RelationLock;

/**
 * The plan as Markdown, for the step summary and a pull request's comment (the JSON report serializes the
 * {@link Plan} itself). The texts are masked already; the report's writer masks them again.
 */
public final class PlanReport {

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
		for (PlannedMigration migration : plan.migrations()) {
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
				StatementLock lock = statement.lock();
				md.append(number++).append(". ").append(lockSummary(lock)).append("\n\n");
				md.append(fence(statement.sql())).append("sql\n").append(statement.sql()).append('\n')
					.append(fence(statement.sql())).append("\n\n");
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
		if (plan.squawk() != null) {
			md.append("_").append(plan.squawk()).append("_\n\n");
		}
		return md.toString();
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
				.append(relationLock.relation()).append('`');
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
