package dev.ferry.session;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import javax.sql.DataSource;

import dev.ferry.failure.FlywayFailures;
import dev.ferry.session.LockSpans.LockKey;
import dev.ferry.stop.GracefulStop;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.postgresql.PGConnection;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.jdbc.support.JdbcUtils;

/**
 * Watches the session each migration runs in, for what Ferry must know about it or do to it from outside: cancel it
 * on SIGTERM, name who it waits for on a lock ({@link BlockingSessions}), and on a rehearsal, which locks it holds
 * ({@link LockSampler}). The migrating session and its database (production, or a rehearsal's clone) are found once
 * per migration, as Flyway starts it; the probes look at it in rounds on one daemon thread, from one second
 * connection. That connection has one reconnect policy: opened when a probe first needs it, closed when the
 * migration's database changes, when a look on it fails, when Flyway's migrate ends and when no migration has run
 * for {@value #IDLE_CLOSE_MILLIS} ms; the next look opens it again.
 * <p>
 * Not closed with Spring's context: a SIGTERM closes the context while the run still needs the watcher to cancel.
 */
public final class SessionWatcher extends EachMigrationCallback {

	private static final Log logger = LogFactory.getLog(SessionWatcher.class);

	private static final long IDLE_CLOSE_MILLIS = 1000;

	private static final long CANCEL_EVERY_MILLIS = 250;

	private final GracefulStop stop;

	private final BlockingSessions blockers;

	private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "ferry-session");
		thread.setDaemon(true);
		return thread;
	});

	/** The migration between its BEFORE_EACH_MIGRATE and its after-event (or the migrate's end). */
	private volatile Migration current;

	private volatile LockSampler locks;

	/** The current migration's rounds and the pending idle close: scheduled and cancelled on the migrating thread. */
	private final List<Future<?>> scheduled = new ArrayList<>();

	/** The second connection and the database it is to: on the watcher's thread only. */
	private DataSource connectedTo;

	private Connection connection;

	private JdbcClient jdbc;

	public SessionWatcher(GracefulStop stop, BlockingSessions blockers) {
		this.stop = stop;
		this.blockers = blockers;
	}

	@Override
	public boolean supports(Event event, Context context) {
		return super.supports(event, context) || event == Event.AFTER_MIGRATE || event == Event.AFTER_MIGRATE_ERROR;
	}

	@Override
	public void handle(Event event, Context context) {
		switch (event) {
			case BEFORE_EACH_MIGRATE -> started(context);
			case AFTER_EACH_MIGRATE -> ended(context, true);
			case AFTER_EACH_MIGRATE_ERROR -> ended(context, false);
			default -> migrateEnded();
		}
	}

	@Override
	public String getCallbackName() {
		return "ferry-session";
	}

	/**
	 * Stops a migration on SIGTERM: cancels its statement now and, since a cancel that arrives between two statements
	 * of a script cancels nothing, again every {@value #CANCEL_EVERY_MILLIS} ms until the process ends. Returns at
	 * once.
	 * <p>
	 * Flyway runs each migration on its migration connection between the events BEFORE_EACH_MIGRATE and
	 * AFTER_EACH_MIGRATE(_ERROR); only then is a statement of a script running, and only then is there a migration to
	 * cancel. The history row of a migration is written after AFTER_EACH_MIGRATE, so cancelling only inside that
	 * window never leaves a migration applied without its row. A transactional migration cancelled there rolls back
	 * whole. A non-transactional one keeps what its statements did and Flyway writes a failed history row for it,
	 * which {@code LockTimeoutRetries} removes with Flyway's repair when a stop cut the migration short, so that the
	 * rerun applies it again; {@code InvalidIndexCleanup} drops the invalid index a cancelled
	 * {@code CREATE INDEX CONCURRENTLY} leaves.
	 */
	public void cancelRunningMigration() {
		Probe cancel = new Probe() {

			@Override
			public void look(Migration migration, JdbcClient watcher) {
				watcher.sql("SELECT pg_cancel_backend(?)").param(migration.pid()).query().singleValue();
			}

			@Override
			public void failed(RuntimeException failure) {
				// With PostgreSQL 14+ the server also cancels it once Ferry's connection is gone (ClientLossSettings).
				logger.warn("Could not cancel the running migration (SQLSTATE " + FlywayFailures.sqlState(failure)
						+ "); it ends when the process has exited and the server notices the closed connection");
			}

		};
		this.thread.scheduleWithFixedDelay(() -> round(this.current, cancel), 0, CANCEL_EVERY_MILLIS,
				TimeUnit.MILLISECONDS);
	}

	/**
	 * Samples the locks of every migration from now until the sampler is closed: for a rehearsal, whose callbacks must
	 * include this watcher.
	 */
	public LockSampler sampleLocks() {
		LockSampler sampler = new LockSampler(() -> this.locks = null);
		this.locks = sampler;
		return sampler;
	}

	private void started(Context context) {
		if (this.stop.requested()) {
			// Stopped between two migrations: the next one does not start.
			throw new FlywayException("stopped by SIGTERM before " + context.getMigrationInfo().getScript());
		}
		Migration migration = new Migration(backendPid(context), context.getConfiguration().getDataSource(),
				System.nanoTime());
		cancelScheduled();
		this.blockers.started(migration);
		this.current = migration;
		every(migration, this.blockers, BlockingSessions.FIRST_SAMPLE_MILLIS, BlockingSessions.SAMPLE_EVERY_MILLIS);
		LockSampler locks = this.locks;
		if (locks != null) {
			locks.started(migration);
			every(migration, locks, 0, LockSampler.SAMPLE_EVERY_MILLIS);
		}
	}

	private void ended(Context context, boolean succeeded) {
		long endNanos = System.nanoTime();
		Migration migration = this.current;
		this.current = null;
		cancelScheduled();
		this.blockers.ended(!succeeded);
		LockSampler locks = this.locks;
		if (locks != null && migration != null) {
			// Still inside the migration's transaction: its own locks, and which relations others can see.
			Set<LockKey> stillHeld = succeeded ? locks.ownLocks(migration, context.getConnection()) : Set.of();
			// After any round in progress (one thread), and uninterruptibly: a SIGTERM must not lose the figures.
			CompletableFuture.runAsync(() -> locks.ended(context.getMigrationInfo(), succeeded, endNanos, stillHeld,
					(look) -> look(migration.dataSource(), look)), this.thread).join();
		}
		this.scheduled.add(this.thread.schedule(this::disconnect, IDLE_CLOSE_MILLIS, TimeUnit.MILLISECONDS));
	}

	private void migrateEnded() {
		this.current = null;
		cancelScheduled();
		// If a migration still ran, a callback before it failed (a lock timeout dropping an invalid index): no
		// after-event for it came.
		this.blockers.ended(true);
		this.thread.execute(this::disconnect);
	}

	private void every(Migration migration, Probe probe, long firstMillis, long everyMillis) {
		this.scheduled.add(this.thread.scheduleWithFixedDelay(() -> round(migration, probe), firstMillis, everyMillis,
				TimeUnit.MILLISECONDS));
	}

	/** One look of a probe; a failed one ends the probe's rounds (a periodic task that throws is not run again). */
	private void round(Migration migration, Probe probe) {
		if (migration == null) {
			return;
		}
		try {
			look(migration.dataSource(), (jdbc) -> probe.look(migration, jdbc));
		}
		catch (RuntimeException ex) {
			probe.failed(ex);
			throw ex;
		}
	}

	/** A failed look closes the connection; one that could not connect fails as CannotGetJdbcConnectionException. */
	private void look(DataSource database, Consumer<JdbcClient> look) {
		try {
			if (this.connection == null || this.connectedTo != database) {
				disconnect();
				connect(database);
			}
			look.accept(this.jdbc);
		}
		catch (RuntimeException ex) {
			disconnect();
			throw ex;
		}
	}

	private void connect(DataSource database) {
		this.connection = DataSourceUtils.getConnection(database);
		this.connectedTo = database;
		this.jdbc = JdbcClient.create(new SingleConnectionDataSource(this.connection, true));
		// Bounded, so that a slow catalog never keeps the watcher: it gives up and the migration goes on.
		this.jdbc.sql("SET statement_timeout = '2s'").update();
		this.jdbc.sql("SET lock_timeout = '1s'").update();
	}

	private void disconnect() {
		JdbcUtils.closeConnection(this.connection);
		this.connection = null;
		this.connectedTo = null;
	}

	private void cancelScheduled() {
		this.scheduled.forEach((future) -> future.cancel(false));
		this.scheduled.clear();
	}

	private static int backendPid(Context context) {
		try {
			return context.getConnection().unwrap(PGConnection.class).getBackendPID();
		}
		catch (SQLException ex) {
			throw new FlywayException("cannot read the migration session's process id", ex);
		}
	}

	/** The migrating session, and where to look at it from. */
	record Migration(int pid, DataSource dataSource, long startedNanos) {
	}

	/** One thing to look at in the migrating session, from the watcher's connection, on the watcher's thread. */
	interface Probe {

		void look(Migration migration, JdbcClient watcher);

		/** The look failed, or its connection could not be opened: this probe looks no more at this migration. */
		void failed(RuntimeException failure);

	}

}
