package dev.ferry.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.ferry.testing.CatalogDump;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ten Ferry runners started at the same moment against one database (ten pipelines, or a retried ECS task next to
 * the original): they take turns on Flyway's lock, every migration is applied exactly once, all exit 0, and the
 * database ends as after a single uninterrupted run.
 */
@Tag("fault")
@ExtendWith(FaultLedger.class)
class TenRunnersAtOnceTest {

	private static final int RUNNERS = 10;

	private static final FaultLedger.Scenario scenario = FaultLedger.scenario(3, "ten runners at once, one database");

	@Test
	@Timeout(300)
	void tenRunnersStartedTogetherApplyEveryMigrationExactlyOnceAndAllExit0() {
		ManyMigrationsProject project = ManyMigrationsProject.get();
		CatalogDump reference = project.reference();
		Database database = project.freshCopy("fault_ten");
		try {
			List<FerryProcess.Started> started = new ArrayList<>();
			for (int i = 0; i < RUNNERS; i++) {
				started.add(database.ferry()
					.locations(project.folder())
					.env("FERRY_ENVIRONMENT", "runner-" + i)
					.timeout(Duration.ofSeconds(240))
					.start());
			}
			scenario.trials.addAndGet(RUNNERS);
			scenario.faults.addAndGet(RUNNERS);
			List<FerryRun> runs = started.stream().map(FerryProcess.Started::await).map(scenario::check).toList();

			List<String> appliedScripts = new ArrayList<>();
			for (FerryRun run : runs) {
				if (run.report() != null) {
					appliedScripts.addAll(run.<List<String>>report("$.applied[*].script"));
				}
			}
			Set<String> distinct = new HashSet<>(appliedScripts);
			List<String> historyProblems = database.historyProblems();
			CatalogDump dump = database.dump();
			long lost = dump.rowsLostAgainst(reference);
			scenario.rowsLost.addAndGet(lost);
			List<String> differences = dump.differencesFrom(reference);
			if (historyProblems.isEmpty() && differences.isEmpty() && appliedScripts.size() == distinct.size()) {
				scenario.converged.addAndGet(runs.stream().filter((r) -> r.exitCode() == 0).count());
			}

			runs.forEach((run) -> assertThat(run.exitCode()).as(run.toString()).isZero());
			assertThat(appliedScripts).as("scripts applied, over all ten runners").hasSize(distinct.size());
			assertThat(distinct).hasSize(project.pendingFromTemplate());
			assertThat(historyProblems).isEmpty();
			assertThat(differences).as("differences from a single uninterrupted run").isEmpty();
			assertThat(lost).isZero();
			long busy = runs.stream().filter((r) -> r.<Integer>report("$.applied.length()") > 0).count();
			scenario.note(project.pendingFromTemplate() + " migrations, applied by " + busy + " of the " + RUNNERS
					+ " runners, each exactly once");
		}
		finally {
			database.drop();
		}
	}

}
