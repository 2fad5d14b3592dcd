package dev.ferry;

import com.jayway.jsonpath.JsonPath;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One JSON object per line where CloudWatch reads the logs, human text elsewhere.
 */
class LogFormatTest {

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@Test
	void jsonFormatPrintsOneJsonObjectPerLine() {
		FerryRun run = FerryProcess.against(this.database).env("FERRY_LOG_FORMAT", "json").run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.output().lines()).hasSizeGreaterThan(6).allSatisfy((line) -> {
			assertThat(line).startsWith("{").endsWith("}");
			assertThat(JsonPath.<String>read(line, "$.message")).isNotBlank();
		});
		assertThat(run.output()).contains("\"message\":\"Applied V1 \\\"access management schema\\\"");
	}

	@Test
	void aSettingThatStopsTheRunBeforeItStartsIsReportedInJsonToo() {
		FerryRun run = FerryProcess.against(this.database).env("FERRY_LOG_FORMAT", "json")
			.env("FERRY_LOCK_TIMEOUTT", "5s")
			.run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.output().lines()).isNotEmpty()
			.allSatisfy((line) -> assertThat(line).startsWith("{").endsWith("}"));
		assertThat(run.output()).contains("did you mean FERRY_LOCK_TIMEOUT?");
	}

	@Test
	void insideAnEcsTaskJsonIsTheDefault() {
		FerryRun run = FerryProcess.against(this.database)
			.env("ECS_CONTAINER_METADATA_URI_V4", "http://169.254.170.2/v4/never-called")
			.run("info");

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.output().lines()).isNotEmpty()
			.allSatisfy((line) -> assertThat(line).startsWith("{\"@timestamp\""));
		assertThat(run.output()).contains("\"message\":\"Ferry info on ");
	}

	@Test
	void textFormatIsTheDefaultElsewhere() {
		FerryRun run = FerryProcess.against(this.database).run("info");

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(run.output().lines()).isNotEmpty().allSatisfy((line) -> assertThat(line).doesNotStartWith("{"));
		assertThat(run.output()).contains(" INFO Ferry info on ");
	}

}
