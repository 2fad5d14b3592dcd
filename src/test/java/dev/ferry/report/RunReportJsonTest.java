package dev.ferry.report;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.database.LockMode;
import dev.ferry.drift.Drift;
import dev.ferry.drift.DriftFindings;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.plan.Plan;
import dev.ferry.plan.Plan.PlannedMigration;
import dev.ferry.plan.Plan.PlannedStatement;
import dev.ferry.plan.Plan.SquawkFinding;
import dev.ferry.plan.StatementLock;
import dev.ferry.plan.StatementLock.RelationLock;
import dev.ferry.rehearsal.RehearsalReport;
import dev.ferry.run.RunRecord;
import dev.ferry.run.RunRecord.AppliedMigration;
import dev.ferry.run.RunRecord.Kind;
import dev.ferry.run.RunRecord.Outcome;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.session.Blocker;
import dev.ferry.session.HeldLock;
import dev.ferry.session.RehearsedMigration;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * The JSON run report is a contract users' pipelines read with jq: each key, its nesting, and when a key is there
 * at all (null and absent differ), pinned for every kind of run. Texts are masked value by value.
 */
@Tag("unit")
class RunReportJsonTest {

	private static final String SECRET = "s3cr3t-Pa55word";

	private static final String QUOTED_SECRET = "pa\"ss\\word-9";

	private static final Instant STARTED = Instant.parse("2026-05-04T10:15:30.123Z");

	private static final Instant ENDED = STARTED.plusMillis(1234);

	private final ObjectMapper mapper = new ObjectMapper();

	private final RunReportWriter writer = new RunReportWriter(masker());

	@Test
	void aSuccessfulMigrateHasItsMigrationsAndNoErrorRehearsalPlanOrDrift() throws Exception {
		RunRecord record = started("migrate");
		record.snapshotTaken("ferry-prod-20260504",
				"FERRY_COMMAND=restore FERRY_ALLOW_RESTORE=true FERRY_RESTORE_SNAPSHOT_ID=ferry-prod-20260504");
		record.applied(new AppliedMigration("2", "add email", "V2__add_email.sql", "SQL", 1234567, 42));
		record.applied(new AppliedMigration(null, "grants for " + SECRET, "R__grants.sql", "SQL", null, 7));
		record.finished(new Outcome(Kind.APPLIED, "Applied 2 migrations"), info());

		assertJson(RunReport.of(record, null, null, null, ENDED), """
				{
				  "command": "migrate", "environment": "prod", "database": "jdbc:postgresql://db:5432/app",
				  "startedAt": "2026-05-04T10:15:30.123Z", "durationMs": 1234, "outcome": "applied",
				  "message": "Applied 2 migrations", "exitCode": 0, "schemaVersion": "2",
				  "snapshot": "ferry-prod-20260504",
				  "rollback": "FERRY_COMMAND=restore FERRY_ALLOW_RESTORE=true FERRY_RESTORE_SNAPSHOT_ID=ferry-prod-20260504",
				  "applied": [
				    {"version": "2", "description": "add email", "script": "V2__add_email.sql", "type": "SQL",
				     "checksum": 1234567, "durationMs": 42},
				    {"version": null, "description": "grants for ****", "script": "R__grants.sql", "type": "SQL",
				     "checksum": null, "durationMs": 7}
				  ],
				  "pending": [
				    {"version": "3", "description": "add index", "script": "V3__add_index.sql", "state": "Pending",
				     "checksum": 99}
				  ]
				}
				""");
	}

	@Test
	void aLockTimeoutNamesItsScriptLineAndBlockersWithSecretsMasked() throws Exception {
		RunRecord record = started("migrate");
		record.migrationFailed(migration("4", "lock users", "V4__lock_users.sql", MigrationState.FAILED, 5));
		record.blockedBy(List.of(
				new Blocker(4242, "app_user", "api", "idle in transaction", 35000L, 34000L, null,
						"UPDATE users SET password = '" + SECRET + "'"),
				new Blocker(0, null, null, null, null, null, "Lock:relation", null)));
		FerryException failure = new FerryException(ExitStatus.LOCK_TIMEOUT,
				"V4__lock_users.sql waited for a lock held by \"" + QUOTED_SECRET + "\"");

		assertJson(RunReport.of(record, failure, 3, "55P03", ENDED), """
				{
				  "command": "migrate", "environment": "prod", "database": "jdbc:postgresql://db:5432/app",
				  "startedAt": "2026-05-04T10:15:30.123Z", "durationMs": 1234, "outcome": "failed",
				  "message": "V4__lock_users.sql waited for a lock held by \\"****\\"", "exitCode": 7,
				  "schemaVersion": null, "snapshot": null, "applied": [], "pending": [],
				  "error": {
				    "status": "lock timeout",
				    "message": "V4__lock_users.sql waited for a lock held by \\"****\\"",
				    "script": "V4__lock_users.sql", "line": 3, "sqlState": "55P03",
				    "blockers": [
				      {"pid": 4242, "user": "app_user", "applicationName": "api", "state": "idle in transaction",
				       "stateAgeMs": 34000, "transactionAgeMs": 35000, "waitEvent": null,
				       "query": "UPDATE users SET password = '****'"},
				      {"pid": 0, "user": null, "applicationName": null, "state": null, "stateAgeMs": null,
				       "transactionAgeMs": null, "waitEvent": "Lock:relation", "query": null}
				    ]
				  }
				}
				""");
	}

	@Test
	void aFailureThatWaitedOnNoOneHasNoBlockersKey() throws Exception {
		RunRecord record = new RunRecord(STARTED);
		record.blockedBy(List.of(new Blocker(1, "u", "a", "active", null, 1L, null, "SELECT 1")));
		FerryException failure = new FerryException(ExitStatus.CONFIGURATION_INVALID, "FERRY_DB_URL is no URL");

		assertJson(RunReport.of(record, failure, null, null, ENDED), """
				{
				  "command": "unknown", "environment": "unnamed", "database": "unknown",
				  "startedAt": "2026-05-04T10:15:30.123Z", "durationMs": 1234, "outcome": "failed",
				  "message": "FERRY_DB_URL is no URL", "exitCode": 2, "schemaVersion": null, "snapshot": null,
				  "applied": [], "pending": [],
				  "error": {"status": "configuration invalid", "message": "FERRY_DB_URL is no URL", "script": null,
				            "line": null, "sqlState": null}
				}
				""");
	}

	@Test
	void aRehearsalIsReportedWithItsCloneAndTheLocksEachMigrationHeld() throws Exception {
		RunRecord record = started("migrate");
		record.rehearsed(new RehearsalReport("ferry-rehearsal-prod", "prod-cluster", false, 2000, 5300,
				List.of(new RehearsedMigration("5", "backfill", "V5__backfill.sql", 900, true,
						List.of(new HeldLock("app.users", "SHARE UPDATE EXCLUSIVE", false, 800))),
						new RehearsedMigration(null, "rewrite", "R__rewrite.sql", 6000, false,
								List.of(new HeldLock("app.orders", "ACCESS EXCLUSIVE", true, 5300),
										new HeldLock("app.users", "SHARE", true, 100)))),
				"R__rewrite.sql would block writes to app.orders for 5300 ms", true));
		FerryException failure = new FerryException(ExitStatus.REHEARSAL_FAILED, "The rehearsal failed");

		assertJson(RunReport.of(record, failure, null, null, ENDED), """
				{
				  "command": "migrate", "environment": "prod", "database": "jdbc:postgresql://db:5432/app",
				  "startedAt": "2026-05-04T10:15:30.123Z", "durationMs": 1234, "outcome": "failed",
				  "message": "The rehearsal failed", "exitCode": 9, "schemaVersion": null, "snapshot": null,
				  "applied": [], "pending": [],
				  "rehearsal": {
				    "clone": "ferry-rehearsal-prod", "sourceCluster": "prod-cluster", "passed": false,
				    "verdict": "R__rewrite.sql would block writes to app.orders for 5300 ms", "lockBudgetMs": 2000,
				    "blockingMs": 5300, "cloneDeleted": true,
				    "migrations": [
				      {"version": "5", "description": "backfill", "script": "V5__backfill.sql", "succeeded": true,
				       "durationMs": 900, "blockingMs": 0,
				       "locks": [{"relation": "app.users", "mode": "SHARE UPDATE EXCLUSIVE", "blocksWrites": false,
				                  "heldMs": 800}]},
				      {"version": null, "description": "rewrite", "script": "R__rewrite.sql", "succeeded": false,
				       "durationMs": 6000, "blockingMs": 5300,
				       "locks": [{"relation": "app.orders", "mode": "ACCESS EXCLUSIVE", "blocksWrites": true,
				                  "heldMs": 5300},
				                 {"relation": "app.users", "mode": "SHARE", "blocksWrites": true, "heldMs": 100}]}
				    ]
				  },
				  "error": {"status": "rehearsal failed", "message": "The rehearsal failed", "script": null,
				            "line": null, "sqlState": null}
				}
				""");
	}

	@Test
	void aPlanHasItsStatementsTheirLocksAndSquawksFindings() throws Exception {
		RunRecord record = started("plan");
		record.planned(new Plan(List.of(
				new PlannedMigration(null, "Create schema \"app\"", "Create schema \"app\"", Plan.FLYWAY, List.of(),
						null, List.of(), null),
				new PlannedMigration("6", "users", "V6__users.sql", "Pending", List.of(
						new PlannedStatement("ALTER TABLE app.users ALTER COLUMN id TYPE bigint",
								new StatementLock("ALTER TABLE ... ALTER COLUMN ... TYPE",
										List.of(new RelationLock(LockMode.ACCESS_EXCLUSIVE, "app.users"),
												new RelationLock(LockMode.SHARE_ROW_EXCLUSIVE, "app.orders")),
										"rewrites the table", null)),
						new PlannedStatement("CREATE TABLE app.t (id int)",
								new StatementLock("CREATE TABLE", List.of(), null, "a new relation")),
						new PlannedStatement("CREATE ROLE r PASSWORD '" + SECRET + "'",
								new StatementLock(null, List.of(), null, "lock not known"))),
						null,
						List.of(new SquawkFinding("changing-column-type", "Warning", 1, "Changing a column type",
								"Add a new column instead."),
								new SquawkFinding("ban-drop-table", "Error", null, "Dropping a table", null)),
						null),
				new PlannedMigration(null, "java thing", "dev.app.R__Thing", "Outdated", List.of(),
						"a Java migration's statements are not known in advance", List.of(), null)),
				"squawk not on PATH"));
		record.finished(new Outcome(Kind.OK, "Migrate would run 2 migrations"), null);

		assertJson(RunReport.of(record, null, null, null, ENDED), """
				{
				  "command": "plan", "environment": "prod", "database": "jdbc:postgresql://db:5432/app",
				  "startedAt": "2026-05-04T10:15:30.123Z", "durationMs": 1234, "outcome": "ok",
				  "message": "Migrate would run 2 migrations", "exitCode": 0, "schemaVersion": null,
				  "snapshot": null, "applied": [], "pending": [],
				  "plan": {
				    "migrationCount": 2, "statementCount": 3, "squawk": "squawk not on PATH",
				    "migrations": [
				      {"version": null, "description": "Create schema \\"app\\"", "script": "Create schema \\"app\\"",
				       "state": "Flyway", "note": null, "statements": [], "squawk": []},
				      {"version": "6", "description": "users", "script": "V6__users.sql", "state": "Pending",
				       "note": null,
				       "statements": [
				         {"sql": "ALTER TABLE app.users ALTER COLUMN id TYPE bigint",
				          "form": "ALTER TABLE ... ALTER COLUMN ... TYPE", "lock": "ACCESS EXCLUSIVE",
				          "relation": "app.users", "rewrites": true, "effect": "rewrites the table", "note": null,
				          "locks": [{"mode": "ACCESS EXCLUSIVE", "relation": "app.users"},
				                    {"mode": "SHARE ROW EXCLUSIVE", "relation": "app.orders"}]},
				         {"sql": "CREATE TABLE app.t (id int)", "form": "CREATE TABLE", "lock": "none",
				          "relation": null, "rewrites": false, "effect": null, "note": "a new relation",
				          "locks": []},
				         {"sql": "CREATE ROLE r PASSWORD '****'", "form": null, "lock": "lock not known",
				          "relation": null, "rewrites": false, "effect": null, "note": "lock not known",
				          "locks": []}
				       ],
				       "squawk": [
				         {"rule": "changing-column-type", "level": "Warning", "line": 1,
				          "message": "Changing a column type", "help": "Add a new column instead."},
				         {"rule": "ban-drop-table", "level": "Error", "line": null, "message": "Dropping a table",
				          "help": null}
				       ]},
				      {"version": null, "description": "java thing", "script": "dev.app.R__Thing", "state": "Outdated",
				       "note": "a Java migration's statements are not known in advance", "statements": [],
				       "squawk": []}
				    ]
				  }
				}
				""");
	}

	@Test
	void aDriftCheckListsEachDriftedObject() throws Exception {
		RunRecord record = started("validate");
		record.driftChecked(new DriftFindings(true, false, "drift: 3 objects changed since Ferry's last run",
				List.of(new Drift("column app.users.email", Drift.Change.CHANGED, "text", "character varying(100)"),
						new Drift("index app.users_secret", Drift.Change.ADDED, null, "WHERE token <> '" + SECRET + "'"),
						new Drift("table app.old", Drift.Change.REMOVED, "table", null))));
		FerryException failure = new FerryException(ExitStatus.DRIFT, "The schema drifted");

		assertJson(RunReport.of(record, failure, null, null, ENDED), """
				{
				  "command": "validate", "environment": "prod", "database": "jdbc:postgresql://db:5432/app",
				  "startedAt": "2026-05-04T10:15:30.123Z", "durationMs": 1234, "outcome": "failed",
				  "message": "The schema drifted", "exitCode": 10, "schemaVersion": null, "snapshot": null,
				  "applied": [], "pending": [],
				  "error": {"status": "drift", "message": "The schema drifted", "script": null, "line": null,
				            "sqlState": null},
				  "driftCheck": "drift: 3 objects changed since Ferry's last run",
				  "drift": [
				    {"object": "column app.users.email", "change": "changed", "before": "text",
				     "after": "character varying(100)",
				     "line": "column app.users.email: text -> character varying(100)"},
				    {"object": "index app.users_secret", "change": "added", "before": null,
				     "after": "WHERE token <> '****'", "line": "index app.users_secret added: WHERE token <> '****'"},
				    {"object": "table app.old", "change": "removed", "before": "table", "after": null,
				     "line": "table app.old removed (was: table)"}
				  ]
				}
				""");
	}

	@Test
	void aDriftCheckThatDidNotCompareHasItsReasonAndNoDriftedObjects() throws Exception {
		RunRecord record = started("validate");
		record.driftChecked(DriftFindings.notCompared("no record of the schema yet"));
		record.finished(new Outcome(Kind.OK, "Validated"), null);

		assertJson(RunReport.of(record, null, null, null, ENDED), """
				{
				  "command": "validate", "environment": "prod", "database": "jdbc:postgresql://db:5432/app",
				  "startedAt": "2026-05-04T10:15:30.123Z", "durationMs": 1234, "outcome": "ok",
				  "message": "Validated", "exitCode": 0, "schemaVersion": null, "snapshot": null,
				  "applied": [], "pending": [], "driftCheck": "no record of the schema yet", "drift": []
				}
				""");
	}

	private void assertJson(RunReport report, String expected) throws Exception {
		String json = this.writer.json(report);
		assertThat(json).doesNotContain(SECRET).doesNotContain("word-9");
		JsonNode actual = this.mapper.readTree(json);
		assertThat(actual).isEqualTo(this.mapper.readTree(expected));
	}

	@Test
	void aHugeRunStaysUnderGitHubsStepSummaryLimitAndItsJsonTextsAreCutAfterMaskingWithANote() throws Exception {
		RunRecord record = started("migrate");
		String longDescription = "d".repeat(3000);
		for (int i = 1; i <= 20_000; i++) {
			record.applied(new AppliedMigration(String.valueOf(i), longDescription, "V" + i + "__x.sql", "SQL", i, 1));
		}
		record.finished(new Outcome(Kind.APPLIED, "Applied 20000 migrations"), info());
		// A failing 10 MB statement in Flyway's message, with the secret where the cut falls.
		String statement = "x".repeat(RunReportWriter.MAX_TEXT_CHARS - 5) + SECRET + "y".repeat(10 * 1024 * 1024);
		RunReport report = RunReport.of(record, new FerryException(ExitStatus.MIGRATION_FAILED, statement), 1, "42601",
				ENDED);

		String markdown = RunReportWriter.bounded(this.writer.markdown(report), RunReportWriter.STEP_SUMMARY_BYTES);
		JsonNode json = this.mapper.readTree(this.writer.json(report));

		assertThat(markdown.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
			.isLessThanOrEqualTo((int) RunReportWriter.STEP_SUMMARY_BYTES);
		assertThat(markdown).contains(" more not shown; the JSON report lists them all")
			.doesNotContain(SECRET.substring(0, 6));
		assertThat(json.at("/applied").size()).isEqualTo(20_000);
		assertThat(json.at("/error/message").asText()).hasSizeLessThan(RunReportWriter.MAX_TEXT_CHARS + 100)
			.endsWith(" more characters not shown)")
			.doesNotContain(SECRET.substring(0, 6));
	}

	@Test
	void aSummaryTooLongIsCutAtALineWithItsCodeFenceClosedAndANoteUnderTheRoomLeftInTheFile() {
		String markdown = "# title\n\n```sql\n" + "SELECT 'caf\u00e9';\n".repeat(100_000) + "```\n";

		String bounded = RunReportWriter.bounded(markdown, 10_000);

		assertThat(bounded.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(10_000);
		assertThat(bounded).startsWith("# title").contains("SELECT 'caf\u00e9';\n```\n\n_... the rest of this summary")
			.doesNotContain("\uFFFD");
		assertThat(RunReportWriter.bounded("short\n", 10_000)).isEqualTo("short\n");
		assertThat(RunReportWriter.bounded(markdown, 10)).isEmpty();
	}

	private static SecretMasker masker() {
		SecretMasker masker = new SecretMasker();
		masker.register(SECRET);
		masker.register(QUOTED_SECRET);
		return masker;
	}

	private static RunRecord started(String command) {
		RunRecord record = new RunRecord(STARTED);
		record.started(command, "prod", "jdbc:postgresql://db:5432/app", null, null);
		return record;
	}

	/** Flyway's view at the end: V2 applied, V3 pending. */
	private static MigrationInfoService info() {
		MigrationInfo applied = migration("2", "add email", "V2__add_email.sql", MigrationState.SUCCESS, 1234567);
		MigrationInfo pending = migration("3", "add index", "V3__add_index.sql", MigrationState.PENDING, 99);
		MigrationInfoService info = mock(MigrationInfoService.class);
		given(info.all()).willReturn(new MigrationInfo[] { applied, pending });
		given(info.current()).willReturn(applied);
		return info;
	}

	private static MigrationInfo migration(String version, String description, String script,
			MigrationState state, Integer checksum) {
		MigrationInfo migration = mock(MigrationInfo.class);
		given(migration.getVersion()).willReturn(MigrationVersion.fromVersion(version));
		given(migration.getDescription()).willReturn(description);
		given(migration.getScript()).willReturn(script);
		given(migration.getState()).willReturn(state);
		given(migration.getChecksum()).willReturn(checksum);
		return migration;
	}

}
