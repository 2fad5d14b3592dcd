package dev.ferry.rehearsal;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.ferry.session.RehearsedMigration;

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
@JsonPropertyOrder({ "clone", "sourceCluster", "passed", "verdict", "lockBudgetMs", "blockingMs", "cloneDeleted",
		"migrations" })
public record RehearsalReport(@JsonProperty("clone") String cloneCluster, String sourceCluster, boolean passed, long lockBudgetMs, long blockingMs,
		List<RehearsedMigration> migrations, String verdict, boolean cloneDeleted) {

}
