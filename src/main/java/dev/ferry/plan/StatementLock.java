package dev.ferry.plan;

import java.util.List;
import java.util.stream.Collectors;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.ferry.database.LockMode;

/**
 * The table-level locks one statement takes, according to {@link LockTable}.
 *
 * @param form the statement's form as the table names it, {@code null} when the table does not know it
 * @param locks the locks on relations that exist before the statement, strongest first
 * @param effect what it does to the table's data beyond locking ("rewrites the table", "scans the table"), if
 * anything
 * @param note what else to know (a new relation, a lock that depends on the data), if anything
 */
@JsonPropertyOrder({ "form", "lock", "relation", "rewrites", "effect", "note", "locks" })
public record StatementLock(String form, List<RelationLock> locks, String effect, String note) {

	static final String NOT_KNOWN = "lock not known";

	static final String REWRITES = "rewrites the table";

	static StatementLock unknown() {
		return new StatementLock(null, List.of(), null, NOT_KNOWN);
	}

	public boolean known() {
		return this.form != null;
	}

	@JsonProperty
	public boolean rewrites() {
		return REWRITES.equals(this.effect);
	}

	/** The strongest lock's mode, {@code none}, or {@code lock not known}. */
	@JsonProperty
	public String lock() {
		if (!known()) {
			return NOT_KNOWN;
		}
		return this.locks.isEmpty() ? "none" : this.locks.get(0).mode().label();
	}

	/** The relation the strongest lock is on, if any. */
	@JsonProperty
	public String relation() {
		return this.locks.isEmpty() ? null : this.locks.get(0).relation();
	}

	/** One line for the log and the Markdown: {@code ACCESS EXCLUSIVE on app.user, rewrites the table}. */
	public String describe() {
		if (!known()) {
			return NOT_KNOWN;
		}
		String locked = this.locks.isEmpty() ? "no lock on existing relations" : this.locks.stream()
			.map((lock) -> lock.mode().label() + " on " + lock.relation())
			.collect(Collectors.joining("; "));
		return locked + ((this.effect != null) ? ", " + this.effect : "")
				+ ((this.note != null) ? " (" + this.note + ")" : "");
	}

	/**
	 * A lock on one relation.
	 *
	 * @param mode the lock mode
	 * @param relation the relation as the statement names it
	 */
	@JsonPropertyOrder({ "mode", "relation" })
	public record RelationLock(@JsonIgnore LockMode mode, String relation) {

		@JsonProperty("mode")
		String modeLabel() {
			return this.mode.label();
		}

	}

}
