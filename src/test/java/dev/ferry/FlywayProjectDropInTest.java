package dev.ferry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An existing Flyway project runs under Ferry unchanged: its settings, its schema layout and its script habits.
 */
class FlywayProjectDropInTest {

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	@Test
	void theSchemaHistoryLivesInTheFirstOfFlywaysSchemas() {
		Scripts.in(this.folder).write("V1__one.sql", "CREATE TABLE app.one (id int);");

		FerryRun run = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("FLYWAY_SCHEMAS", "flyway,app")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(this.database.history("flyway.flyway_schema_history")).containsExactly("1:true");
		assertThat(this.database.tableExists("public.flyway_schema_history")).isFalse();
		assertThat(this.database.tableExists("app.one")).isTrue();
	}

	@Test
	void springFlywaySettingsWorkAsInAnySpringBootApplication() {
		Scripts.in(this.folder).write("V1__one.sql", "CREATE TABLE app.one (id int);");

		FerryRun run = FerryProcess.against(this.database)
			.locations(this.folder)
			.env("SPRING_FLYWAY_SCHEMAS", "history,app")
			.env("SPRING_FLYWAY_TABLE", "schema_version")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(this.database.history("history.schema_version")).containsExactly("1:true");
	}

	@Test
	void scriptsWithTheirOwnBeginAndCommitApply() {
		Scripts.in(this.folder)
			.write("V1__one.sql", "BEGIN;\nCREATE TABLE one (id int);\nINSERT INTO one VALUES (1);\nCOMMIT;\n")
			.write("V2__two.sql", "BEGIN;\nCREATE TABLE two (id int);\nCOMMIT;\n");

		FerryRun run = FerryProcess.against(this.database).locations(this.folder).run();
		FerryRun rerun = FerryProcess.against(this.database).locations(this.folder).run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(this.database.history("flyway_schema_history")).containsExactly("1:true", "2:true");
		assertThat(this.database.single("SELECT count(*) FROM one")).isEqualTo("1");
		assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
		assertThat(rerun.<String>report("$.outcome")).isEqualTo("up to date");
	}

	/**
	 * Flyway's own notices stay (a script's own {@code BEGIN} inside Flyway's transaction draws PostgreSQL's true
	 * "there is already a transaction in progress"); Ferry adds no error or warning to a run that went well.
	 */
	@Test
	void aSuccessfulRunLogsNoErrorAndNoWarning() {
		Scripts.in(this.folder)
			.write("V1__table.sql", "CREATE TABLE t (id int);")
			.write("V2__index.sql", "CREATE INDEX CONCURRENTLY t_id ON t (id);")
			.write("R__view.sql", "CREATE OR REPLACE VIEW v AS SELECT '${team}'::text AS team;");

		FerryRun run = FerryProcess.against(this.database).locations(this.folder).env("FERRY_PLACEHOLDER_team", "a").run();
		FerryRun rerun = FerryProcess.against(this.database).locations(this.folder).env("FERRY_PLACEHOLDER_team", "a").run();

		for (FerryRun each : List.of(run, rerun)) {
			assertThat(each.exitCode()).as(each.toString()).isZero();
			assertThat(each.output()).as("the run's output").contains("Ferry migrate on");
			assertThat(each.output().lines().filter((line) -> line.contains(" ERROR ") || line.contains(" WARN ")))
				.as("error and warning lines of a run that succeeded").isEmpty();
		}
	}

	@Test
	void createIndexConcurrentlyCompletesInsteadOfWaitingOnFlywaysOwnLock() {
		Scripts.in(this.folder)
			.write("V1__table.sql", "CREATE TABLE big (id int);\nINSERT INTO big SELECT generate_series(1, 10000);")
			.write("V2__index.sql", "CREATE INDEX CONCURRENTLY big_id_idx ON big (id);")
			.write("V3__after.sql", "CREATE TABLE after_index (id int);");

		FerryRun run = FerryProcess.against(this.database)
			.locations(this.folder)
			.timeout(Duration.ofSeconds(60))
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(this.database.single(
				"SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_id_idx'::regclass")).isEqualTo("t");
		assertThat(this.database.history("flyway_schema_history")).containsExactly("1:true", "2:true", "3:true");
	}

}
