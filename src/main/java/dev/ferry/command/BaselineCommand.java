package dev.ferry.command;

import java.util.Map;

import dev.ferry.config.FerryCommand;
import dev.ferry.run.RunRecord;
import dev.ferry.run.RunRecord.Kind;
import dev.ferry.run.RunRecord.Outcome;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfoService;

import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/**
 * {@code baseline}: Flyway's baseline, and Ferry's record of the baselined schema: the scripts after the baseline
 * start from it, so drift is measured from it.
 */
@Component
record BaselineCommand(Flyway flyway, DriftGate drift, RunRecord record) implements Command {

	@Override
	public FerryCommand name() {
		return FerryCommand.BASELINE;
	}

	@Override
	public void run(Map<String, Resource> scripts) {
		this.flyway.baseline();
		MigrationInfoService info = this.flyway.info();
		this.drift.recordSchema(RunRecord.schemaVersion(info));
		this.record.finished(new Outcome(Kind.OK, "baselined"), info);
	}

}
