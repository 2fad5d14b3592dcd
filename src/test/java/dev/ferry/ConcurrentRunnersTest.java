package dev.ferry;

import java.util.List;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two pipelines that start Ferry against the same database at the same moment: Flyway's lock makes the second
 * wait its turn, and each migration is applied exactly once.
 */
class ConcurrentRunnersTest {

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@Test
	void twoRunnersStartedTogetherApplyEachMigrationExactlyOnceAndBothSucceed() {
		FerryProcess.Started first = FerryProcess.against(this.database).env("FERRY_ENVIRONMENT", "dev").start();
		FerryProcess.Started second = FerryProcess.against(this.database).env("FERRY_ENVIRONMENT", "dev").start();

		FerryRun one = first.await();
		FerryRun two = second.await();

		assertThat(one.exitCode()).as(one.toString()).isZero();
		assertThat(two.exitCode()).as(two.toString()).isZero();
		assertThat(List.of(one.<Integer>report("$.applied.length()"), two.<Integer>report("$.applied.length()")))
			.containsExactlyInAnyOrder(7, 0);
		assertThat(List.of(one.<String>report("$.outcome"), two.<String>report("$.outcome")))
			.containsExactlyInAnyOrder("applied", "up to date");
		assertThat(List.of(one.<Integer>report("$.pending.length()"), two.<Integer>report("$.pending.length()")))
			.containsOnly(0);
		assertThat(this.database.single("SELECT count(*) FROM flyway_schema_history")).isEqualTo("7");
		assertThat(this.database.single(
				"SELECT count(*) FROM (SELECT coalesce(version, description) FROM flyway_schema_history GROUP BY 1) v"))
			.isEqualTo("7");
	}

}
