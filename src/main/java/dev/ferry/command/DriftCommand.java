package dev.ferry.command;

import java.util.Map;

import dev.ferry.config.FerryCommand;
import dev.ferry.run.RunRecord;
import dev.ferry.run.RunRecord.Kind;
import dev.ferry.run.RunRecord.Outcome;

import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/**
 * {@code drift}: the check alone, read-only. It checks whatever FERRY_DRIFT says, since checking is all it is asked
 * to do; only {@code fail} makes drift its failure. It compares the database with Ferry's record only: no scripts.
 */
@Component
record DriftCommand(DriftGate drift, RunRecord record) implements Command {

	@Override
	public FerryCommand name() {
		return FerryCommand.DRIFT;
	}

	@Override
	public boolean readsScripts() {
		return false;
	}

	@Override
	public void run(Map<String, Resource> scripts) {
		String summary = this.drift.check("the drift command changes nothing").summary();
		this.record.finished(new Outcome(Kind.OK, summary), null);
	}

}
