package dev.ferry.command;

import java.util.Map;

import dev.ferry.config.FerryCommand;
import dev.ferry.config.FerryProperties;
import dev.ferry.migration.LockTimeoutRetries;
import dev.ferry.migration.MigrationPlan;
import dev.ferry.migration.MigrationPlans;
import dev.ferry.run.RunRecord;
import dev.ferry.run.RunRecord.Kind;
import dev.ferry.run.RunRecord.Outcome;
import dev.ferry.restore.SnapshotRestore;
import dev.ferry.snapshot.PreMigrationSnapshot;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfoService;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/**
 * {@code migrate}, in the order of its steps: read what is pending and prove its placeholders, the drift gate, the
 * rehearsal on a clone (where on), the snapshot (where something is pending and a target is set), apply with
 * lock-timeout retries, record the schema for the next drift check.
 */
@Component
record MigrateCommand(Flyway flyway, FerryProperties properties, MigrationPlans plans, DriftGate drift,
		RehearsalGate rehearsal, ObjectProvider<PreMigrationSnapshot> snapshots, LockTimeoutRetries migrations,
		RunRecord record) implements Command {

	@Override
	public FerryCommand name() {
		return FerryCommand.MIGRATE;
	}

	@Override
	public void run(Map<String, Resource> scripts) {
		MigrationPlan plan = this.plans.read(scripts);
		this.drift.beforeMigrating();
		if (this.properties.rehearsesOnClone()) {
			this.rehearsal.deleteLeftovers();
			if (!plan.pending().isEmpty()) {
				this.rehearsal.rehearse(plan);
			}
		}
		if (!plan.pending().isEmpty() && this.properties.snapshot().isConfigured()) {
			String snapshot = this.snapshots.getObject()
				.take(plan.targetVersion(), RunRecord.schemaVersion(plan.info()));
			this.record.snapshotTaken(snapshot,
					(this.properties.snapshot().clusterId() != null) ? SnapshotRestore.inputs(snapshot) : null);
		}
		this.migrations.migrate();
		int count = this.record.applied().size();
		// Nothing was pending, so nothing changed since the plan was read: no need to resolve every script again.
		// (Something pending yet nothing applied means another runner applied it meanwhile.)
		MigrationInfoService after = (count == 0 && plan.pending().isEmpty()) ? plan.info() : this.flyway.info();
		this.drift.recordSchema(RunRecord.schemaVersion(after));
		this.record.finished((count == 0) ? new Outcome(Kind.UP_TO_DATE, "up to date, nothing to apply")
				: new Outcome(Kind.APPLIED, "applied " + count + " migration" + ((count == 1) ? "" : "s")), after);
	}

}
