package dev.ferry.rehearsal;

import java.util.List;

/**
 * What the rehearsal on a clone of production found: per migration its duration on production-sized data and the
 * locks it held on existing relations, and the time the application's writes would have waited in production.
 *
 * @param cloneCluster the clone's cluster identifier
 * @param sourceCluster the cluster it was cloned from
 * @param passed whether production may be migrated
 * @param lockBudgetMs the longest a migration may hold a lock that blocks writes
 * @param blockingMs the total time production's writes would be blocked, migration after migration
 * @param migrations the rehearsed migrations in order, the failed one last
 * @param verdict one sentence: why the rehearsal passed or failed
 * @param cloneDeleted whether the clone was deleted afterwards
 */
public record RehearsalReport(String cloneCluster, String sourceCluster, boolean passed, long lockBudgetMs, long blockingMs,
		List<RehearsedMigration> migrations, String verdict, boolean cloneDeleted) {

	/**
	 * One migration as it ran on the clone.
	 *
	 * @param version its version, none for a repeatable one
	 * @param description its description
	 * @param script its script
	 * @param durationMs how long it ran
	 * @param succeeded whether it succeeded
	 * @param locks the strongest lock it held on each existing relation, SHARE UPDATE EXCLUSIVE or stronger, longest
	 * first
	 */
	public record RehearsedMigration(String version, String description, String script, long durationMs,
			boolean succeeded, List<HeldLock> locks) {

		/** The longest it blocked writes to any relation, 0 if it never did. */
		public long blockingMs() {
			return this.locks.stream().filter(HeldLock::blocksWrites).mapToLong(HeldLock::heldMs).max().orElse(0);
		}

		public String label() {
			return ((this.version != null) ? "V" + this.version : "R") + " \"" + this.description + "\" (" + this.script
					+ ")";
		}

	}

	/**
	 * A lock a migration held.
	 *
	 * @param relation the relation, schema-qualified
	 * @param mode PostgreSQL's name for the mode, such as ACCESS EXCLUSIVE
	 * @param blocksWrites whether the mode blocks the application's inserts, updates and deletes (SHARE and
	 * stronger)
	 * @param heldMs how long it was held
	 */
	public record HeldLock(String relation, String mode, boolean blocksWrites, long heldMs) {

	}

}
