package dev.ferry.stop;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.ferry.failure.ExitStatus;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * What a SIGTERM does to a run (ECS stops a task with it, and so does {@code ecs/run-migration} on its timeout).
 * Left to the JVM, the process would be gone in a moment while the server went on executing the migration's
 * statement and holding Flyway's lock. Instead, while a run is in progress, the JVM's shutdown hook asks the run to
 * stop (its cancel action cancels the running statement on the server), interrupts the run's thread where it waits
 * (on Flyway's lock, before a retry, for the database), lets the run roll back, release the lock and write its
 * report, and then ends the process with the exit code the run reported, within the stop timeout.
 * <p>
 * One per JVM, because signals are. Outside a run (Spring starting, or the run already finished) a SIGTERM keeps the
 * JVM's own behaviour: nothing of Ferry's is running on the server then.
 */
public final class GracefulStop {

	private static final Log logger = LogFactory.getLog(GracefulStop.class);

	private static final GracefulStop JVM = new GracefulStop();

	/** How long the run's thread gets, once it has reported, to log its last line and reach System.exit. */
	private static final long LAST_WORDS_MILLIS = 2000;

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

	/** Whether a SIGTERM asked the run to stop: a failure from now on is the stop's doing. */
	public boolean requested() {
		return this.state.get() == State.STOPPING;
	}

	/** The run has reported, with this exit code; a stop in progress ends the process with it. */
	public void finished(int exitCode) {
		if (this.state.compareAndSet(State.RUNNING, State.IDLE)) {
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
		try {
			if (this.finished.await(remainingMillis(deadline), TimeUnit.MILLISECONDS)) {
				awaitLastWords(Math.min(LAST_WORDS_MILLIS, remainingMillis(deadline)));
			}
			else {
				logger.error("Ferry failed (exit " + this.exitCode + ", " + ExitStatus.STOPPED.meaning()
						+ "): the run did not stop within FERRY_STOP_TIMEOUT; the server rolls back whatever it was"
						+ " running when the connection closes");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		// System.exit would wait for this hook forever; the run has reported, so end here with its code.
		Runtime.getRuntime().halt(this.exitCode);
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

}
