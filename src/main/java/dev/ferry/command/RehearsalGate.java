package dev.ferry.command;

import java.util.Arrays;
import java.util.List;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.migration.MigrationPlan;
import dev.ferry.migration.MigrationProgress;
import dev.ferry.rehearsal.CloneRehearsal;
import dev.ferry.rehearsal.RehearsalReport;
import dev.ferry.run.RunRecord;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.callback.Callback;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Rehearses the pending migrations on a clone of production, with every callback but the one that records
 * production's progress. A failed rehearsal is exit 9, before anything touched production.
 */
@Component
record RehearsalGate(ObjectProvider<CloneRehearsal> rehearsals, Flyway flyway, MigrationProgress progress,
		RunRecord record) {

	/** Deletes the clones an earlier run of this environment left behind (killed, say). */
	void deleteLeftovers() {
		this.rehearsals.getObject().deleteLeftovers();
	}

	RehearsalReport rehearse(MigrationPlan plan) {
		List<Callback> callbacks = Arrays.stream(this.flyway.getConfiguration().getCallbacks())
			.filter((callback) -> callback != this.progress)
			.toList();
		RehearsalReport rehearsal = this.rehearsals.getObject()
			.rehearse(this.flyway.getConfiguration(), callbacks,
					plan.pending().stream().map(MigrationInfo::getScript).distinct().toList());
		this.record.rehearsed(rehearsal);
		if (!rehearsal.passed()) {
			throw new FerryException(ExitStatus.REHEARSAL_FAILED,
					"the rehearsal on a clone of production failed, production was not touched: " + rehearsal.verdict());
		}
		return rehearsal;
	}

}
