package dev.ferry.session;

import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;

/**
 * A Flyway callback that follows each migration: as it starts, as it succeeds, as it fails. Called on the migrating
 * thread and inside the migration's transaction, if it has one.
 */
public abstract class EachMigrationCallback implements Callback {

	@Override
	public boolean supports(Event event, Context context) {
		return event == Event.BEFORE_EACH_MIGRATE || event == Event.AFTER_EACH_MIGRATE
				|| event == Event.AFTER_EACH_MIGRATE_ERROR;
	}

	@Override
	public boolean canHandleInTransaction(Event event, Context context) {
		return true;
	}

}
