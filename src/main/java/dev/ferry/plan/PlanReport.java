package dev.ferry.plan;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ferry.plan.Plan.PlannedMigration;
import dev.ferry.plan.Plan.PlannedStatement;
import dev.ferry.plan.Plan.SquawkFinding;
import dev.ferry.plan.StatementLock.RelationLock;

/**
 * The plan as the run report shows it: the {@code plan} section of the JSON report, and Markdown for the step
 * summary and a pull request's comment. The texts are masked already; the report's writer masks them again.
 */
public final class PlanReport {

	private PlanReport() {
	}

	public static Map<String, Object> json(Plan plan) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("migrationCount", plan.migrationCount());
		map.put("statementCount", plan.statementCount());
		map.put("squawk", plan.squawk());
		map.put("migrations", plan.migrations().stream().map(PlanReport::json).toList());
		return map;
	}

	private static Map<String, Object> json(PlannedMigration migration) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("version", migration.version());
		map.put("description", migration.description());
		map.put("script", migration.script());
		map.put("state", migration.state());
		map.put("note", migration.note());
		map.put("statements", migration.statements().stream().map(PlanReport::json).toList());
		map.put("squawk", migration.findings().stream().map(PlanReport::json).toList());
		return map;
	}

	private static Map<String, Object> json(PlannedStatement statement) {
		StatementLock lock = statement.lock();
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("sql", statement.sql());
		map.put("form", lock.form());
		map.put("lock", lock.lock());
		map.put("relation", lock.relation());
		map.put("rewrites", lock.rewrites());
		map.put("effect", lock.effect());
		map.put("note", lock.note());
		map.put("locks", lock.locks().stream().map(PlanReport::json).toList());
		return map;
	}

	private static Map<String, Object> json(RelationLock lock) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("mode", lock.mode().label());
		map.put("relation", lock.relation());
		return map;
	}

	private static Map<String, Object> json(SquawkFinding finding) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("rule", finding.rule());
		map.put("level", finding.level());
		map.put("line", finding.line());
		map.put("message", finding.message());
		map.put("help", finding.help());
		return map;
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
