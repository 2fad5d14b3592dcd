package dev.ferry.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.ferry.failure.ExitStatus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exit codes are a contract with the pipelines that branch on them. Ferry's have one source, {@link ExitStatus};
 * {@code ecs/run-migration}'s own (for a task that never ran, for its usage errors) have theirs in the script, its
 * {@code RUN_MIGRATION_EXIT_CODES}. Every copy is rendered from one of them: README's table, the deploy workflow's
 * step summary, the script's list of Ferry's codes, and {@code ecs/README.md}'s table.
 */
@Tag("unit")
class ExitCodeCopiesTest {

	private static final String FERRY_CODES = "ferry-exit-codes";

	private static final String RUN_MIGRATION_CODES = "run-migration-exit-codes";

	private static final Path RUN_MIGRATION = Path.of("ecs", "run-migration");

	private static final Pattern RUN_MIGRATION_TABLE = Pattern
		.compile("(?ms)^RUN_MIGRATION_EXIT_CODES=\\(\\n(.*?)^\\)$");

	private static final Pattern RUN_MIGRATION_ROW = Pattern.compile("^  \\[(\\d+)]='([^']*)'$");

	@Test
	void readmesTableGivesEveryCodeWithItsFullMeaning() {
		GeneratedSection.in("README.md", "exit-codes")
			.assertUpToDate(markdownTable(ferryCodes(ExitStatus::description)));
	}

	@Test
	void theDeployAndRollbackWorkflowsSummariesGiveEveryCodeItsMeaning() {
		for (String workflow : new String[] { ".github/workflows/migrate.yml", ".github/workflows/rollback.yml" }) {
			GeneratedSection.in(workflow, FERRY_CODES).assertUpToDate(summaryCase(ferryCodes(ExitStatus::meaning)));
			GeneratedSection.in(workflow, RUN_MIGRATION_CODES).assertUpToDate(summaryCase(runMigrationCodes()));
		}
	}

	@Test
	void runMigrationKnowsEveryFerryCodeByItsMeaning() {
		StringBuilder rendered = new StringBuilder();
		ferryCodes(ExitStatus::meaning).forEach((code, meaning) -> rendered.append("  [")
			.append(code)
			.append("]=")
			.append(singleQuoted(meaning))
			.append('\n'));
		GeneratedSection.in(RUN_MIGRATION.toString(), FERRY_CODES).assertUpToDate(rendered.toString());
	}

	@Test
	void ecsReadmesTableGivesFerrysCodesAndRunMigrationsOwn() {
		Map<Integer, String> ferry = new LinkedHashMap<>();
		ferryCodes(ExitStatus::meaning).forEach((code, meaning) -> ferry.put(code,
				(code == ExitStatus.SUCCESS.code()) ? meaning : "Ferry: " + meaning));
		GeneratedSection.in("ecs/README.md", FERRY_CODES).assertUpToDate(markdownTable(ferry));
		GeneratedSection.in("ecs/README.md", RUN_MIGRATION_CODES).assertUpToDate(markdownTable(runMigrationCodes()));
	}

	@Test
	void runMigrationsOwnCodesAreNoneOfFerrysNorNextToThem() {
		int highestFerryCode = Arrays.stream(ExitStatus.values()).mapToInt(ExitStatus::code).max().orElseThrow();
		assertThat(runMigrationCodes().keySet()).as("ecs/run-migration's own exit codes")
			.isNotEmpty()
			.allSatisfy((code) -> assertThat(code)
				.as("leaves room for Ferry's next codes above %d", highestFerryCode)
				.isGreaterThan(highestFerryCode + 5));
	}

	private static Map<Integer, String> ferryCodes(Function<ExitStatus, String> text) {
		return Arrays.stream(ExitStatus.values())
			.collect(Collectors.toMap(ExitStatus::code, text, (a, b) -> a, LinkedHashMap::new));
	}

	/** The script's RUN_MIGRATION_EXIT_CODES, in its order: {@code [20]='no task placed ...'} a line. */
	private static Map<Integer, String> runMigrationCodes() {
		String script = read(RUN_MIGRATION);
		Matcher table = RUN_MIGRATION_TABLE.matcher(script);
		assertThat(table.find()).as("%s has a RUN_MIGRATION_EXIT_CODES=( ... ) table", RUN_MIGRATION).isTrue();
		Map<Integer, String> codes = new LinkedHashMap<>();
		for (String line : table.group(1).split("\n")) {
			Matcher row = RUN_MIGRATION_ROW.matcher(line);
			assertThat(row.matches()).as("a row of %s's RUN_MIGRATION_EXIT_CODES: [CODE]='meaning'", RUN_MIGRATION)
				.withFailMessage("not a row [CODE]='meaning' (no ' in the meaning): %s", line)
				.isTrue();
			codes.put(Integer.valueOf(row.group(1)), row.group(2));
		}
		return codes;
	}

	private static String markdownTable(Map<Integer, String> codes) {
		StringBuilder table = new StringBuilder("| Code | Meaning |\n| --- | --- |\n");
		codes.forEach((code, meaning) -> {
			assertThat(meaning).as("meaning of %d, in a Markdown table", code).doesNotContain("|", "\n");
			table.append("| ").append(code).append(" | ").append(meaning).append(" |\n");
		});
		return table.toString();
	}

	/** Lines of the step summary's {@code case "$EXIT_CODE" in}. */
	private static String summaryCase(Map<Integer, String> codes) {
		StringBuilder lines = new StringBuilder();
		codes.forEach((code, meaning) -> lines.append("            ")
			.append(code)
			.append(") meaning=")
			.append(singleQuoted(meaning))
			.append(" ;;\n"));
		return lines.toString();
	}

	private static String singleQuoted(String text) {
		assertThat(text).as("a meaning copied into shell in single quotes").doesNotContain("'", "\n");
		return "'" + text + "'";
	}

	private static String read(Path file) {
		try {
			return Files.readString(file, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
