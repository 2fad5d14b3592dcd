package dev.ferry.drift;

import java.util.Locale;

/**
 * One object of the managed schemas that differs from what Ferry last recorded. An object that can hold data (a
 * default, a check, a view's body: see {@link CatalogDescription}) is known only by its keyed digest, so its line
 * says that it changed, never what it was or is.
 *
 * @param object the object, such as {@code column app.app_user.email} or {@code default of column app.app_user.email}
 * @param change whether it was added, removed or changed since the record
 * @param before its recorded description; none for an added object or one that can hold data
 * @param after its live description; none for a removed object or one that can hold data
 */
public record Drift(String object, Change change, String before, String after) {

	/** The drift of an object between two descriptions, either of them a digest that is never shown. */
	static Drift of(String object, Change change, String before, String after) {
		return new Drift(object, change, shown(before), shown(after));
	}

	private static String shown(String description) {
		return (description == null || description.startsWith(CatalogDescription.KEYED)) ? null : description;
	}

	/**
	 * One readable line: {@code column app.app_user.email: text -> character varying(100)}, or
	 * {@code default of column app.app_user.email changed}.
	 */
	public String describe() {
		return switch (this.change) {
			case ADDED -> this.object + " added" + ((this.after != null) ? ": " + this.after : "");
			case REMOVED -> this.object + " removed" + ((this.before != null) ? " (was: " + this.before + ")" : "");
			case CHANGED -> this.object + ((this.before != null && this.after != null)
					? ": " + this.before + " -> " + this.after : " changed");
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
