package dev.ferry.session;

import java.sql.Connection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import dev.ferry.failure.FlywayFailures;
import dev.ferry.session.LockSpans.LockKey;
import org.flywaydb.core.api.MigrationInfo;

import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * A rehearsal's watch of each migration's session: which existing relations it holds strong locks on (SHARE UPDATE
 * EXCLUSIVE and above), in which mode, from when to when, sampled every {@value #SAMPLE_EVERY_MILLIS} ms. Locks on
 * relations the migration itself creates are nobody else's business and left out. A lock taken and released between
 * two samples is missed, so a lock the report does not show was held for less than the sampling interval; the
 * figures are upper bounds ({@link LockSpans}).
 * <p>
 * It fails closed: when it could not watch, {@link #blind()} says why, and the rehearsal cannot vouch for the budget.
 */
public final class LockSampler implements SessionWatcher.Probe, AutoCloseable {

	static final long SAMPLE_EVERY_MILLIS = 10;

	private static final String LOCKS_OF = "SELECT relation::bigint, mode FROM pg_locks WHERE pid = ? AND granted"
			+ " AND locktype = 'relation' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
			+ " AND relation >= 16384";

	/** The relations of these OIDs that other sessions can see: the ones that existed before the migration. */
	private static final String VISIBLE = "SELECT c.oid::bigint, n.nspname || '.' || c.relname FROM pg_class c"
			+ " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY (?::oid[])";

	private static final RowMapper<LockKey> LOCK = (rows, n) -> new LockKey(rows.getLong(1), rows.getString(2));

	private final Runnable stop;

	private final List<RehearsedMigration> migrations = new CopyOnWriteArrayList<>();

	/** The current migration's spans: made as it starts, then used on the watcher's thread only. */
	private volatile LockSpans spans;

	private volatile String blind;

	LockSampler(Runnable stop) {
		this.stop = stop;
	}

	/**
	 * Why the locks could not be watched, or null if they were: a rehearsal that could not see the locks has not
	 * shown that they fit the budget.
	 */
	public String blind() {
		return this.blind;
	}

	/** The migrations sampled so far, in order. */
	public List<RehearsedMigration> migrations() {
		return List.copyOf(this.migrations);
	}

	/** Samples no more migrations. */
	@Override
	public void close() {
		this.stop.run();
	}

	void started(SessionWatcher.Migration migration) {
		this.spans = new LockSpans(migration.startedNanos(), SAMPLE_EVERY_MILLIS);
	}

	@Override
	public void look(SessionWatcher.Migration migration, JdbcClient watcher) {
		LockSpans spans = this.spans;
		long now = System.nanoTime();
		List<LockKey> held = watcher.sql(LOCKS_OF).param(migration.pid()).query(LOCK).list();
		if (spans != null) {
			spans.round(now, held);
		}
	}

	@Override
	public void failed(RuntimeException failure) {
		this.blind = ((failure instanceof CannotGetJdbcConnectionException)
				? "cannot open a second connection to the clone" : "watching the locks failed")
				+ " (SQLSTATE " + FlywayFailures.sqlState(failure) + ")";
	}

	/** Inside the migration's transaction, every lock it took is still held: the complete list, sampled or not. */
	Set<LockKey> ownLocks(SessionWatcher.Migration migration, Connection migrating) {
		try {
			return new HashSet<>(JdbcClient.create(new SingleConnectionDataSource(migrating, true))
				.sql(LOCKS_OF)
				.param(migration.pid())
				.query(LOCK)
				.list());
		}
		catch (RuntimeException ex) {
			this.blind = "cannot list the migration's own locks (SQLSTATE " + FlywayFailures.sqlState(ex) + ")";
			return Set.of();
		}
	}

	/**
	 * On the watcher's thread, before the migration's transaction commits: the relations it made are still unseen.
	 * @param watcher runs a look on the watcher's connection, and fails if it does
	 */
	void ended(MigrationInfo info, boolean succeeded, long endNanos, Set<LockKey> stillHeld,
			Consumer<Consumer<JdbcClient>> watcher) {
		LockSpans spans = this.spans;
		this.spans = null;
		if (spans == null) {
			return;
		}
		Set<Long> relations = spans.relations(stillHeld);
		Map<Long, String> existing = new HashMap<>();
		if (!relations.isEmpty()) {
			try {
				watcher.accept((jdbc) -> jdbc.sql(VISIBLE)
					.param(relations.toArray(Long[]::new))
					.query((RowCallbackHandler) (rows) -> existing.put(rows.getLong(1), rows.getString(2))));
			}
			catch (RuntimeException ex) {
				this.blind = "cannot name the relations the rehearsal locked (SQLSTATE " + FlywayFailures.sqlState(ex)
						+ ")";
			}
		}
		this.migrations.add(new RehearsedMigration((info.getVersion() != null) ? info.getVersion().getVersion() : null,
				info.getDescription(), info.getScript(), spans.durationMillis(endNanos), succeeded,
				spans.held(endNanos, succeeded, stillHeld, existing)));
	}

}
