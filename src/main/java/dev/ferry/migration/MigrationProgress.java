package dev.ferry.migration;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import dev.ferry.drift.DriftFindings;
import dev.ferry.report.RehearsalReport;
import dev.ferry.report.RunReport.AppliedMigration;
import dev.ferry.secrets.SecretMasker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;

/**
 * What this run has done so far, for the report: the snapshot it took, each migration as it finishes (logged in one
 * line) and the one that failed. Flyway calls it on the migrating thread, one migration at a time.
 */
class MigrationProgress extends EachMigrationCallback {

	private static final Log logger = LogFactory.getLog(MigrationProgress.class);

	private final SecretMasker masker;

	private final List<AppliedMigration> applied = new ArrayList<>();

	private long startedNanos;

	private MigrationInfo failed;

	private String snapshot;

	private RehearsalReport rehearsal;

	private Set<String> secretChecksums = Set.of();

	private DriftFindings drift;

	MigrationProgress(SecretMasker masker) {
		this.masker = masker;
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
			this.failed = migration;
			return;
		}
		AppliedMigration done = new AppliedMigration(version(migration), migration.getDescription(),
				migration.getScript(), migration.getType().name(), checksum(migration), millis);
		this.applied.add(done);
		logger.info(this.masker.mask("Applied " + done.label() + " in " + millis + " ms"));
	}

	@Override
	public String getCallbackName() {
		return "ferry-progress";
	}

	/**
	 * Keeps the checksums of these scripts out of the log and the report: a repeatable script is checksummed after
	 * its placeholders are substituted, so its checksum is a hash over a secret, and a weak secret can be guessed
	 * from it offline.
	 */
	void hideChecksumsOf(Set<String> scripts) {
		this.secretChecksums = Set.copyOf(scripts);
	}

	/** A migration's checksum as the report may show it: none where it was taken over a secret. */
	Integer checksum(MigrationInfo migration) {
		return this.secretChecksums.contains(migration.getScript()) ? null : migration.getChecksum();
	}

	/** Remembers what the rehearsal on a clone found, for the report. */
	void rehearsed(RehearsalReport rehearsal) {
		this.rehearsal = rehearsal;
	}

	RehearsalReport rehearsal() {
		return this.rehearsal;
	}

	/** Remembers the snapshot taken before migrating, for the report. */
	void snapshotTaken(String snapshot) {
		this.snapshot = snapshot;
	}

	/** The snapshot this run took, if any. */
	String snapshot() {
		return this.snapshot;
	}

	/** Remembers what the drift check found, for the report. */
	void driftChecked(DriftFindings findings) {
		this.drift = findings;
	}

	/** What this run's drift check found, if it checked. */
	DriftFindings drift() {
		return this.drift;
	}

	List<AppliedMigration> applied() {
		return List.copyOf(this.applied);
	}

	/** The migration that failed last, if any. */
	MigrationInfo failed() {
		return this.failed;
	}

	static String version(MigrationInfo migration) {
		return (migration.getVersion() != null) ? migration.getVersion().getVersion() : null;
	}

}
