package dev.ferry.migration;

import dev.ferry.run.RunRecord;
import dev.ferry.run.RunRecord.AppliedMigration;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.session.EachMigrationCallback;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;

import org.springframework.stereotype.Component;

/**
 * Records each migration as Flyway finishes it into the run's record (and logs it in one line), and the one that
 * failed. Flyway calls it on the migrating thread, one migration at a time. A rehearsal leaves it out: what happens
 * on a clone is not production's progress.
 */
@Component
public class MigrationProgress extends EachMigrationCallback {

	private static final Log logger = LogFactory.getLog(MigrationProgress.class);

	private final SecretMasker masker;

	private final RunRecord record;

	private long startedNanos;

	MigrationProgress(SecretMasker masker, RunRecord record) {
		this.masker = masker;
		this.record = record;
	}

	@Override
	public void handle(Event event, Context context) {
		MigrationInfo migration = context.getMigrationInfo();
		if (event == Event.BEFORE_EACH_MIGRATE) {
			this.startedNanos = System.nanoTime();
			return;
		}
		long millis = (System.nanoTime() - this.startedNanos) / 1_000_000;
		if (event == Event.AFTER_EACH_MIGRATE_ERROR) {
			this.record.migrationFailed(migration);
			return;
		}
		AppliedMigration done = new AppliedMigration(RunRecord.version(migration), migration.getDescription(),
				migration.getScript(), migration.getType().name(), this.record.checksum(migration), millis);
		this.record.applied(done);
		logger.info(this.masker.mask("Applied " + done.label() + " in " + millis + " ms"));
	}

	@Override
	public String getCallbackName() {
		return "ferry-progress";
	}

}
