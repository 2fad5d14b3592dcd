package dev.ferry.session;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BinaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.ferry.database.LockMode;

/**
 * When one migration's session was seen holding each of its locks, sampled in rounds, and how long each was held.
 * Every figure is an upper bound: a lock first seen in one round is counted from the round before it (or the
 * migration's start), so a sampler that falls behind makes a lock look longer, never shorter, and a budget judged on
 * these figures errs on the side of production.
 */
final class LockSpans {

	private static final Comparator<HeldLock> STRONGER_THEN_LONGER = Comparator
		.comparing((HeldLock lock) -> LockMode.ofLabel(lock.mode()))
		.thenComparing(HeldLock::heldMs);

	private final long startedNanos;

	private final long everyNanos;

	private final Map<LockKey, Span> seen = new HashMap<>();

	/** When the last round began: a lock not seen in it was taken after it. */
	private long previousRound;

	/**
	 * @param startedNanos when the migration started
	 * @param everyMillis the sampling interval: a lock no longer seen in a round was released within it
	 */
	LockSpans(long startedNanos, long everyMillis) {
		this.startedNanos = startedNanos;
		this.everyNanos = TimeUnit.MILLISECONDS.toNanos(everyMillis);
		this.previousRound = startedNanos;
	}

	/** The locks held in a round that began at this time. */
	void round(long roundNanos, Collection<LockKey> held) {
		for (LockKey key : held) {
			Span span = this.seen.get(key);
			this.seen.put(key, new Span((span != null) ? span.first() : this.previousRound, roundNanos));
		}
		this.previousRound = roundNanos;
	}

	/** The relations to name when the migration ends with these locks still held. */
	Set<Long> relations(Set<LockKey> stillHeld) {
		return Stream.concat(this.seen.keySet().stream(), stillHeld.stream())
			.map(LockKey::relation)
			.collect(Collectors.toSet());
	}

	long durationMillis(long endNanos) {
		return TimeUnit.NANOSECONDS.toMillis(endNanos - this.startedNanos);
	}

	/**
	 * The strong locks (SHARE UPDATE EXCLUSIVE and above) the migration held on relations that existed before it, the
	 * strongest per relation, longest first. Inside a transaction every lock it took is held until it ends: those
	 * still held at the end, and all of a failed (rolled back) migration's, count until the end.
	 * @param endNanos when the migration ended
	 * @param succeeded whether it did
	 * @param stillHeld the locks its session held as it ended, sampled or not
	 * @param existing the names of the relations other sessions could see, by OID: the others the migration created
	 */
	List<HeldLock> held(long endNanos, boolean succeeded, Set<LockKey> stillHeld, Map<Long, String> existing) {
		Map<LockKey, Span> spans = new HashMap<>(this.seen);
		for (LockKey key : stillHeld) {
			spans.putIfAbsent(key, new Span(this.previousRound, endNanos));
		}
		Map<String, HeldLock> strongest = new HashMap<>();
		spans.forEach((key, span) -> {
			String relation = existing.get(key.relation());
			LockMode mode = LockMode.ofPgLocksMode(key.mode());
			if (relation == null || mode == null || !mode.isStrong()) {
				return;
			}
			long until = (stillHeld.contains(key) || !succeeded) ? endNanos
					: Math.min(endNanos, span.last() + this.everyNanos);
			long heldMillis = Math.max(0, TimeUnit.NANOSECONDS.toMillis(until - span.first()));
			strongest.merge(relation, new HeldLock(relation, mode.label(), mode.blocksWrites(), heldMillis),
					BinaryOperator.maxBy(STRONGER_THEN_LONGER));
		});
		return strongest.values()
			.stream()
			.sorted(Comparator.comparing(HeldLock::heldMs).reversed().thenComparing(HeldLock::relation))
			.toList();
	}

	/** A lock as pg_locks names it: the relation's OID and the mode. */
	record LockKey(long relation, String mode) {
	}

	private record Span(long first, long last) {
	}

}
