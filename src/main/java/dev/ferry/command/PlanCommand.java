package dev.ferry.command;

import java.util.List;
import java.util.Map;

import dev.ferry.config.FerryCommand;
import dev.ferry.migration.MigrationPlan;
import dev.ferry.migration.MigrationPlans;
import dev.ferry.plan.MigrationPlanner;
import dev.ferry.plan.Plan;
import dev.ferry.run.RunRecord;
import dev.ferry.run.RunRecord.Kind;
import dev.ferry.run.RunRecord.Outcome;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;

import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/**
 * {@code plan}: what migrate would run, read-only. The same checks and Flyway's same view of what is pending as
 * migrate; no snapshot, no lock, no history table.
 */
@Component
record PlanCommand(Flyway flyway, MigrationPlans plans, MigrationPlanner planner, RunRecord record) implements Command {

	@Override
	public FerryCommand name() {
		return FerryCommand.PLAN;
	}

	@Override
	public void run(Map<String, Resource> scripts) {
		MigrationPlan pending = this.plans.read(scripts);
		// An outdated repeatable is in Flyway's view twice: applied (Outdated) and resolved anew (Pending); it runs once.
		List<MigrationInfo> toRun = pending.pending()
			.stream()
			.filter((migration) -> migration.getState() == MigrationState.PENDING)
			.toList();
		Plan plan = this.planner.plan(this.flyway.getConfiguration(), toRun, scripts);
		this.planner.log(plan);
		this.record.planned(plan);
		int count = plan.migrationCount();
		String message = (plan.migrations().isEmpty()) ? "up to date, migrate would run nothing"
				: "migrate would run " + count + " migration" + ((count == 1) ? "" : "s") + ", "
						+ plan.statementCount() + " statement" + ((plan.statementCount() == 1) ? "" : "s");
		this.record.finished(new Outcome(Kind.OK, message), pending.info());
	}

}
