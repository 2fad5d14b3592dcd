package dev.ferry.rehearsal;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import dev.ferry.database.LockMode;
import dev.ferry.migration.EachMigrationCallback;
import dev.ferry.rehearsal.RehearsalReport.HeldLock;
import dev.ferry.rehearsal.RehearsalReport.RehearsedMigration;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.postgresql.PGConnection;

/**
 * Watches each rehearsed migration's session from a second connection: which existing relations it holds strong
 * locks on (SHARE UPDATE EXCLUSIVE and above), in which mode, from when to when. Locks on relations the migration itself creates are nobody else's business and
 * left out. A lock taken and released between two samples is missed, so a lock the report does not show was held
 * for less than the sampling interval. Each figure is an upper bound: a lock first seen in one round is counted from
 * the round before it (or the migration's start), so a sampler that falls behind makes a lock look longer, never
 * shorter, and the budget errs on the side of production.
 */
class MigrationLockObserver extends EachMigrationCallback implements AutoCloseable {

	static final long SAMPLE_EVERY_MILLIS = 10;

	private static final String LOCKS_OF = "SELECT relation::bigint, mode FROM pg_locks WHERE pid = ? AND granted"
			+ " AND locktype = 'relation' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
			+ " AND relation >= 16384";

	private static final String OWN_LOCKS = "SELECT relation::bigint, mode FROM pg_locks WHERE pid = pg_backend_pid()"
			+ " AND granted AND locktype = 'relation' AND relation >= 16384";

	/** The relations of these OIDs that other sessions can see: the ones that existed before the migration. */
	private static final String VISIBLE = "SELECT c.oid::bigint, n.nspname || '.' || c.relname FROM pg_class c"
			+ " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY (?::oid[])";

	private final List<RehearsedMigration> migrations = new ArrayList<>();

	private final Map<LockKey, long[]> seen = new ConcurrentHashMap<>();

	private volatile int migrationPid;

	private volatile boolean sampling;

	/** Why the locks could not be watched, if they could not: the rehearsal then cannot vouch for the budget. */
	private volatile String blind;

	private Connection sampler;

	private Thread samplerThread;

	private long startedNanos;

	/** When the last sampling round began: a lock not seen in it was taken after it. */
	private volatile long previousRound;

	@Override
	public void handle(Event event, Context context) {
		if (event == Event.BEFORE_EACH_MIGRATE) {
			start(context);
			return;
		}
		long endNanos = System.nanoTime();
		Set<LockKey> stillHeld = (event == Event.AFTER_EACH_MIGRATE) ? ownLocks(context.getConnection()) : Set.of();
		this.sampling = false;
		synchronized (this) {
			// The sampler finishes its round before the figures are read.
		}
		record(context.getMigrationInfo(), event == Event.AFTER_EACH_MIGRATE, endNanos, stillHeld);
	}

	@Override
	public String getCallbackName() {
		return "ferry-rehearsal-locks";
	}

	/**
	 * Why the locks could not be watched, or null if they were: a rehearsal that could not see the locks has not
	 * shown that they fit the budget.
	 */
	String blind() {
		return this.blind;
	}

	/** The migrations rehearsed so far, in order. */
	List<RehearsedMigration> migrations() {
		return List.copyOf(this.migrations);
	}

	private void start(Context context) {
		this.seen.clear();
		try {
			this.migrationPid = context.getConnection().unwrap(PGConnection.class).getBackendPID();
			if (this.sampler == null) {
				DataSource dataSource = context.getConfiguration().getDataSource();
				this.sampler = dataSource.getConnection();
				this.sampler.setAutoCommit(true);
				this.samplerThread = new Thread(this::sampleUntilClosed, "ferry-rehearsal-locks");
				this.samplerThread.setDaemon(true);
				this.samplerThread.start();
			}
		}
		catch (SQLException ex) {
			this.blind = "cannot open a second connection to the clone (SQLSTATE " + ex.getSQLState() + ")";
		}
		this.startedNanos = System.nanoTime();
		this.previousRound = this.startedNanos;
		this.sampling = true;
	}

	private void sampleUntilClosed() {
		try (PreparedStatement locks = this.sampler.prepareStatement(LOCKS_OF)) {
			while (!Thread.currentThread().isInterrupted()) {
				synchronized (this) {
					if (this.sampling) {
						locks.setInt(1, this.migrationPid);
						long now = System.nanoTime();
						long previous = this.previousRound;
						try (ResultSet rows = locks.executeQuery()) {
							while (rows.next()) {
								this.seen.compute(new LockKey(rows.getLong(1), rows.getString(2)),
										(key, span) -> (span == null) ? new long[] { previous, now } : new long[] { span[0], now });
							}
						}
						this.previousRound = now;
					}
				}
				Thread.sleep(SAMPLE_EVERY_MILLIS);
			}
		}
		catch (SQLException ex) {
			if (this.sampling) {
				this.blind = "watching the locks failed (SQLSTATE " + ex.getSQLState() + ")";
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Inside the migration's transaction, every lock it took is still held: the complete list, sampled or not. */
	private Set<LockKey> ownLocks(Connection connection) {
		Set<LockKey> held = new HashSet<>();
		try (PreparedStatement statement = connection.prepareStatement(OWN_LOCKS);
				ResultSet rows = statement.executeQuery()) {
			while (rows.next()) {
				held.add(new LockKey(rows.getLong(1), rows.getString(2)));
			}
		}
		catch (SQLException ex) {
			this.blind = "cannot list the migration's own locks (SQLSTATE " + ex.getSQLState() + ")";
		}
		return held;
	}

	private void record(MigrationInfo migration, boolean succeeded, long endNanos, Set<LockKey> stillHeld) {
		Map<LockKey, long[]> spans = new HashMap<>(this.seen);
		for (LockKey key : stillHeld) {
			spans.putIfAbsent(key, new long[] { this.previousRound, endNanos });
		}
		Map<Long, String> existing = existingRelations(spans.keySet().stream().map(LockKey::relation).toList());
		Map<String, HeldLock> strongest = new HashMap<>();
		for (Map.Entry<LockKey, long[]> entry : spans.entrySet()) {
			String relation = existing.get(entry.getKey().relation());
			LockMode mode = LockMode.ofPgLocksMode(entry.getKey().mode());
			if (relation == null || mode == null || !mode.isStrong()) {
				continue;
			}
			// Held until the transaction ended if it still was at the end, or if the migration failed (rolled back).
			long until = (stillHeld.contains(entry.getKey()) || !succeeded) ? endNanos
					: Math.min(endNanos, entry.getValue()[1] + SAMPLE_EVERY_MILLIS * 1_000_000);
			long heldMillis = Math.max(0, (until - entry.getValue()[0]) / 1_000_000);
			HeldLock lock = new HeldLock(relation, mode.label(), mode.blocksWrites(), heldMillis);
			strongest.merge(relation, lock, (a, b) -> {
				int stronger = LockMode.ofLabel(b.mode()).compareTo(LockMode.ofLabel(a.mode()));
				return (stronger > 0 || (stronger == 0 && b.heldMs() > a.heldMs())) ? b : a;
			});
		}
		List<HeldLock> locks = strongest.values()
			.stream()
			.sorted(Comparator.comparing(HeldLock::heldMs).reversed().thenComparing(HeldLock::relation))
			.toList();
		this.migrations.add(new RehearsedMigration(
				(migration.getVersion() != null) ? migration.getVersion().getVersion() : null,
				migration.getDescription(), migration.getScript(), (endNanos - this.startedNanos) / 1_000_000,
				succeeded, locks));
	}

	private Map<Long, String> existingRelations(List<Long> oids) {
		Map<Long, String> names = new HashMap<>();
		if (oids.isEmpty() || this.sampler == null) {
			return names;
		}
		synchronized (this) {
			try (PreparedStatement statement = this.sampler.prepareStatement(VISIBLE)) {
				Array array = this.sampler.createArrayOf("bigint", oids.toArray());
				statement.setArray(1, array);
				try (ResultSet rows = statement.executeQuery()) {
					while (rows.next()) {
						names.put(rows.getLong(1), rows.getString(2));
					}
				}
			}
			catch (SQLException ex) {
				this.blind = "cannot name the relations the rehearsal locked (SQLSTATE " + ex.getSQLState() + ")";
			}
		}
		return names;
	}

	@Override
	public void close() {
		this.sampling = false;
		if (this.samplerThread != null) {
			this.samplerThread.interrupt();
			try {
				this.samplerThread.join(1000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		if (this.sampler != null) {
			try {
				this.sampler.close();
			}
			catch (SQLException ex) {
				// The clone is deleted next.
			}
		}
	}

	private record LockKey(long relation, String mode) {
	}

}
