package dev.ferry.testing;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The check every Ferry run in the tests passes: no secret value in its output, report or summary.
 */
public final class SecretLeaks {

	private SecretLeaks() {
	}

	public static void assertNoneIn(FerryRun run) {
		for (String secret : TestSecrets.all()) {
			assertThat(run.output()).as("Ferry's output").doesNotContain(secret);
			if (run.report() != null) {
				assertThat(run.report()).as("the run report").doesNotContain(secret);
			}
			if (run.summary() != null) {
				assertThat(run.summary()).as("the step summary").doesNotContain(secret);
			}
		}
	}

}
