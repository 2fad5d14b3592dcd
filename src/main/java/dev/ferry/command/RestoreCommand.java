package dev.ferry.command;

import java.util.Map;

import dev.ferry.config.FerryCommand;
import dev.ferry.config.FerryProperties;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.restore.RestoreReport;
import dev.ferry.restore.SnapshotRestore;
import dev.ferry.run.RunRecord;
import dev.ferry.run.RunRecord.Kind;
import dev.ferry.run.RunRecord.Outcome;
import org.flywaydb.core.Flyway;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/**
 * {@code restore}: Ferry's pre-migration snapshot into a new cluster, checked, swapped in on request; only behind
 * FERRY_ALLOW_RESTORE=true. It reads no scripts, and production need not answer unless a swap asks it whether a
 * migration is running.
 */
@Component
record RestoreCommand(Flyway flyway, FerryProperties properties, ObjectProvider<SnapshotRestore> restores,
		RunRecord record) implements Command {

	@Override
	public FerryCommand name() {
		return FerryCommand.RESTORE;
	}

	@Override
	public boolean readsScripts() {
		return false;
	}

	@Override
	public boolean awaitsDatabase() {
		return false;
	}

	@Override
	public void refuseIfUnsafe() {
		if (!this.properties.allowRestore()) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID, "restore makes a new cluster from a snapshot"
					+ " (and with FERRY_RESTORE_SWAP renames production's) and is refused unless FERRY_ALLOW_RESTORE=true");
		}
	}

	@Override
	public void run(Map<String, Resource> scripts) {
		RestoreReport report = this.restores.getObject().restore(this.flyway.getConfiguration(), this.record::restoring);
		this.record.finished(new Outcome(Kind.OK, "restored snapshot " + report.snapshot() + " into cluster "
				+ (report.swapped() ? report.sourceCluster() + " (swapped; the replaced one is kept as "
						+ report.keptCluster() + ")" : report.restoredCluster())
				+ "; writes of the last " + report.writesLostMinutes() + " minutes are not in it"), null);
	}

}
