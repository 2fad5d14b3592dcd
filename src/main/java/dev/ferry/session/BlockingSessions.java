package dev.ferry.session;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.ferry.failure.FlywayFailures;
import dev.ferry.secrets.SecretMasker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Finds out who holds the lock a migration waits for, so that a lock timeout names the sessions to talk to. While a
 * migration runs, the session watcher looks at it every {@value #SAMPLE_EVERY_MILLIS} ms, and when it waits on a
 * lock asks {@code pg_blocking_pids} who it waits for; the last blockers seen during the migration are kept for the
 * failure. Neither the look nor {@code pg_blocking_pids} takes a lock anybody waits for.
 * <p>
 * The first look comes once a migration has run for {@value #FIRST_SAMPLE_MILLIS} ms, so a run of fast migrations
 * opens no second connection. Looking never fails a migration: a failed look is logged at DEBUG, and that migration
 * is reported without the blockers it was not seen waiting for.
 * <p>
 * A blocker's query is masked before it is kept: secret values Ferry knows, and any {@code PASSWORD '...'} literal.
 */
@Component
public final class BlockingSessions implements SessionWatcher.Probe {

	private static final Log logger = LogFactory.getLog(BlockingSessions.class);

	static final long FIRST_SAMPLE_MILLIS = 50;

	static final long SAMPLE_EVERY_MILLIS = 200;

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

	private SessionWatcher.Migration running;

	/** The blockers last seen during the running migration, kept once it failed, dropped once it succeeded. */
	private List<Blocker> seen = List.of();

	public BlockingSessions(SecretMasker masker) {
		this.masker = masker;
	}

	/**
	 * The sessions that held the lock the last failed migration waited for, as last seen; empty when it waited on
	 * no one (or looking failed).
	 */
	public synchronized List<Blocker> ofFailedMigration() {
		return this.seen;
	}

	/**
	 * The blockers in one line for a log line or an exit message: {@code blocked by pid 4242 (app_user, ...)}, empty
	 * when there are none.
	 */
	public static String describe(List<Blocker> blockers) {
		if (blockers.isEmpty()) {
			return "";
		}
		String listed = blockers.stream().limit(LISTED).map(Blocker::label).collect(Collectors.joining("; "));
		return "blocked by " + listed
				+ ((blockers.size() > LISTED) ? " and " + (blockers.size() - LISTED) + " more (see the report)" : "");
	}

	synchronized void started(SessionWatcher.Migration migration) {
		this.running = migration;
		this.seen = List.of();
	}

	synchronized void ended(boolean failed) {
		if (!failed) {
			this.seen = List.of();
		}
		this.running = null;
	}

	@Override
	public void look(SessionWatcher.Migration migration, JdbcClient watcher) {
		List<Blocker> blockers = watcher.sql(BLOCKERS)
			.param(migration.pid())
			.query((rows, n) -> new Blocker(rows.getInt(1), this.masker.mask(rows.getString(2)),
					this.masker.mask(rows.getString(3)),
					rows.getString(4), rows.getObject(5, Long.class), rows.getObject(6, Long.class),
					rows.getString(7), firstLine(rows.getString(8))))
			.list();
		synchronized (this) {
			if (!blockers.isEmpty() && migration == this.running) {
				this.seen = List.copyOf(blockers);
			}
		}
	}

	@Override
	public void failed(RuntimeException failure) {
		// Never the migration's failure: the blockers of this one go unreported, the next one tries again.
		String state = FlywayFailures.sqlState(failure);
		logger.debug("Could not look for the sessions blocking the migration (" + failure.getClass().getSimpleName()
				+ ((state != null) ? ", SQLSTATE " + state : "") + ")");
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

}
