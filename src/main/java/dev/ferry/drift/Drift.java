package dev.ferry.drift;

import java.util.Locale;

/**
 * One object of the managed schemas that differs from what Ferry last recorded.
 *
 * @param object the object, such as {@code column app.app_user.email}
 * @param change whether it was added, removed or changed since the record
 * @param before its recorded description; none for an added object
 * @param after its live description; none for a removed object
 */
public record Drift(String object, Change change, String before, String after) {

	/** One readable line: {@code column app.app_user.email: text -> character varying(100)}. */
	public String describe() {
		return switch (this.change) {
			case ADDED -> this.object + " added: " + this.after;
			case REMOVED -> this.object + " removed (was: " + this.before + ")";
			case CHANGED -> this.object + ": " + this.before + " -> " + this.after;
		};
	}

	/** How an object differs from the record. */
	public enum Change {

		ADDED, REMOVED, CHANGED;

		public String id() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

}
