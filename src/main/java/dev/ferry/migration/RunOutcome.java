package dev.ferry.migration;

import dev.ferry.FerryException;
import dev.ferry.plan.Plan;
import org.flywaydb.core.api.MigrationInfoService;

/**
 * How one run ended: what it did, or why it failed.
 *
 * @param kind what happened
 * @param message one sentence saying so
 * @param info Flyway's view of the migrations at the end, if it was read
 * @param schemaVersion the schema's version at the end, if known
 * @param failure why the run failed, with its exit status; {@code null} on success
 * @param cause the exception behind the failure, for the failing line and SQLSTATE
 * @param plan what migrate would run, for the plan command
 */
record RunOutcome(Kind kind, String message, MigrationInfoService info, String schemaVersion, FerryException failure,
		Throwable cause, Plan plan) {

	static RunOutcome of(Kind kind, String message, MigrationInfoService info) {
		return new RunOutcome(kind, message, info, MigrationPlan.schemaVersion(info), null, null, null);
	}

	static RunOutcome failed(FerryException failure, Throwable cause) {
		return new RunOutcome(Kind.FAILED, failure.getMessage(), null, null, failure, cause, null);
	}

	RunOutcome with(Plan plan) {
		return new RunOutcome(this.kind, this.message, this.info, this.schemaVersion, this.failure, this.cause, plan);
	}

	boolean succeeded() {
		return this.failure == null;
	}

	/** What happened, as the report's {@code outcome} names it. */
	enum Kind {

		APPLIED("applied"), UP_TO_DATE("up to date"), OK("ok"), FAILED("failed");

		private final String label;

		Kind(String label) {
			this.label = label;
		}

		String label() {
			return this.label;
		}

	}

}
