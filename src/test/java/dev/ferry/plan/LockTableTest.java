package dev.ferry.plan;

import dev.ferry.database.LockMode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plan's table of what each DDL form locks, read without a database ({@code PlanLocksTest} checks the same
 * forms against {@code pg_locks}).
 */
@Tag("unit")
class LockTableTest {

	@Test
	void addingANullableColumnTakesAccessExclusiveWithoutARewrite() {
		StatementLock lock = LockTable.of("ALTER TABLE app.users ADD COLUMN nickname text");
		assertThat(lock.locks()).first().satisfies((relation) -> {
			assertThat(relation.mode()).isEqualTo(LockMode.ACCESS_EXCLUSIVE);
			assertThat(relation.relation()).isEqualTo("app.users");
		});
		assertThat(lock.rewrites()).isFalse();
	}

	@Test
	void changingAColumnsTypeRewritesTheTable() {
		assertThat(LockTable.of("ALTER TABLE app.users ALTER COLUMN id TYPE bigint").rewrites()).isTrue();
	}

	@Test
	void aConcurrentIndexBuildTakesShareUpdateExclusive() {
		assertThat(LockTable.of("CREATE INDEX CONCURRENTLY users_email ON app.users (email)").locks()).first()
			.satisfies((relation) -> assertThat(relation.mode()).isEqualTo(LockMode.SHARE_UPDATE_EXCLUSIVE));
	}

	@Test
	void aPlainIndexBuildBlocksWritesWithShare() {
		assertThat(LockTable.of("CREATE INDEX users_email ON app.users (email)").locks()).first()
			.satisfies((relation) -> assertThat(relation.mode()).isEqualTo(LockMode.SHARE));
	}

	@Test
	void aStatementTheTableDoesNotKnowSaysSo() {
		assertThat(LockTable.of("DO $$ BEGIN PERFORM 1; END $$").known()).isFalse();
	}

}
