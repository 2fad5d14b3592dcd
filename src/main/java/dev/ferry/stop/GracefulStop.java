package dev.ferry.stop;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import dev.ferry.failure.ExitStatus;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.postgresql.PGConnection;

/**
 * What a SIGTERM does to a run (ECS stops a task with it, and so does {@code ecs/run-migration} on its timeout).
 * Left to the JVM, the process would be gone in a moment while the server went on executing the migration's
 * statement and holding Flyway's lock. Instead, while a run is in progress, the JVM's shutdown hook asks the run to
 * stop (its cancel action cancels the running statement on the server), interrupts the run's thread where it waits
 * (on Flyway's lock, before a retry, for the database), lets the run roll back, release the lock and write its
 * report, and then ends the process with the exit code the run reported, within the stop timeout. Connections
 * of Ferry's own that wait on the server (the drift check's and its record's) are cancelled alongside, again every
 * {@value #CANCEL_EVERY_MILLIS} ms, since a cancel that lands between two statements cancels nothing. A run that
 * has not reported by the stop timeout (any timeout, {@code 0} too) is reported as stopped from here, and the
 * process ends with exit 11: every stop writes its report.
 * <p>
 * One per JVM, because signals are. Outside a run (Spring starting, or the run already finished) a SIGTERM keeps the
 * JVM's own behaviour: nothing of Ferry's is running on the server then.
 */
public final class GracefulStop {

	private static final Log logger = LogFactory.getLog(GracefulStop.class);

	private static final GracefulStop JVM = new GracefulStop();

	/** How long the run's thread gets, once it has reported, to log its last line and reach System.exit. */
	private static final long LAST_WORDS_MILLIS = 2000;

	private static final long CANCEL_EVERY_MILLIS = 250;

	private enum State {

		IDLE, RUNNING, STOPPING

	}

	private final AtomicReference<State> state = new AtomicReference<>(State.IDLE);

	private final CountDownLatch finished = new CountDownLatch(1);

	private volatile int exitCode = ExitStatus.STOPPED.code();

	private volatile Thread runner;

	private volatile Duration timeout;

	private volatile Runnable cancel;

	private volatile boolean hookAdded;

	private final Set<Connection> cancelled = ConcurrentHashMap.newKeySet();

	private final AtomicBoolean reported = new AtomicBoolean();

	private volatile Runnable reportStopped = () -> {
	};

	private GracefulStop() {
	}

	public static GracefulStop jvm() {
		return JVM;
	}

	/**
	 * A run starts on the calling thread: from now until {@link #finished(int)} a SIGTERM stops it cleanly.
	 * @param timeout how long the run gets to stop and report before the process ends anyway
	 * @param cancel cancels what the run is executing on the server; called on the shutdown hook's thread, it must
	 * return at once (the session watcher cancels on its own thread)
	 */
	public synchronized void arm(Duration timeout, Runnable cancel) {
		this.runner = Thread.currentThread();
		this.timeout = timeout;
		this.cancel = cancel;
		this.state.set(State.RUNNING);
		if (!this.hookAdded) {
			Runtime.getRuntime().addShutdownHook(new Thread(this::onShutdown, "ferry-stop"));
			this.hookAdded = true;
		}
	}

	/**
	 * What reports the run as stopped when it has not reported by the stop timeout.
	 * @param reportStopped writes the report of a run stopped by SIGTERM and logs its last line
	 */
	public void reportIfStuck(Runnable reportStopped) {
		this.reportStopped = reportStopped;
	}

	/**
	 * Whether the caller is the one to write this run's report: the run's thread, or the stop once the run outlived
	 * the stop timeout. True once per run.
	 */
	public boolean claimReport() {
		return this.reported.compareAndSet(false, true);
	}

	/**
	 * Until the returned watch is closed, a stop cancels what this connection runs on the server: a wait on a lock
	 * there would outlive the process otherwise, holding its place in the lock queue. Only what is watched when the
	 * stop comes is cancelled.
	 */
	public Watch cancelsOnStop(Connection connection) {
		this.cancelled.add(connection);
		return () -> this.cancelled.remove(connection);
	}

	/** Whether a SIGTERM asked the run to stop: a failure from now on is the stop's doing. */
	public boolean requested() {
		return this.state.get() == State.STOPPING;
	}

	/** The run has reported, with this exit code; a stop in progress ends the process with it. */
	public void finished(int exitCode) {
		if (this.state.compareAndSet(State.RUNNING, State.IDLE) || this.state.get() == State.IDLE) {
			// No stop contends for the report: the next run in this JVM writes its own.
			this.reported.set(false);
			return;
		}
		this.exitCode = exitCode;
		this.finished.countDown();
	}

	private void onShutdown() {
		// A normal System.exit runs this hook too: only a run in progress has anything to stop.
		if (!this.state.compareAndSet(State.RUNNING, State.STOPPING)) {
			return;
		}
		long deadline = System.nanoTime() + this.timeout.toNanos();
		logger.warn("SIGTERM: stopping the run within " + this.timeout.toSeconds() + " s (FERRY_STOP_TIMEOUT):"
				+ " cancelling the running statement, rolling back and releasing Flyway's lock");
		this.cancel.run();
		this.runner.interrupt();
		// What waits now; a read the run makes afterwards, to report, is its own and is left to finish.
		List<Connection> waiting = List.copyOf(this.cancelled);
		try {
			boolean reported;
			do {
				waiting.stream().filter(this.cancelled::contains).forEach(GracefulStop::cancel);
				reported = this.finished.await(Math.min(CANCEL_EVERY_MILLIS, remainingMillis(deadline)),
						TimeUnit.MILLISECONDS);
			}
			while (!reported && remainingMillis(deadline) > 0);
			if (!reported && claimReport()) {
				reportStopped();
				// Reported; the run gets a moment more to end what it runs on the server, its statement cancelled.
				this.finished.await(LAST_WORDS_MILLIS, TimeUnit.MILLISECONDS);
				Runtime.getRuntime().halt(ExitStatus.STOPPED.code());
			}
			else if (reported || this.finished.await(LAST_WORDS_MILLIS, TimeUnit.MILLISECONDS)) {
				awaitLastWords(LAST_WORDS_MILLIS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		// System.exit would wait for this hook forever; the run has reported, so end here with its code.
		Runtime.getRuntime().halt(this.exitCode);
	}

	private void reportStopped() {
		try {
			this.reportStopped.run();
		}
		catch (RuntimeException ex) {
			logger.error("Ferry failed (exit " + ExitStatus.STOPPED.code() + ", " + ExitStatus.STOPPED.meaning()
					+ "): the run did not stop within FERRY_STOP_TIMEOUT and its report could not be written", ex);
		}
	}

	private static void cancel(Connection connection) {
		try {
			connection.unwrap(PGConnection.class).cancelQuery();
		}
		catch (SQLException ex) {
			// Closed meanwhile, or the server cannot be reached: then nothing of the connection's waits there either.
			logger.debug("Could not cancel a statement on SIGTERM: " + ex.getMessage());
		}
	}

	/**
	 * Waits until the run's thread has logged its failure line and called System.exit, which blocks while shutdown
	 * hooks run: then everything Ferry had to say is said.
	 */
	private void awaitLastWords(long millis) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
		while (this.runner.isAlive() && !inSystemExit(this.runner) && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
	}

	private static boolean inSystemExit(Thread thread) {
		return Arrays.stream(thread.getStackTrace())
			.anyMatch((frame) -> frame.getClassName().equals("java.lang.Runtime") && frame.getMethodName().equals("exit"));
	}

	private static long remainingMillis(long deadline) {
		return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
	}

	/** A connection's statements are cancelled by a stop until this is closed. */
	public interface Watch extends AutoCloseable {

		@Override
		void close();

	}

}
