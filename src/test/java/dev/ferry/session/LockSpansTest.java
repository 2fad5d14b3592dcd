package dev.ferry.session;

import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.ferry.session.HeldLock;
import dev.ferry.session.LockSpans.LockKey;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The lock sampler's arithmetic: every figure is an upper bound of how long a lock was held. */
class LockSpansTest {

	private static final long MS = 1_000_000;

	private static final LockKey ACCOUNT_EXCLUSIVE = new LockKey(16400, "AccessExclusiveLock");

	private static final LockKey ACCOUNT_SHARE = new LockKey(16400, "ShareLock");

	private static final LockKey ORDERS_SHARE_UPDATE = new LockKey(16500, "ShareUpdateExclusiveLock");

	private static final Map<Long, String> EXISTING = Map.of(16400L, "public.account", 16500L, "public.orders");

	/** A migration that started at 1000 ms, sampled every 10 ms. */
	private final LockSpans spans = new LockSpans(1000 * MS, 10);

	@Test
	void aLockFirstSeenInARoundCountsFromTheRoundBeforeIt() {
		this.spans.round(1010 * MS, List.of());
		this.spans.round(1020 * MS, List.of(ACCOUNT_EXCLUSIVE));
		this.spans.round(1030 * MS, List.of(ACCOUNT_EXCLUSIVE));

		assertThat(this.spans.held(1100 * MS, true, Set.of(ACCOUNT_EXCLUSIVE), EXISTING))
			.containsExactly(new HeldLock("public.account", "ACCESS EXCLUSIVE", true, 90));
	}

	@Test
	void aLockSeenInTheFirstRoundCountsFromTheMigrationsStart() {
		this.spans.round(1005 * MS, List.of(ACCOUNT_EXCLUSIVE));

		assertThat(this.spans.held(1050 * MS, true, Set.of(ACCOUNT_EXCLUSIVE), EXISTING))
			.extracting(HeldLock::heldMs)
			.containsExactly(50L);
	}

	@Test
	void aLockReleasedBeforeTheEndCountsUntilOneIntervalAfterItWasLastSeenAndNeverPastTheEnd() {
		this.spans.round(1010 * MS, List.of(ORDERS_SHARE_UPDATE));
		this.spans.round(1020 * MS, List.of(ORDERS_SHARE_UPDATE));
		this.spans.round(1030 * MS, List.of());

		assertThat(this.spans.held(1100 * MS, true, Set.of(), EXISTING)).extracting(HeldLock::heldMs)
			.as("from the start to 1020 + 10 ms")
			.containsExactly(30L);
		assertThat(this.spans.held(1025 * MS, true, Set.of(), EXISTING)).extracting(HeldLock::heldMs)
			.as("cut at the end")
			.containsExactly(25L);
	}

	@Test
	void everyLockOfAFailedMigrationCountsUntilTheEndItsRollbackReleasedThemAt() {
		this.spans.round(1010 * MS, List.of(ORDERS_SHARE_UPDATE));
		this.spans.round(1020 * MS, List.of());

		assertThat(this.spans.held(1200 * MS, false, Set.of(), EXISTING)).extracting(HeldLock::heldMs)
			.containsExactly(200L);
	}

	@Test
	void aLockStillHeldAtTheEndButNeverSampledCountsFromTheLastRound() {
		this.spans.round(1010 * MS, List.of());
		this.spans.round(1020 * MS, List.of());

		assertThat(this.spans.held(1026 * MS, true, Set.of(ACCOUNT_EXCLUSIVE), EXISTING)).extracting(HeldLock::heldMs)
			.containsExactly(6L);
		assertThat(this.spans.relations(Set.of(ACCOUNT_EXCLUSIVE))).containsExactly(16400L);
	}

	@Test
	void onlyStrongLocksOnRelationsThatExistedBeforeCountTheStrongestPerRelationLongestFirst() {
		LockKey created = new LockKey(16600, "AccessExclusiveLock");
		LockKey weak = new LockKey(16500, "RowExclusiveLock");
		this.spans.round(1010 * MS, List.of(ACCOUNT_SHARE, ACCOUNT_EXCLUSIVE, ORDERS_SHARE_UPDATE, created, weak));

		List<HeldLock> held = this.spans.held(1100 * MS, true,
				Set.of(ACCOUNT_SHARE, ACCOUNT_EXCLUSIVE, ORDERS_SHARE_UPDATE, created, weak), EXISTING);

		assertThat(held).as("the relation the migration created is nobody else's lock; ROW EXCLUSIVE is not strong")
			.containsExactly(new HeldLock("public.account", "ACCESS EXCLUSIVE", true, 100),
					new HeldLock("public.orders", "SHARE UPDATE EXCLUSIVE", false, 100));
		assertThat(this.spans.durationMillis(1100 * MS)).isEqualTo(100);
	}

}
