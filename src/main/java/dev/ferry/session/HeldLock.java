package dev.ferry.session;

/**
 * A lock a migration held.
 *
 * @param relation the relation, schema-qualified
 * @param mode PostgreSQL's name for the mode, such as ACCESS EXCLUSIVE
 * @param blocksWrites whether the mode blocks the application's inserts, updates and deletes (SHARE and
 * stronger)
 * @param heldMs how long it was held
 */
public record HeldLock(String relation, String mode, boolean blocksWrites, long heldMs) {

}
