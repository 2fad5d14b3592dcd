package dev.ferry.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import dev.ferry.session.Blocker;
import dev.ferry.secrets.SecretMasker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.postgresql.PGConnection;

/**
 * Finds out who holds the lock a migration waits for, so that a lock timeout names the sessions to talk to. While a
 * migration runs, a daemon thread looks at it from a second connection, every {@value #SAMPLE_EVERY_MILLIS} ms, and
 * when it waits on a lock asks {@code pg_blocking_pids} who it waits for; the last blockers seen during the migration
 * are kept for the failure. Neither the look nor {@code pg_blocking_pids} takes a lock anybody waits for.
 * <p>
 * The second connection comes from the data source of the Flyway that runs the migration (the callback context's
 * configuration), so the same callback serves any database Ferry migrates. It is opened only once a migration has
 * run for {@value #FIRST_SAMPLE_MILLIS} ms (a run of fast migrations opens none) and closed when Flyway's migrate
 * ends, or when no migration has run for a second. Sampling never fails a migration: a failure to sample is logged
 * at DEBUG, and that migration is reported without its blockers.
 * <p>
 * A blocker's query is masked before it is kept: secret values Ferry knows, and any {@code PASSWORD '...'} literal.
 */
public class BlockingSessions extends EachMigrationCallback {

	private static final Log logger = LogFactory.getLog(BlockingSessions.class);

	static final long FIRST_SAMPLE_MILLIS = 50;

	static final long SAMPLE_EVERY_MILLIS = 200;

	private static final long IDLE_CLOSE_MILLIS = 1000;

	private static final int QUERY_LENGTH = 120;

	private static final int LISTED = 3;

	private static final Pattern PASSWORD_LITERAL = Pattern.compile("(?i)(\\bPASSWORD\\s+)'(?:[^']|'')*(?:'|$)");

	/**
	 * The sessions the migration's backend waits for, only while it waits on a lock: pg_blocking_pids needs the lock
	 * manager's state briefly, so it is not asked when nobody waits. A prepared transaction blocks as pid 0, with no
	 * session.
	 */
	private static final String BLOCKERS = "SELECT b.pid, a.usename, a.application_name,"
			+ " CASE WHEN b.pid = 0 THEN 'prepared transaction' ELSE a.state END,"
			+ " (extract(epoch FROM now() - a.xact_start) * 1000)::bigint,"
			+ " (extract(epoch FROM now() - a.state_change) * 1000)::bigint,"
			+ " CASE WHEN a.wait_event_type = 'Lock' THEN a.wait_event_type || ':' || a.wait_event END, a.query"
			+ " FROM pg_stat_activity w CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) WITH ORDINALITY AS b(pid, n)"
			+ " LEFT JOIN pg_stat_activity a ON a.pid = b.pid AND b.pid <> 0"
			+ " WHERE w.pid = ? AND w.wait_event_type = 'Lock' ORDER BY a.xact_start NULLS LAST, b.n";

	private final SecretMasker masker;

	private Migration running;

	private List<Blocker> ofFailedMigration = List.of();

	private Sampler sampler;

	private long idleSinceNanos = System.nanoTime();

	public BlockingSessions(SecretMasker masker) {
		this.masker = masker;
	}

	@Override
	public boolean supports(Event event, Context context) {
		return super.supports(event, context) || event == Event.AFTER_MIGRATE || event == Event.AFTER_MIGRATE_ERROR;
	}

	@Override
	public void handle(Event event, Context context) {
		switch (event) {
			case BEFORE_EACH_MIGRATE -> started(context);
			case AFTER_EACH_MIGRATE -> ended(false);
			case AFTER_EACH_MIGRATE_ERROR -> ended(true);
			default -> stopSampling();
		}
	}

	@Override
	public String getCallbackName() {
		return "ferry-blockers";
	}

	/**
	 * The sessions that held the lock the last failed migration waited for, as last seen; empty when it waited on
	 * no one (or sampling failed).
	 */
	public synchronized List<Blocker> ofFailedMigration() {
		return this.ofFailedMigration;
	}

	/**
	 * The blockers in one line for a log line or an exit message: {@code blocked by pid 4242 (app_user, ...)}, empty
	 * when there are none.
	 */
	public static String describe(List<Blocker> blockers) {
		if (blockers.isEmpty()) {
			return "";
		}
		StringBuilder text = new StringBuilder("blocked by ");
		for (int i = 0; i < Math.min(LISTED, blockers.size()); i++) {
			text.append((i > 0) ? "; " : "").append(blockers.get(i).label());
		}
		if (blockers.size() > LISTED) {
			text.append(" and ").append(blockers.size() - LISTED).append(" more (see the report)");
		}
		return text.toString();
	}

	private void started(Context context) {
		int pid;
		try {
			pid = context.getConnection().unwrap(PGConnection.class).getBackendPID();
		}
		catch (SQLException ex) {
			logger.debug("Not watching for lock waits: cannot read the migration session's process id");
			return;
		}
		DataSource dataSource = context.getConfiguration().getDataSource();
		synchronized (this) {
			this.running = new Migration(pid, dataSource, System.nanoTime());
			this.ofFailedMigration = List.of();
			if (this.sampler == null || !this.sampler.isAlive()) {
				this.sampler = new Sampler();
				this.sampler.start();
			}
			notifyAll();
		}
	}

	private synchronized void ended(boolean failed) {
		if (failed && this.running != null) {
			this.ofFailedMigration = this.running.blockers;
		}
		this.running = null;
		this.idleSinceNanos = System.nanoTime();
		notifyAll();
	}

	private synchronized void stopSampling() {
		if (this.running != null) {
			// A callback before it failed (a lock timeout dropping an invalid index): no after-event for it came.
			this.ofFailedMigration = this.running.blockers;
		}
		this.running = null;
		if (this.sampler != null) {
			this.sampler.stopped = true;
			this.sampler = null;
		}
		notifyAll();
	}

	/** The next migration to sample, once it is due; none when the sampler should end. */
	private synchronized Migration awaitDue(Sampler caller) throws InterruptedException {
		while (!caller.stopped) {
			long now = System.nanoTime();
			if (this.running == null) {
				long idle = TimeUnit.NANOSECONDS.toMillis(now - this.idleSinceNanos);
				if (idle >= IDLE_CLOSE_MILLIS) {
					// Given up under the lock: a migration that starts from now on starts a sampler of its own.
					if (this.sampler == caller) {
						this.sampler = null;
					}
					return null;
				}
				wait(IDLE_CLOSE_MILLIS - idle);
			}
			else if (now - this.running.nextSampleNanos < 0) {
				wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(this.running.nextSampleNanos - now)));
			}
			else {
				return this.running;
			}
		}
		return null;
	}

	private synchronized void sampled(Migration migration, List<Blocker> blockers) {
		migration.nextSampleNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SAMPLE_EVERY_MILLIS);
		if (!blockers.isEmpty() && migration == this.running) {
			migration.blockers = blockers;
		}
	}

	private synchronized void samplerEnded(Sampler ended) {
		if (this.sampler == ended) {
			this.sampler = null;
		}
	}

	private List<Blocker> blockers(Connection connection, int pid) throws SQLException {
		List<Blocker> blockers = new ArrayList<>();
		try (PreparedStatement statement = connection.prepareStatement(BLOCKERS)) {
			statement.setInt(1, pid);
			try (ResultSet rows = statement.executeQuery()) {
				while (rows.next()) {
					blockers.add(new Blocker(rows.getInt(1), mask(rows.getString(2)), mask(rows.getString(3)),
							rows.getString(4), nullableLong(rows, 5), nullableLong(rows, 6), rows.getString(7),
							firstLine(rows.getString(8))));
				}
			}
		}
		return List.copyOf(blockers);
	}

	private String mask(String text) {
		return this.masker.mask(text);
	}

	/**
	 * The first line with text of a query, masked whole before it is cut so that no cut can leave part of a secret
	 * unmasked.
	 */
	String firstLine(String query) {
		if (query == null) {
			return null;
		}
		String masked = this.masker.mask(query);
		masked = PASSWORD_LITERAL.matcher(masked).replaceAll("$1'" + Matcher.quoteReplacement(SecretMasker.MASK) + "'");
		String line = masked.lines().map(String::strip).filter((l) -> !l.isEmpty()).findFirst().orElse("");
		return (line.length() > QUERY_LENGTH) ? line.substring(0, QUERY_LENGTH) + "..." : line;
	}

	private static Long nullableLong(ResultSet rows, int column) throws SQLException {
		long value = rows.getLong(column);
		return rows.wasNull() ? null : value;
	}

	/** The migration being watched: its backend, where to look at it from, and the blockers seen so far. */
	private static final class Migration {

		private final int pid;

		private final DataSource dataSource;

		private long nextSampleNanos;

		private List<Blocker> blockers = List.of();

		Migration(int pid, DataSource dataSource, long startedNanos) {
			this.pid = pid;
			this.dataSource = dataSource;
			this.nextSampleNanos = startedNanos + TimeUnit.MILLISECONDS.toNanos(FIRST_SAMPLE_MILLIS);
		}

	}

	/** The daemon thread with the second connection, from the first slow migration until the migrate ends. */
	private final class Sampler extends Thread {

		private volatile boolean stopped;

		Sampler() {
			super("ferry-blockers");
			setDaemon(true);
		}

		@Override
		public void run() {
			Connection connection = null;
			DataSource source = null;
			try {
				for (Migration migration = awaitDue(this); migration != null; migration = awaitDue(this)) {
					if (connection == null || source != migration.dataSource) {
						close(connection);
						connection = null;
						source = migration.dataSource;
						connection = open(source);
					}
					sampled(migration, blockers(connection, migration.pid));
				}
			}
			catch (SQLException | RuntimeException ex) {
				// Never the migration's failure: the blockers of this one go unreported, the next one tries again.
				logger.debug("Could not look for the sessions blocking the migration (" + ex.getClass().getSimpleName()
						+ ((ex instanceof SQLException sql) ? ", SQLSTATE " + sql.getSQLState() : "") + ")");
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			finally {
				close(connection);
				samplerEnded(this);
			}
		}

		private static Connection open(DataSource dataSource) throws SQLException {
			Connection connection = dataSource.getConnection();
			try (Statement statement = connection.createStatement()) {
				connection.setAutoCommit(true);
				// Bounded, so that a slow catalog never keeps this thread: it gives up and the migration goes on.
				statement.execute("SET statement_timeout = '2s'; SET lock_timeout = '1s'");
			}
			catch (SQLException ex) {
				close(connection);
				throw ex;
			}
			return connection;
		}

		private static void close(Connection connection) {
			if (connection == null) {
				return;
			}
			try {
				connection.close();
			}
			catch (SQLException ex) {
				logger.debug("Could not close the connection that looked for blocking sessions");
			}
		}

	}

}
