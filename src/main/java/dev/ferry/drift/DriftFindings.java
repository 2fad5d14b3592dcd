package dev.ferry.drift;

import java.util.List;

/**
 * What a drift check found.
 *
 * @param checked whether the live catalog was compared with a record
 * @param failed whether the check could not run at all (a query failed)
 * @param summary one sentence saying what the check found, or why it did not compare
 * @param changes each object that differs from the record, in key order
 */
public record DriftFindings(boolean checked, boolean failed, String summary, List<Drift> changes) {

	public DriftFindings {
		changes = List.copyOf(changes);
	}

	/** The check did not compare, for a reason that is no drift: no record yet, switched off. */
	public static DriftFindings notCompared(String reason) {
		return new DriftFindings(false, false, reason, List.of());
	}

	static DriftFindings couldNotRun(String reason) {
		return new DriftFindings(false, true, reason, List.of());
	}

	static DriftFindings compared(List<Drift> changes) {
		String summary = changes.isEmpty() ? "no drift: the schema is as Ferry's last run left it"
				: "drift: " + changes.size() + " object" + ((changes.size() == 1) ? "" : "s")
						+ " changed since Ferry's last run";
		return new DriftFindings(true, false, summary, changes);
	}

	public boolean drifted() {
		return !this.changes.isEmpty();
	}

}
