package dev.ferry.migration;

import java.util.Map;

import dev.ferry.placeholders.PlaceholderCheck;
import dev.ferry.run.RunRecord;
import org.flywaydb.core.Flyway;

import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/**
 * Reads what the configured Flyway would do, after the checks that must pass before any SQL runs: every location
 * readable, every script named as Flyway expects, every placeholder a pending or repeatable script uses given a
 * value. The commands that read scripts start here.
 */
@Component
public record MigrationPlans(Flyway flyway, PlaceholderCheck placeholderCheck, RunRecord record) {

	/**
	 * The scripts of Flyway's locations, each location proven to exist and each script to decode: with a location
	 * missing Flyway would report "up to date", and repair would mark every applied migration deleted.
	 */
	public Map<String, Resource> verifiedScripts() {
		return MigrationSourcesCheck.verify(this.flyway.getConfiguration());
	}

	/** What is pending, placeholders proven; the checksums taken over a secret are kept out of the report. */
	public MigrationPlan read(Map<String, Resource> scripts) {
		MigrationPlan plan = MigrationPlan.read(this.flyway, scripts, this.placeholderCheck);
		this.record.hideChecksumsOf(plan.secretChecksums());
		return plan;
	}

	/** For a command that only reads history: the repeatables' placeholders proven, their secret checksums hidden. */
	public void verifyRepeatables(Map<String, Resource> scripts) {
		this.record.hideChecksumsOf(this.placeholderCheck.verifyRepeatables(this.flyway.getConfiguration(), scripts));
	}

}
