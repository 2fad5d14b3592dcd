package dev.ferry.plan;

import java.util.Locale;

/**
 * PostgreSQL's table-level lock modes, weakest first (PostgreSQL documentation, 13.3.1 "Table-Level Locks").
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

	static LockMode ofLabel(String label) {
		return valueOf(label.trim().replaceAll("\\s+", "_").toUpperCase(Locale.ROOT));
	}

	LockMode stronger(LockMode other) {
		return (other == null || compareTo(other) >= 0) ? this : other;
	}

}
