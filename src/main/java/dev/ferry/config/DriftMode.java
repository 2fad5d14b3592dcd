package dev.ferry.config;

/**
 * What drift does to a run (FERRY_DRIFT).
 */
public enum DriftMode {

	/** Drift is exit 10 and nothing is applied. */
	FAIL,

	/** Drift is logged as a warning and reported; the run goes on. */
	WARN,

	/** {@code migrate} does not check (it still records); the {@code drift} command checks and exits 0. */
	OFF

}
