package dev.ferry.rehearsal;

import java.util.List;

/**
 * PostgreSQL's table-level lock modes, weakest first, as the documentation lists them ("Explicit Locking",
 * table 13.2). From SHARE on, a mode conflicts with ROW EXCLUSIVE, which every INSERT, UPDATE and DELETE takes: the
 * application's writes wait while a migration holds it.
 */
final class LockModes {

	private static final List<String> WEAKEST_FIRST = List.of("AccessShareLock", "RowShareLock", "RowExclusiveLock",
			"ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock");

	private static final int SHARE = WEAKEST_FIRST.indexOf("ShareLock");

	private static final int SHARE_UPDATE_EXCLUSIVE = WEAKEST_FIRST.indexOf("ShareUpdateExclusiveLock");

	private LockModes() {
	}

	/** {@code AccessExclusiveLock} as the documentation writes it: {@code ACCESS EXCLUSIVE}. */
	static String label(String mode) {
		return mode.replace("Lock", "").replaceAll("([a-z])([A-Z])", "$1 $2").toUpperCase(java.util.Locale.ROOT);
	}

	static int strength(String label) {
		for (int i = 0; i < WEAKEST_FIRST.size(); i++) {
			if (label(WEAKEST_FIRST.get(i)).equals(label)) {
				return i;
			}
		}
		return -1;
	}

	/**
	 * Whether a mode is worth reporting: SHARE UPDATE EXCLUSIVE (which blocks other DDL, VACUUM and concurrent index
	 * builds) and stronger. The weaker ones are what every query and row change takes.
	 */
	static boolean isStrong(String mode) {
		return WEAKEST_FIRST.indexOf(mode) >= SHARE_UPDATE_EXCLUSIVE;
	}

	static boolean blocksWrites(String mode) {
		return WEAKEST_FIRST.indexOf(mode) >= SHARE;
	}

}
