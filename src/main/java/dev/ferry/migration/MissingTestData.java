package dev.ferry.migration;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.ferry.config.FerryProperties;
import dev.ferry.failure.CauseChain;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.scripts.MigrationScripts;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.CoreErrorCode;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.Location;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * Explains Flyway's "applied migration not resolved locally" when what is missing is test data: a database that
 * got test data in an earlier run (Ferry's baked {@code classpath:db/testdata}, or {@code FERRY_TESTDATA_LOCATIONS})
 * and a run that does not add it (another environment name, or {@code FERRY_LOCATIONS} pointing at a mounted folder,
 * to which Ferry never adds its baked test data). Flyway's own sentence names only the description; this says what
 * happened and what to set. Any other validation failure is left as it is.
 */
public final class MissingTestData {

	private static final Set<CoreErrorCode> NOT_RESOLVED = Set.of(CoreErrorCode.VALIDATE_ERROR,
			CoreErrorCode.APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED,
			CoreErrorCode.APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED);

	private MissingTestData() {
	}

	/**
	 * @param failure what the run threw
	 * @param flyway the run's Flyway, to read the history with
	 * @param properties Ferry's settings
	 * @return the failure itself, or exit 5 with the explanation when the applied migrations missing locally are
	 * all test data of a location this run does not use
	 */
	public static RuntimeException explain(RuntimeException failure, Flyway flyway, FerryProperties properties) {
		FlywayException validation = CauseChain.find(failure, FlywayException.class,
				(ex) -> NOT_RESOLVED.contains(ex.getErrorCode()));
		if (validation == null || FerryException.find(failure) != null) {
			return failure;
		}
		try {
			List<MigrationInfo> missing = Stream.of(flyway.info().all())
				.filter((m) -> m.getState() == MigrationState.MISSING_SUCCESS
						|| m.getState() == MigrationState.MISSING_FAILED)
				.toList();
			List<String> unused = unusedTestDataLocations(flyway, properties);
			if (missing.isEmpty() || unused.isEmpty()) {
				return failure;
			}
			Set<String> testData = scriptNames(flyway, unused);
			if (!missing.stream().allMatch((m) -> testData.contains(MigrationScripts.fileName(m.getScript())))) {
				return failure;
			}
			return new FerryException(ExitStatus.VALIDATION_FAILED, message(missing, unused, properties), failure);
		}
		catch (RuntimeException ex) {
			// Only an explanation: the failure stands as Flyway reported it.
			failure.addSuppressed(ex);
			return failure;
		}
	}

	private static String message(List<MigrationInfo> missing, List<String> unused, FerryProperties properties) {
		String scripts = missing.stream().map(MigrationInfo::getScript).collect(Collectors.joining(", "));
		String locations = String.join(",", unused);
		String why;
		String fix;
		if (!properties.wantsTestData()) {
			why = ((properties.environment() != null) ? "FERRY_ENVIRONMENT " + properties.environment()
					: "an unnamed environment (FERRY_ENVIRONMENT unset)") + " is not one of FERRY_TESTDATA_ENVIRONMENTS ("
					+ String.join(",", properties.testdataEnvironments()) + "), so this run adds no test data";
			fix = "run it as the environment that got the test data (FERRY_ENVIRONMENT, FERRY_TESTDATA_ENVIRONMENTS)";
		}
		else {
			why = "Ferry adds its baked test data only to its baked classpath:db/migration, and FERRY_LOCATIONS"
					+ " points elsewhere";
			fix = "set FERRY_TESTDATA_LOCATIONS=" + locations + " (or a folder holding these scripts)";
		}
		return "applied migration not resolved locally: " + scripts + " is test data of " + locations
				+ ", which an earlier run applied and this run does not add: " + why + ". To keep it, " + fix
				+ "; if this database is to lose it, run repair once (FERRY_COMMAND=repair marks it deleted in the"
				+ " history). Nothing was run";
	}

	/** The test-data locations this database may have got before and this run does not use. */
	private static List<String> unusedTestDataLocations(Flyway flyway, FerryProperties properties) {
		List<String> candidates = new ArrayList<>(properties.testdataLocations());
		if (candidates.isEmpty() && flyway.getConfiguration()
			.getClassLoader()
			.getResource(FerryFlywayCustomizer.BAKED_TESTDATA.substring("classpath:".length())) != null) {
			candidates.add(FerryFlywayCustomizer.BAKED_TESTDATA);
		}
		Set<String> used = Stream.of(flyway.getConfiguration().getLocations())
			.map(Location::getDescriptor)
			.collect(Collectors.toSet());
		candidates.removeIf((location) -> used.contains(new Location(location).getDescriptor()));
		return candidates;
	}

	private static Set<String> scriptNames(Flyway flyway, List<String> locations) {
		FluentConfiguration configuration = new FluentConfiguration(flyway.getConfiguration().getClassLoader())
			.configuration(flyway.getConfiguration())
			.locations(locations.toArray(String[]::new));
		return MigrationScripts.list(configuration)
			.keySet()
			.stream()
			.map(MigrationScripts::fileName)
			.collect(Collectors.toSet());
	}

}
