package dev.ferry.testing;

import com.jayway.jsonpath.JsonPath;

/**
 * What one Ferry process left behind.
 *
 * @param exitCode its exit code
 * @param output its standard output and error, interleaved
 * @param report the JSON run report, if it wrote one
 * @param summary the step-summary Markdown, if it wrote one
 */
public record FerryRun(int exitCode, String output, String report, String summary) {

	public <T> T report(String jsonPath) {
		if (this.report == null) {
			throw new AssertionError("Ferry wrote no report; its output:\n" + this.output);
		}
		return JsonPath.read(this.report, jsonPath);
	}

	@Override
	public String toString() {
		return "exit " + this.exitCode + "\n" + this.output;
	}

}
