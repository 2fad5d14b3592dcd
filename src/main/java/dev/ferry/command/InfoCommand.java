package dev.ferry.command;

import java.util.Map;

import dev.ferry.config.FerryCommand;
import dev.ferry.migration.MigrationPlans;
import dev.ferry.run.RunRecord;
import dev.ferry.run.RunRecord.Kind;
import dev.ferry.run.RunRecord.Outcome;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;

import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/**
 * {@code info}: what is applied and what is pending, with checksums, one line per migration under a header row
 * naming the columns.
 */
@Component
record InfoCommand(Flyway flyway, MigrationPlans plans, RunRecord record) implements Command {

	private static final Log logger = LogFactory.getLog(InfoCommand.class);

	/** One row's layout: version, description, state, checksum, script; the header row names them. */
	private static final String ROW = "%-10s %-40s %-12s %-12s %s";

	@Override
	public FerryCommand name() {
		return FerryCommand.INFO;
	}

	@Override
	public void run(Map<String, Resource> scripts) {
		this.plans.verifyRepeatables(scripts);
		MigrationInfoService info = this.flyway.info();
		logger.info(String.format(ROW, "Version", "Description", "State", "Checksum", "Script"));
		for (MigrationInfo migration : info.all()) {
			logger.info(String.format(ROW,
					(migration.getVersion() != null) ? migration.getVersion().getVersion() : "R",
					migration.getDescription(), migration.getState().getDisplayName(), this.record.checksum(migration),
					migration.getScript()));
		}
		int count = RunRecord.pending(info).size();
		this.record.finished(new Outcome(Kind.OK, (count == 0) ? "up to date, nothing pending" : count + " pending"),
				info);
	}

}
