package dev.ferry.database;

import java.util.Arrays;
import java.util.Locale;

/**
 * PostgreSQL's table-level lock modes, weakest first (PostgreSQL documentation, 13.3.1 "Table-Level Locks"): what a
 * plan says a statement will take, and what a rehearsal saw it take.
 */
public enum LockMode {

	ACCESS_SHARE, ROW_SHARE, ROW_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE, EXCLUSIVE,
	ACCESS_EXCLUSIVE;

	/** As the documentation and {@code LOCK TABLE} write it: {@code ACCESS EXCLUSIVE}. */
	public String label() {
		return name().replace('_', ' ');
	}

	/** As {@code pg_locks.mode} shows it: {@code AccessExclusiveLock}. */
	public String pgLocksMode() {
		StringBuilder mode = new StringBuilder();
		for (String word : name().split("_")) {
			mode.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
		}
		return mode.append("Lock").toString();
	}

	/** The mode {@code pg_locks.mode} names, such as {@code AccessExclusiveLock}; null for a mode it is not. */
	public static LockMode ofPgLocksMode(String mode) {
		return Arrays.stream(values()).filter((candidate) -> candidate.pgLocksMode().equals(mode)).findFirst()
			.orElse(null);
	}

	/**
	 * Whether it conflicts with ROW EXCLUSIVE, which every INSERT, UPDATE and DELETE takes: while a migration holds
	 * it, the application's writes to the relation wait (SHARE and stronger).
	 */
	public boolean blocksWrites() {
		return compareTo(SHARE) >= 0;
	}

	/**
	 * Whether it is worth reporting: SHARE UPDATE EXCLUSIVE (which blocks other DDL, VACUUM and concurrent index
	 * builds) and stronger; the weaker ones are what every query and row change takes.
	 */
	public boolean isStrong() {
		return compareTo(SHARE_UPDATE_EXCLUSIVE) >= 0;
	}

	public static LockMode ofLabel(String label) {
		return valueOf(label.trim().replaceAll("\\s+", "_").toUpperCase(Locale.ROOT));
	}

	public LockMode stronger(LockMode other) {
		return (other == null || compareTo(other) >= 0) ? this : other;
	}

}
