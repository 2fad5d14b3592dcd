package dev.ferry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.ferry.failure.ExitStatus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exit codes are a contract with pipelines: every code Ferry can exit with is in README's table and in the meaning
 * the deploy workflow's step summary prints.
 */
class ExitStatusDocumentationTest {

	@Test
	void everyExitCodeHasARowInTheReadmesTable() throws IOException {
		String readme = Files.readString(Path.of("README.md"));
		String table = readme.substring(readme.indexOf("## Exit codes"));
		table = table.substring(0, table.indexOf("\n## ", 1));
		for (ExitStatus status : ExitStatus.values()) {
			assertThat(table).as("README's exit-code table, code " + status.code())
				.containsPattern("(?m)^\\| " + status.code() + " \\| ");
		}
	}

	@Test
	void everyExitCodeHasAMeaningInTheMigrationWorkflowsSummary() throws IOException {
		String workflow = Files.readString(Path.of(".github", "workflows", "migrate.yml"));
		for (ExitStatus status : ExitStatus.values()) {
			assertThat(workflow).as("migrate.yml's step summary, code " + status.code())
				.containsPattern("(?m)^ +" + status.code() + "\\) meaning=\"");
		}
	}

}
