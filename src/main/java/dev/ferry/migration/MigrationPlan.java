package dev.ferry.migration;

import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.ferry.placeholders.PlaceholderCheck;
import dev.ferry.run.RunRecord;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.Configuration;

import org.springframework.core.io.Resource;

/**
 * What a migrate is about to do, read and checked before any SQL runs: the scripts are named as Flyway expects,
 * every placeholder they need has a value, and Flyway's view of what is pending.
 *
 * @param info Flyway's view of every migration, applied and pending
 * @param pending the migrations that will run, in order
 * @param secretChecksums the repeatable scripts whose checksum is taken over a secret value
 */
public record MigrationPlan(MigrationInfoService info, List<MigrationInfo> pending, Set<String> secretChecksums) {

	/**
	 * @param flyway the configured Flyway
	 * @param scripts the scripts of its locations, checked by {@link MigrationSourcesCheck}
	 * @param placeholderCheck proves the placeholders have values
	 * @return the plan
	 */
	static MigrationPlan read(Flyway flyway, Map<String, Resource> scripts, PlaceholderCheck placeholderCheck) {
		Configuration configuration = flyway.getConfiguration();
		ScriptNamingCheck.verify(configuration, scripts);
		Set<String> secretChecksums = placeholderCheck.verifyRepeatables(configuration, scripts);
		MigrationInfoService info = flyway.info();
		List<MigrationInfo> pending = RunRecord.pending(info);
		placeholderCheck.verifyPending(configuration, pending, scripts);
		return new MigrationPlan(info, pending, secretChecksums);
	}

	/** The highest version the run will reach: what a snapshot taken before it is named after. */
	public String targetVersion() {
		return this.pending.stream()
			.map(MigrationInfo::getVersion)
			.filter((version) -> version != null)
			.max(MigrationVersion::compareTo)
			.map(MigrationVersion::getVersion)
			.orElseGet(() -> RunRecord.schemaVersion(this.info));
	}


}
