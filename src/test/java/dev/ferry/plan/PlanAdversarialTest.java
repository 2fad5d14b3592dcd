package dev.ferry.plan;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.failure.ExitStatus;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import dev.ferry.testing.TestSecrets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code plan} against hostile scripts: each ends with a clear exit code, output of bounded size (a step summary
 * GitHub takes, a report of valid JSON under its documented size, no log line per statement) and no secret, whole or
 * in part. Every run is checked for the whole secret values by {@link FerryProcess} already. The two cases that take
 * long run in {@code -Pfaults}.
 */
class PlanAdversarialTest {

	private static final String SECRET = TestSecrets.API_DB_PASSWORD;

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	@Test
	void hostileButValidScriptsArePlannedWithBoundedOutputAndNoPieceOfASecret() {
		String identifier = "t" + "x".repeat(20_000);
		// The secret straddles the point where the plan cuts a long statement's text.
		String padding = "-".repeat(MigrationPlanner.STATEMENT_CHARS - 40);
		Scripts.in(this.folder)
			.write("V1__huge_identifier.sql", "CREATE TABLE " + identifier + " (id int);\n"
					+ ("ALTER TABLE " + identifier + " ADD COLUMN c int;\n").repeat(300))
			.write("V2__secret_at_the_cut.sql", "CREATE TABLE s (v text);\nINSERT INTO s VALUES ('" + padding
					+ "${api_db_password}');\n")
			.write("V3__unterminated_dollar_quote.sql", "CREATE TABLE d (id int);\n"
					+ "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; DROP TABLE d;\n")
			.write("V4__unterminated_comment.sql", "/* a comment never closed\nDROP TABLE s;\n");

		FerryRun plan = plan();

		assertThat(plan.exitCode()).as(plan.output()).isZero();
		assertBoundedWithoutAPieceOfTheSecret(plan);
		// 300 statements on a 20,000-character name (PostgreSQL keeps 63 bytes): 200 listed, the rest counted, the
		// name cut everywhere.
		assertThat(plan.<Integer>report("$.plan.migrations[0].statements.length()"))
			.isEqualTo(MigrationPlanner.STATEMENTS_LISTED_PER_MIGRATION);
		assertThat(plan.<Integer>report("$.plan.migrations[0].omitted.statements")).isEqualTo(101);
		assertThat(plan.summary()).doesNotContain("x".repeat(PlanReport.MARKDOWN_STATEMENT_CHARS));
		assertThat(plan.<String>report("$.plan.migrations[0].statements[1].relation"))
			.hasSizeLessThan(PlanReport.NAME_CHARS + 50)
			.endsWith(" more characters not shown)");
		assertThat(plan.output().lines()).allMatch((line) -> line.length() < 10_000);
		// The unterminated dollar quote runs to the end of the script: one statement, as Flyway reads it.
		assertThat(plan.<List<String>>report("$.plan.migrations[2].statements[*].sql")).hasSize(2)
			.last()
			.asString()
			.startsWith("CREATE FUNCTION f()")
			.endsWith("DROP TABLE d;");
		// A comment never closed holds the rest of its script: no statement, said so.
		assertThat(plan.<String>report("$.plan.migrations[3].note")).isEqualTo("no statements");
	}

	@Test
	void aScriptThatIsNotUtf8IsRefusedWithExitFiveNamingIt() throws IOException {
		Files.write(this.folder.resolve("V1__latin1.sql"),
				"INSERT INTO t VALUES ('caf\u00e9 ${api_db_password}');\n".getBytes(StandardCharsets.ISO_8859_1));

		FerryRun plan = plan();

		assertThat(plan.exitCode()).as(plan.output()).isEqualTo(ExitStatus.VALIDATION_FAILED.code());
		assertThat(plan.<String>report("$.message")).contains("V1__latin1.sql").contains("not valid UTF-8");
		assertBoundedWithoutAPieceOfTheSecret(plan);
	}

	@Test
	@Tag("fault")
	void aMillionStatementsAndATenMegabyteStatementArePlannedInBoundedOutput() throws IOException {
		try (BufferedWriter script = Files.newBufferedWriter(this.folder.resolve("V1__million.sql"))) {
			for (int i = 0; i < 1_000_000; i++) {
				script.write("SELECT " + i + ";\n");
			}
		}
		Scripts.in(this.folder)
			.write("V2__ten_megabytes.sql", "CREATE TABLE big (v text);\nINSERT INTO big VALUES ('"
					+ "y".repeat(10 * 1024 * 1024) + "${api_db_password}');\n");

		FerryRun plan = plan();

		assertThat(plan.exitCode()).as(plan.output()).isZero();
		assertBoundedWithoutAPieceOfTheSecret(plan);
		assertThat(plan.<Integer>report("$.plan.statementCount")).isEqualTo(1_000_002);
		assertThat(plan.<Integer>report("$.plan.migrations[0].omitted.statements")).isEqualTo(999_800);
		assertThat(plan.<String>report("$.plan.migrations[1].statements[1].sql"))
			.endsWith(" more characters not shown)");
		assertThat(plan.output()).contains("999,800 more statements not listed");
	}

	private FerryRun plan() {
		return FerryProcess.against(this.database).locations(this.folder).timeout(Duration.ofMinutes(3)).run("plan");
	}

	private static void assertBoundedWithoutAPieceOfTheSecret(FerryRun run) {
		assertThat(run.summary().getBytes(StandardCharsets.UTF_8).length).as("the step summary's bytes")
			.isLessThan(1024 * 1024);
		assertThat(run.report().length()).as("the report's size").isLessThan(2 * 1024 * 1024);
		assertThat(run.output().lines().count()).as("the log's lines").isLessThan(1000);
		try {
			new ObjectMapper().readTree(run.report());
		}
		catch (IOException ex) {
			throw new AssertionError("the report is not valid JSON", ex);
		}
		String half = SECRET.substring(0, SECRET.length() / 2);
		for (String output : new String[] { run.output(), run.report(), run.summary() }) {
			assertThat(output).doesNotContain(half);
		}
	}

}
