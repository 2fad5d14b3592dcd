package dev.ferry.differential;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import dev.ferry.secrets.SecretMasker;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.StatementRecorder;
import dev.ferry.testing.TestDatabase;
import dev.ferry.testing.TestSecrets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.FixedSeedMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code plan} against migrate itself: the statements plan lists are exactly those the following migrate sends, as
 * PostgreSQL receives them (a {@link StatementRecorder} between Ferry and the server records each Query and Parse
 * message). Migrate also sends Flyway's and Ferry's own statements (the history table, the advisory lock, catalog
 * lookups, session settings, transaction control): the plan's statements must appear on the wire in order, and
 * every statement on the wire that is not one of them must be such housekeeping.
 */
class PlanMatchesMigrateTest {

	/** What Flyway, pgjdbc and Ferry send around the migrations' own statements. */
	private static final List<Pattern> HOUSEKEEPING = List.of(Pattern.compile("(?s).*flyway_schema_history.*"),
			Pattern.compile("(?s).*pg_(try_)?advisory_(un)?lock.*"), Pattern.compile("(?i)(BEGIN|COMMIT|ROLLBACK)"),
			Pattern.compile("(?i)(SET|SHOW) .*"), Pattern.compile("(?i)SELECT (version\\(\\)|current_user|current_schema)"),
			Pattern.compile("(?i)select current_catalog"),
			Pattern.compile("\\QSELECT set_config('search_path', $1, false)\\E"),
			Pattern.compile("\\QSELECT COUNT(*) FROM pg_namespace WHERE nspname=$1\\E"),
			Pattern.compile("\\QSELECT rolname FROM pg_roles WHERE rolname ILIKE 'rds_superuser'\\E"),
			Pattern.compile("(?s)SELECT EXISTS \\(.*pg_catalog\\.pg_class.*"),
			Pattern.compile("(?s)DO \\$\\$ BEGIN IF current_setting\\('client_connection_check_interval'.*"),
			Pattern.compile("(?s)SELECT format\\('%I\\.%I', n\\.nspname, c\\.relname\\) FROM pg_index i .*NOT i\\.indisvalid.*"),
			// The invalid-index cleanup fills in Flyway's own placeholders of a concurrent build it reads.
			Pattern.compile("\\QSELECT current_database(), current_user, current_schema()\\E"),
			// Ferry's drift check before migrating and its record of the schema after (dev.ferry.drift).
			Pattern.compile("(?i)BEGIN READ ONLY"), Pattern.compile("(?i)\\s*SET (LOCAL )?\\w+ = .*"),
			Pattern.compile("(?s).*ferry_catalog_record.*"), Pattern.compile("(?s)SELECT to_regclass\\(\\$1\\).*"),
			Pattern.compile("(?i)SELECT current_schema\\(\\)"),
			Pattern.compile("(?s)SELECT nspname FROM pg_namespace WHERE nspname NOT IN .*"),
			Pattern.compile("(?s)SELECT (CASE \\w+\\.\\w+ WHEN|'[a-z ]+ ' \\|\\|) .*\\bpg_[a-z_]+\\b.*"),
			// Who blocks a migration that waits on a lock (BlockingSessions), from its own connection.
			Pattern.compile("(?s)SELECT b\\.pid, a\\.usename, .*pg_blocking_pids.*"));

	@TempDir
	Path folder;

	@Test
	void theSampleProjectsPlanIsWhatMigrateSends() {
		TestDatabase database = PostgresServer.get().createDatabase();

		assertPlanIsWhatMigrateSends(database, FerryProcess.against(database), this.folder);
	}

	@Test
	void aSecondPlanListsOnlyTheNewScriptAndTheChangedRepeatable() throws IOException {
		TestDatabase database = PostgresServer.get().createDatabase();
		Scripts scripts = Scripts.copyOfSample(Files.createDirectories(this.folder.resolve("db")));
		assertThat(FerryProcess.against(database).locations(scripts.folder()).run().exitCode()).isZero();
		scripts.write("V6__more.sql", "-- a comment first\nALTER TABLE app.audit_event ADD COLUMN source text;\n"
				+ "CREATE INDEX audit_event_source_idx ON app.audit_event (source);\n/* done */")
			.write("R__code_set_values.sql", "INSERT INTO app.code_set (code, description) VALUES ('X', 'x;y')"
					+ " ON CONFLICT (code) DO NOTHING;");

		List<String> planned = assertPlanIsWhatMigrateSends(database,
				FerryProcess.against(database).locations(scripts.folder()), this.folder);

		assertThat(planned).hasSize(3);
	}

	@Test
	void quotesCommentsAndDollarQuotesAreSplitAsFlywaySplitsThem() throws IOException {
		TestDatabase database = PostgresServer.get().createDatabase();
		Path db = Files.createDirectories(this.folder.resolve("db"));
		Scripts.in(db).write("V1__tricky.sql", """
				-- a comment; with a semicolon
				CREATE TABLE "we;ird" (id int, note text);
				/* a block /* nested; */ still the comment; */
				INSERT INTO "we;ird" VALUES (1, 'a;b'), (2, E'c\\';d'), (3, $$e;f$$), (4, $tag$g;$$;h$tag$);
				COMMENT ON TABLE "we;ird" IS 'it''s; fine'; SELECT 1;
				CREATE FUNCTION two() RETURNS int LANGUAGE plpgsql AS $body$
				BEGIN
				  RETURN 2; -- inside; the body
				END;
				$body$;

				DO $$ BEGIN PERFORM two(); END $$;
				-- the last comment; ends the script
				""");

		List<String> planned = assertPlanIsWhatMigrateSends(database, FerryProcess.against(database).locations(db),
				this.folder);

		assertThat(planned).hasSize(6);
	}

	@Property(tries = 5, seed = "20261130", whenFixedSeed = FixedSeedMode.ALLOW, shrinking = ShrinkingMode.OFF,
			afterFailure = AfterFailureMode.SAMPLE_ONLY)
	void aGeneratedProjectsPlanIsWhatMigrateSends(@ForAll("projects") GeneratedProject project) throws IOException {
		Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "plan-project-");
		TestDatabase database = PostgresServer.get().createDatabase();
		try {
			Scripts scripts = Scripts.in(Files.createDirectories(work.resolve("db")));
			GeneratedProject.write(project.fixed(), scripts);
			FerryProcess ferry = FerryProcess.against(database).locations(scripts.folder());
			for (Setting setting : project.settings()) {
				ferry.env(setting.ferryVariable(), setting.value());
			}
			assertPlanIsWhatMigrateSends(database, ferry, work);
		}
		finally {
			database.drop();
		}
	}

	@Provide
	Arbitrary<GeneratedProject> projects() {
		return Combinators.combine(Arbitraries.of(GeneratedProject.Shape.class).list().ofMinSize(1).ofMaxSize(12),
				Arbitraries.of(true, false), Arbitraries.of(true, false), Arbitraries.of(true, false))
			// Not group: Flyway refuses a group that mixes CREATE INDEX CONCURRENTLY with transactional scripts.
			.as((shapes, mixed, ownSchema, flywayPlaceholder) -> new GeneratedProject(shapes, mixed, false, ownSchema,
					flywayPlaceholder, GeneratedProject.Failure.SYNTAX_ERROR, 0, 0));
	}

	/** Runs plan, then migrate through the recorder; returns the planned statements. */
	private static List<String> assertPlanIsWhatMigrateSends(TestDatabase database, FerryProcess ferry, Path work) {
		FerryRun plan = ferry.run("plan");
		assertThat(plan.exitCode()).as(plan.toString()).isZero();
		List<String> planned = plan.report("$.plan.migrations[*].statements[*].sql");
		List<String> sent = new ArrayList<>();
		SecretMasker masker = new SecretMasker();
		masker.register(TestSecrets.API_DB_PASSWORD);
		try (StatementRecorder recorder = new StatementRecorder(database.server().host(), database.server().port())) {
			FerryRun migrate = ferry
				.env("FERRY_DB_URL", "jdbc:postgresql://127.0.0.1:" + recorder.port() + "/" + database.name())
				.run();
			assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
			recorder.sent().forEach((statement) -> sent.add(masker.mask(statement.sql())));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		int next = 0;
		List<String> unexplained = new ArrayList<>();
		for (String statement : sent) {
			if (next < planned.size() && statement.equals(planned.get(next))) {
				next++;
			}
			else if (HOUSEKEEPING.stream().noneMatch((pattern) -> pattern.matcher(statement).matches())) {
				unexplained.add(statement);
			}
		}
		assertThat(unexplained).as("statements migrate sent that the plan did not list (plan: %s)", planned).isEmpty();
		assertThat(planned.subList(next, planned.size())).as("planned statements migrate did not send, in order")
			.isEmpty();
		assertThat(planned).isNotEmpty();
		return planned;
	}

}
