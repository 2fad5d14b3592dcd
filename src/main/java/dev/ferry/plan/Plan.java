package dev.ferry.plan;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * What a migrate would do now: the migrations it would run, in order, each with the statements Flyway would send.
 * Every text in it is masked.
 *
 * @param migrations the pending migrations, in the order Flyway runs them
 * @param squawk a note about squawk when it did not lint the scripts ("squawk not on PATH"), else {@code null}
 */
@JsonPropertyOrder({ "migrationCount", "statementCount", "squawk", "migrations" })
public record Plan(List<PlannedMigration> migrations, String squawk) {

	/** The state of Flyway's own step. */
	public static final String FLYWAY = "Flyway";

	/** The migrations, Flyway's own schema creation aside. */
	@JsonProperty
	public int migrationCount() {
		return (int) this.migrations.stream().filter((m) -> !m.byFlyway()).count();
	}

	@JsonProperty
	public int statementCount() {
		return this.migrations.stream().mapToInt(PlannedMigration::statementCount).sum();
	}

	/**
	 * One pending migration.
	 *
	 * @param version its version, {@code null} for a repeatable one
	 * @param description its description
	 * @param script its script (or class, for a Java migration)
	 * @param state Flyway's state for it: Pending or Outdated
	 * @param statements its statements, empty for a Java migration
	 * @param note what else to say about it (a Java migration's statements are not known in advance)
	 * @param findings squawk's findings for its script
	 * @param omitted the statements past the plan's bound, counted, not listed; {@code null} when all are listed
	 */
	@JsonPropertyOrder({ "version", "description", "script", "state", "note", "statements", "omitted", "squawk" })
	public record PlannedMigration(String version, String description, String script, String state,
			List<PlannedStatement> statements, String note, @JsonProperty("squawk") List<SquawkFinding> findings,
			@JsonInclude(Include.NON_NULL) Omitted omitted) {

		/** Its statements, listed or not. */
		public int statementCount() {
			return this.statements.size() + ((this.omitted != null) ? this.omitted.statements() : 0);
		}

		public String label() {
			return byFlyway() ? this.script : ((this.version != null) ? "V" + this.version : "R") + " " + this.script;
		}

		/** Whether this is Flyway's own step (creating the schemas) rather than a migration. */
		public boolean byFlyway() {
			return FLYWAY.equals(this.state);
		}

	}

	/**
	 * The statements of a migration that the plan counts but does not list, so that a script of a million
	 * statements makes a plan of bounded size.
	 *
	 * @param statements how many
	 * @param locks how many of them take each lock, as {@link StatementLock#describe()} says it, most frequent first
	 */
	public record Omitted(int statements, List<LockCount> locks) {

	}

	/**
	 * @param lock the locks, as {@link StatementLock#describe()} says them; {@code other locks} for the rest
	 * @param statements how many omitted statements take them
	 */
	public record LockCount(String lock, int statements) {

	}

	/**
	 * One statement as Flyway would send it.
	 *
	 * @param sql its text, placeholders substituted, secret values masked, cut after
	 * {@value MigrationPlanner#STATEMENT_CHARS} characters
	 * @param lock the locks it takes, which the JSON report shows beside the statement's text
	 */
	public record PlannedStatement(String sql, @JsonUnwrapped StatementLock lock) {

	}

	/**
	 * One finding of squawk's.
	 *
	 * @param rule squawk's rule name
	 * @param level its level (Warning, Error)
	 * @param line the line in the script, counted from 1
	 * @param message what squawk says
	 * @param help squawk's advice, if any
	 */
	public record SquawkFinding(String rule, String level, Integer line, String message, String help) {

	}

}
