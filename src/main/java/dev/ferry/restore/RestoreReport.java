package dev.ferry.restore;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;

/**
 * What a restore made and what the rollback costs, as far as it got: the report's {@code restore}, the step summary's
 * rollback section. A run stopped or failed half-way reports the one it had reached, so that whatever was made is
 * named.
 *
 * @param sourceCluster the cluster whose snapshot was restored
 * @param snapshot the snapshot restored
 * @param snapshotTime when the snapshot was taken: every write after it is not in the restored cluster
 * @param writesLostMinutes the minutes between the snapshot and the restore's end: the window of writes the rollback
 * loses
 * @param snapshotSchemaVersion the schema version the snapshot recorded ({@code none} for an empty history), null
 * where it recorded none
 * @param restoredCluster the restored cluster's identifier (before any swap)
 * @param restoredInstance its writer instance's identifier (before any swap)
 * @param reused whether the cluster was a half-made one of an earlier restore of the same snapshot, reused
 * @param endpoint the restored cluster's writer endpoint, once known (after a swap, the source's name's endpoint)
 * @param port its port
 * @param masterUserSecret the ARN of the restored cluster's RDS-managed master user secret, once RDS made it
 * @param restoredSchemaVersion the version the restored schema history ends at, once checked
 * @param verified whether the restored history ends where the snapshot says
 * @param swapped whether the names were swapped
 * @param keptCluster the name the source cluster was renamed to, where a swap renamed it
 * @param swapSteps each rename done, in order
 * @param durationMs how long the restore took
 * @param nextSteps what to do now
 */
@JsonPropertyOrder({ "sourceCluster", "snapshot", "snapshotTime", "writesLostMinutes", "snapshotSchemaVersion",
		"restoredCluster", "restoredInstance", "reused", "endpoint", "port", "masterUserSecret",
		"restoredSchemaVersion", "verified", "swapped", "keptCluster", "swapSteps", "durationMs", "nextSteps" })
@JsonInclude(Include.NON_NULL)
public record RestoreReport(String sourceCluster, String snapshot,
		@JsonSerialize(using = ToStringSerializer.class) Instant snapshotTime, Long writesLostMinutes,
		String snapshotSchemaVersion, String restoredCluster, String restoredInstance, boolean reused, String endpoint,
		Integer port, String masterUserSecret, String restoredSchemaVersion, boolean verified, boolean swapped,
		String keptCluster, List<String> swapSteps, long durationMs, List<String> nextSteps) {

	public RestoreReport {
		swapSteps = (swapSteps != null) ? List.copyOf(swapSteps) : List.of();
		nextSteps = (nextSteps != null) ? List.copyOf(nextSteps) : List.of();
	}

}
