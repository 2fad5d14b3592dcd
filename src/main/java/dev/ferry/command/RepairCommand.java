package dev.ferry.command;

import java.util.Map;

import dev.ferry.config.FerryCommand;
import dev.ferry.run.RunRecord;
import dev.ferry.run.RunRecord.Kind;
import dev.ferry.run.RunRecord.Outcome;
import org.flywaydb.core.Flyway;

import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/**
 * {@code repair}: Flyway's repair of the schema history. The scripts are checked first: with a location missing,
 * repair would mark every applied migration deleted.
 */
@Component
record RepairCommand(Flyway flyway, RunRecord record) implements Command {

	@Override
	public FerryCommand name() {
		return FerryCommand.REPAIR;
	}

	@Override
	public void run(Map<String, Resource> scripts) {
		this.flyway.repair();
		this.record.finished(new Outcome(Kind.OK, "schema history repaired"), this.flyway.info());
	}

}
