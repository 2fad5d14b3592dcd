package dev.ferry.command;

import java.util.Map;

import dev.ferry.config.FerryCommand;
import dev.ferry.config.FerryProperties;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.run.RunRecord;
import dev.ferry.run.RunRecord.Kind;
import dev.ferry.run.RunRecord.Outcome;
import org.flywaydb.core.Flyway;

import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/** {@code clean}: drops every object in the schemas; only behind FERRY_ALLOW_CLEAN=true and never in production. */
@Component
record CleanCommand(Flyway flyway, FerryProperties properties, RunRecord record) implements Command {

	@Override
	public FerryCommand name() {
		return FerryCommand.CLEAN;
	}

	@Override
	public boolean readsScripts() {
		return false;
	}

	@Override
	public void refuseIfUnsafe() {
		if (!this.properties.allowClean()) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
					"clean drops every object in the schemas and is refused unless FERRY_ALLOW_CLEAN=true");
		}
		if (this.properties.isProduction()) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
					"clean is refused where FERRY_ENVIRONMENT names production ('" + this.properties.environment() + "')");
		}
	}
	@Override
	public void run(Map<String, Resource> scripts) {
		this.flyway.clean();
		this.record.finished(new Outcome(Kind.OK, "cleaned"), this.flyway.info());
	}

}
