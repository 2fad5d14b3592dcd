package dev.ferry.testing;

import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;

/**
 * A Flyway callback with a bug in it, loaded into Ferry through {@code FLYWAY_CALLBACKS}: what an unexpected
 * failure inside the run looks like.
 */
public class ExplodingCallback implements Callback {

	@Override
	public boolean supports(Event event, Context context) {
		return event == Event.BEFORE_MIGRATE;
	}

	@Override
	public boolean canHandleInTransaction(Event event, Context context) {
		return true;
	}

	@Override
	public void handle(Event event, Context context) {
		throw new IllegalStateException("a bug in a callback");
	}

	@Override
	public String getCallbackName() {
		return "exploding";
	}

}
