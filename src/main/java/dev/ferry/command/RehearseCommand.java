package dev.ferry.command;

import java.util.Map;

import dev.ferry.config.FerryCommand;
import dev.ferry.migration.MigrationPlan;
import dev.ferry.migration.MigrationPlans;
import dev.ferry.run.RunRecord;
import dev.ferry.run.RunRecord.Kind;
import dev.ferry.run.RunRecord.Outcome;

import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/** {@code rehearse}: the rehearsal on a clone alone; production is read, never written. */
@Component
record RehearseCommand(MigrationPlans plans, RehearsalGate rehearsal, RunRecord record) implements Command {

	@Override
	public FerryCommand name() {
		return FerryCommand.REHEARSE;
	}

	@Override
	public void run(Map<String, Resource> scripts) {
		MigrationPlan plan = this.plans.read(scripts);
		this.rehearsal.deleteLeftovers();
		Outcome outcome = plan.pending().isEmpty() ? new Outcome(Kind.UP_TO_DATE, "up to date, nothing to rehearse")
				: new Outcome(Kind.OK, this.rehearsal.rehearse(plan).verdict());
		this.record.finished(outcome, plan.info());
	}

}
