package dev.ferry.session;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

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
@JsonPropertyOrder({ "version", "description", "script", "succeeded", "durationMs", "blockingMs", "locks" })
public record RehearsedMigration(String version, String description, String script, long durationMs,
		boolean succeeded, List<HeldLock> locks) {

	/** The longest it blocked writes to any relation, 0 if it never did. */
	@JsonProperty
	public long blockingMs() {
		return this.locks.stream().filter(HeldLock::blocksWrites).mapToLong(HeldLock::heldMs).max().orElse(0);
	}

	public String label() {
		return ((this.version != null) ? "V" + this.version : "R") + " \"" + this.description + "\" (" + this.script
				+ ")";
	}

}
