package dev.ferry.stop;

import java.util.Set;

import dev.ferry.config.FerryCommand;
import dev.ferry.config.FerryProperties;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;

import org.springframework.boot.ApplicationArguments;
import org.springframework.stereotype.Component;

/**
 * Flyway's reads of its schema history ({@code info}, which {@code plan} and {@code migrate} begin with, and
 * {@code validate}) wait on the server for a lock on the history table like any statement, and on a SIGTERM that
 * wait would outlive the process. While they run, a stop cancels them. Only reads: a migration's session is the
 * session watcher's to cancel, where cancelling cannot leave a migration applied without its history row.
 */
@Component
class StoppableFlywayReads implements Callback {

	private static final Set<Event> STARTS = Set.of(Event.BEFORE_INFO, Event.BEFORE_VALIDATE);

	private static final Set<Event> ENDS = Set.of(Event.AFTER_INFO, Event.AFTER_INFO_ERROR, Event.AFTER_VALIDATE,
			Event.AFTER_VALIDATE_ERROR);

	/**
	 * Only the commands that change nothing: a callback that Flyway calls around its validate makes Flyway set the
	 * session's schema outside the migration's transaction, which a script's own ROLLBACK then no longer undoes, so
	 * a migrate would leave the database other than plain Flyway does.
	 */
	private static final Set<FerryCommand> READ_ONLY = Set.of(FerryCommand.PLAN, FerryCommand.INFO,
			FerryCommand.VALIDATE);

	private final GracefulStop stop;

	private final boolean readOnly;

	private volatile GracefulStop.Watch reading;

	StoppableFlywayReads(GracefulStop stop, ApplicationArguments args, FerryProperties properties) {
		this.stop = stop;
		this.readOnly = READ_ONLY
			.contains(FerryCommand.of(FerryCommand.requested(args.getNonOptionArgs(), properties.command())));
	}

	@Override
	public boolean supports(Event event, Context context) {
		return this.readOnly && (STARTS.contains(event) || ENDS.contains(event));
	}

	@Override
	public boolean canHandleInTransaction(Event event, Context context) {
		return true;
	}

	@Override
	public void handle(Event event, Context context) {
		GracefulStop.Watch previous = this.reading;
		if (previous != null) {
			previous.close();
		}
		this.reading = STARTS.contains(event) ? this.stop.cancelsOnStop(context.getConnection()) : null;
	}

	@Override
	public String getCallbackName() {
		return "ferry-stop";
	}

}
