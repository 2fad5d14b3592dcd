package dev.ferry.plan;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.ferry.database.LockMode;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plan's lock annotations against PostgreSQL itself: each planned statement runs in a transaction of its own,
 * and before it commits {@code pg_locks} must show the session holding every annotated mode on every annotated
 * relation. Whether an ALTER TABLE rewrites the table is checked by its file node: a rewrite gives it a new one.
 * {@code CREATE INDEX CONCURRENTLY} cannot run in a transaction: it is watched from another session while it waits
 * for a writer's transaction to end, holding its lock.
 */
class PlanLocksTest {

	private static final String SETUP = """
			CREATE TABLE parent (id int PRIMARY KEY, v text);
			CREATE TABLE child (id int PRIMARY KEY, parent_id int, amount int NOT NULL DEFAULT 0, note text);
			INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 20) g;
			INSERT INTO child SELECT g, g, g, 'n' FROM generate_series(1, 20) g;
			CREATE MATERIALIZED VIEW totals AS SELECT id, length(v) AS size FROM parent;
			CREATE UNIQUE INDEX totals_id_idx ON totals (id);
			CREATE INDEX child_note_idx ON child (note);
			CREATE SEQUENCE numbers;
			CREATE VIEW parent_names AS SELECT id, v FROM parent;
			CREATE TABLE gone (id int);
			CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
			CREATE TABLE "Odd Name" (id int PRIMARY KEY);
			CREATE TABLE measurements (at date, v int) PARTITION BY RANGE (at);
			CREATE TABLE m2025 (at date, v int);
			""";

	private static final String FORMS = """
			ALTER TABLE child ADD COLUMN extra int;
			ALTER TABLE child ADD COLUMN made_at timestamptz DEFAULT clock_timestamp();
			ALTER TABLE child ADD COLUMN flag boolean NOT NULL DEFAULT false;
			ALTER TABLE child ALTER COLUMN amount TYPE bigint;
			ALTER TABLE child ALTER COLUMN note SET NOT NULL;
			ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID;
			ALTER TABLE child VALIDATE CONSTRAINT child_parent_fk;
			ALTER TABLE child ADD CONSTRAINT child_amount_check CHECK (amount >= 0);
			ALTER TABLE child ALTER COLUMN note SET STATISTICS 200;
			ALTER TABLE child ALTER COLUMN note SET DEFAULT 'n', ALTER COLUMN extra SET STATISTICS 100;
			ALTER TABLE child ENABLE ROW LEVEL SECURITY;
			ALTER TABLE child DISABLE TRIGGER ALL;
			ALTER TABLE child SET (fillfactor = 90);
			ALTER TABLE child DROP COLUMN extra;
			ALTER TABLE child RENAME COLUMN flag TO flagged;
			CREATE INDEX child_amount_idx ON child (amount);
			CREATE UNIQUE INDEX child_id_note_idx ON child (id, note);
			CREATE TRIGGER child_touch BEFORE INSERT ON child FOR EACH ROW EXECUTE FUNCTION touch();
			CREATE POLICY child_all ON child USING (true);
			COMMENT ON TABLE child IS 'children';
			COMMENT ON COLUMN child.note IS 'a note';
			INSERT INTO child (id, parent_id, amount, note) VALUES (100, 1, 5, 'x');
			UPDATE child SET note = 'y' WHERE id = 100;
			DELETE FROM child WHERE id = 100;
			SELECT * FROM parent WHERE id = 1 FOR UPDATE;
			REFRESH MATERIALIZED VIEW totals;
			REFRESH MATERIALIZED VIEW CONCURRENTLY totals;
			LOCK TABLE parent IN SHARE MODE;
			LOCK TABLE gone;
			CREATE OR REPLACE VIEW parent_names AS SELECT id, v, v AS name FROM parent;
			ALTER INDEX child_note_idx RENAME TO child_note_index;
			ALTER SEQUENCE numbers RESTART WITH 5;
			CREATE TABLE fresh (id int PRIMARY KEY, parent_id int REFERENCES parent (id));
			DROP INDEX child_amount_idx;
			DROP TABLE gone;
			ALTER TABLE child ADD COLUMN token uuid DEFAULT gen_random_uuid();
			ALTER TABLE "Odd Name" ADD CONSTRAINT odd_unique UNIQUE (id);
			ALTER TABLE child DROP CONSTRAINT child_amount_check;
			LOCK TABLE "Odd Name" IN ROW EXCLUSIVE MODE;
			REINDEX INDEX child_note_index;
			REINDEX TABLE parent;
			ANALYZE parent;
			CLUSTER parent USING parent_pkey;
			ALTER TABLE measurements ATTACH PARTITION m2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
			CREATE TABLE m2026 PARTITION OF measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
			ALTER VIEW parent_names RENAME TO parent_list;
			DROP VIEW parent_list;
			TRUNCATE child;
			""";

	private static final String CONCURRENT_INDEX = "CREATE INDEX CONCURRENTLY child_parent_idx ON child (parent_id)";

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	@Test
	void everyAnnotatedLockIsHeldByTheStatementAsPgLocksShowsIt() throws SQLException {
		this.database.execute(SETUP);
		Scripts.in(this.folder).write("V1__forms.sql", FORMS);
		FerryRun plan = FerryProcess.against(this.database).locations(this.folder).run("plan");
		assertThat(plan.exitCode()).as(plan.toString()).isZero();
		List<Map<String, Object>> statements = plan.report("$.plan.migrations[?(@.state == 'Pending')].statements[*]");
		assertThat(statements).hasSize(FORMS.strip().split(";\n").length);

		List<String> wrong = new ArrayList<>();
		try (Connection connection = this.database.connect()) {
			connection.setAutoCommit(false);
			for (Map<String, Object> statement : statements) {
				wrong.addAll(check(connection, statement));
			}
		}

		assertThat(wrong).isEmpty();
	}

	@Test
	void createIndexConcurrentlyHoldsShareUpdateExclusiveWhileItWaitsForAWriter() throws Exception {
		this.database.execute(SETUP);
		Scripts.in(this.folder).write("V1__index.sql", CONCURRENT_INDEX + ";\n");
		FerryRun plan = FerryProcess.against(this.database).locations(this.folder).run("plan");
		assertThat(plan.exitCode()).as(plan.toString()).isZero();
		assertThat(plan.<String>report("$.plan.migrations[0].statements[0].lock")).isEqualTo("SHARE UPDATE EXCLUSIVE");
		assertThat(plan.<String>report("$.plan.migrations[0].statements[0].relation")).isEqualTo("child");

		try (Connection writer = this.database.connect(); Connection builder = this.database.connect();
				Connection watcher = this.database.connect()) {
			writer.setAutoCommit(false);
			try (Statement statement = writer.createStatement()) {
				statement.execute("UPDATE child SET note = note WHERE id = 1");
			}
			int builderPid = pid(builder);
			CompletableFuture<Void> build = CompletableFuture.runAsync(() -> execute(builder, CONCURRENT_INDEX));
			Set<String> held = Set.of();
			for (int i = 0; i < 300 && !held.contains("ShareUpdateExclusiveLock"); i++) {
				held = modes(watcher, builderPid, oid(watcher, "child"), true);
				Thread.sleep(100);
			}
			writer.commit();
			build.get(60, TimeUnit.SECONDS);
			assertThat(held).contains(LockMode.SHARE_UPDATE_EXCLUSIVE.pgLocksMode());
		}
	}

	private List<String> check(Connection connection, Map<String, Object> planned) throws SQLException {
		String sql = (String) planned.get("sql");
		@SuppressWarnings("unchecked")
		List<Map<String, String>> locks = (List<Map<String, String>>) planned.get("locks");
		List<String> wrong = new ArrayList<>();
		if (planned.get("form") == null) {
			wrong.add("no lock known for: " + sql);
		}
		Map<String, Long> oids = new LinkedHashMap<>();
		for (Map<String, String> lock : locks) {
			oids.put(lock.get("relation"), oid(connection, lock.get("relation")));
		}
		String main = locks.isEmpty() ? null : locks.get(0).get("relation");
		Long fileNodeBefore = (main != null && sql.startsWith("ALTER TABLE")) ? fileNode(connection, oids.get(main)) : null;
		try (Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		int pid = pid(connection);
		for (Map<String, String> lock : locks) {
			String expected = LockMode.ofLabel(lock.get("mode")).pgLocksMode();
			Set<String> held = modes(connection, pid, oids.get(lock.get("relation")), true);
			if (!held.contains(expected)) {
				wrong.add(sql + ": annotated " + expected + " on " + lock.get("relation") + ", pg_locks shows " + held);
			}
		}
		connection.commit();
		if (fileNodeBefore != null) {
			boolean rewritten = !fileNodeBefore.equals(fileNode(connection, oids.get(main)));
			if (rewritten != Boolean.TRUE.equals(planned.get("rewrites"))) {
				wrong.add(sql + ": annotated rewrites=" + planned.get("rewrites") + ", the table was "
						+ (rewritten ? "" : "not ") + "rewritten");
			}
			connection.commit();
		}
		return wrong;
	}

	private static Set<String> modes(Connection connection, int pid, long relation, boolean granted) throws SQLException {
		try (PreparedStatement query = connection.prepareStatement(
				"SELECT mode FROM pg_locks WHERE pid = ? AND locktype = 'relation' AND relation = ? AND granted = ?")) {
			query.setInt(1, pid);
			query.setLong(2, relation);
			query.setBoolean(3, granted);
			Set<String> modes = new HashSet<>();
			try (ResultSet rows = query.executeQuery()) {
				while (rows.next()) {
					modes.add(rows.getString(1));
				}
			}
			return modes;
		}
	}

	private static long oid(Connection connection, String relation) throws SQLException {
		try (PreparedStatement query = connection.prepareStatement("SELECT to_regclass(?)::oid")) {
			query.setString(1, relation);
			try (ResultSet row = query.executeQuery()) {
				row.next();
				long oid = row.getLong(1);
				assertThat(oid).as("relation %s exists", relation).isNotZero();
				return oid;
			}
		}
	}

	private static long fileNode(Connection connection, long oid) throws SQLException {
		try (PreparedStatement query = connection.prepareStatement("SELECT pg_relation_filenode(?::oid)")) {
			query.setLong(1, oid);
			try (ResultSet row = query.executeQuery()) {
				row.next();
				return row.getLong(1);
			}
		}
	}

	private static int pid(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT pg_backend_pid()")) {
			row.next();
			return row.getInt(1);
		}
	}

	private static void execute(Connection connection, String sql) {
		try (Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(sql, ex);
		}
	}

}
