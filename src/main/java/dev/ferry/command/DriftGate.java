package dev.ferry.command;

import dev.ferry.config.DriftMode;
import dev.ferry.config.FerryProperties;
import dev.ferry.drift.DriftCheck;
import dev.ferry.drift.DriftFindings;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.run.RunRecord;
import dev.ferry.secrets.SecretMasker;

import org.springframework.stereotype.Component;

/**
 * Compares the schema with Ferry's record of it. With FERRY_DRIFT=fail, drift (or a check that could not run, so
 * cannot vouch for the schema) is exit 10; otherwise the check logged it as a warning and the report carries it.
 */
@Component
record DriftGate(DriftCheck drift, FerryProperties properties, RunRecord record, SecretMasker masker) {

	/** Before a migrate: the check FERRY_DRIFT asks for, or a note in the report that there was none. */
	void beforeMigrating() {
		if (this.properties.drift() == DriftMode.OFF) {
			this.record.driftChecked(DriftFindings.notCompared("no drift check: FERRY_DRIFT=off"));
			return;
		}
		check("nothing applied");
	}

	/**
	 * @param consequence what failing here means for the run, for the failure's message
	 * @return what the check found
	 */
	DriftFindings check(String consequence) {
		DriftFindings findings = this.drift.check();
		this.record.driftChecked(findings);
		if (this.properties.drift() == DriftMode.FAIL && (findings.drifted() || findings.failed())) {
			throw new FerryException(ExitStatus.DRIFT,
					this.masker.mask(findings.summary() + " (FERRY_DRIFT=fail); " + consequence));
		}
		return findings;
	}

	/** Records the schema as it is now, for the next run's check. */
	void recordSchema(String schemaVersion) {
		this.drift.record(schemaVersion);
	}

}
