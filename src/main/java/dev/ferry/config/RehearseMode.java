package dev.ferry.config;

/**
 * Whether pending migrations are rehearsed before production is migrated (FERRY_REHEARSE).
 */
public enum RehearseMode {

	/** Production is migrated without a rehearsal. */
	OFF,

	/** The pending migrations run first on a copy-on-write Aurora clone of production. */
	CLONE

}
