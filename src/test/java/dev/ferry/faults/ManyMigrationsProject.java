package dev.ferry.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.ferry.testing.CatalogDump;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.Scripts;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A generated Flyway project of many small versioned migrations (DDL and data: tables, columns, indexes,
 * constraints, functions, a backfill of the application's own rows) and two repeatables, with a database
 * template that holds the state a real database would be in before the run under test: the first
 * {@value #PRE_STAGE} migrations applied and {@value #CUSTOMERS} customers of sample data that the later
 * migrations transform. Made once per JVM, shared by the scenarios that need it, dropped at the end of the suite.
 */
final class ManyMigrationsProject implements AutoCloseable {

	static final int PRE_STAGE = 5;

	static final int CUSTOMERS = 10000;

	/** How many Ferry runs the kill trials make at once (-Dferry.faults.parallel, default 2). */
	static final int PARALLEL = Math.max(1, Integer.getInteger("ferry.faults.parallel", 2));

	private static ManyMigrationsProject shared;

	private final Path folder;

	private final int versioned;

	private final Database template;

	private CatalogDump reference;

	private Duration uninterrupted;

	private final int staged;

	private ManyMigrationsProject(Path folder, int versioned, Database template, int staged) {
		this.folder = folder;
		this.versioned = versioned;
		this.template = template;
		this.staged = staged;
	}

	/** The project, made on first use; {@code -Dferry.faults.migrations} sets its size (default 80). */
	static synchronized ManyMigrationsProject get() {
		if (shared == null) {
			int versioned = Integer.getInteger("ferry.faults.migrations", 80);
			shared = create(versioned);
			FaultLedger.closeAtEnd(shared);
		}
		return shared;
	}

	private static ManyMigrationsProject create(int versioned) {
		Path folder;
		Path stage;
		try {
			folder = Files.createTempDirectory("ferry-faults-project");
			stage = Files.createDirectory(folder.resolve("stage"));
			folder = Files.createDirectory(folder.resolve("project"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		write(Scripts.in(folder), versioned);
		// The state before the run under test: the first migrations only (the repeatables stay pending).
		write(Scripts.in(stage), PRE_STAGE);
		try (var files = Files.list(stage)) {
			for (Path script : files.filter((f) -> f.getFileName().toString().startsWith("R__")).toList()) {
				Files.delete(script);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Database template = Database.create("fault_tpl");
		FerryRun stageRun = FaultLedger.check(template.ferry().locations(stage).run());
		assertThat(stageRun.exitCode()).as(stageRun.toString()).isZero();
		template.execute("INSERT INTO shop.customer (id, name, email, created) SELECT i, 'customer ' || i,"
				+ " 'c' || i || '@example.test', date '2020-01-01' + (i % 1000) FROM generate_series(1, " + CUSTOMERS
				+ ") i");
		int staged = Integer.parseInt(template.single("SELECT count(*) FROM " + CatalogDump.HISTORY_TABLE
				+ " WHERE type <> 'SCHEMA'"));
		return new ManyMigrationsProject(folder, versioned, template, staged);
	}

	private static void write(Scripts scripts, int versioned) {
		scripts.write("V1__shop_schema.sql", """
				CREATE SCHEMA shop;
				CREATE TABLE shop.customer (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL,
				    created date NOT NULL);
				CREATE TABLE shop.item_0 (id int PRIMARY KEY, label text NOT NULL, qty int NOT NULL DEFAULT 0,
				    price numeric(12, 2));
				INSERT INTO shop.item_0 SELECT i, md5('0-' || i), i % 17, (i * 1.25)::numeric(12, 2)
				FROM generate_series(1, 1500) i;
				""");
		scripts.write("V2__setting.sql", """
				CREATE TABLE shop.setting (name text PRIMARY KEY, value text NOT NULL);
				-- A secret placeholder, hashed: the value itself must never show up anywhere.
				INSERT INTO shop.setting VALUES ('api_password_hash', md5('${api_db_password}'));
				""");
		for (int v = 3; v <= versioned; v++) {
			scripts.write(name(v), script(v));
		}
		scripts.write("R__reference_codes.sql", """
				CREATE TABLE IF NOT EXISTS shop.reference_code (code text PRIMARY KEY, label text NOT NULL,
				    active boolean NOT NULL DEFAULT true);
				INSERT INTO shop.reference_code (code, label)
				SELECT 'CODE' || i, 'label ' || i FROM generate_series(1, 40) i
				ON CONFLICT (code) DO UPDATE SET label = excluded.label, active = true;
				""");
		scripts.write("R__customer_overview.sql", """
				CREATE OR REPLACE VIEW shop.customer_overview AS
				SELECT c.id, c.name, c.created, (SELECT count(*) FROM shop.setting) AS settings
				FROM shop.customer c;
				""");
	}

	private static String name(int v) {
		String[] kinds = { "create_item_table", "add_customer_column", "index_items", "check_items", "more_items",
				"customer_notes", "reprice_items", "item_function" };
		return "V" + v + "__" + kinds[v % kinds.length] + "_" + v + ".sql";
	}

	/** Migration v: one of eight kinds, each referring to the latest item table made before it. */
	private static String script(int v) {
		String table = "shop.item_" + (v - (v % 8));
		return switch (v % 8) {
			case 0 -> "CREATE TABLE shop.item_" + v + " (id int PRIMARY KEY, label text NOT NULL, qty int NOT NULL"
					+ " DEFAULT 0, price numeric(12, 2));\n"
					+ "INSERT INTO shop.item_" + v + " SELECT i, md5('" + v + "-' || i), i % 17, (i * 1.25)::numeric(12, 2)"
					+ " FROM generate_series(1, 1500) i;\n";
			case 1 -> "ALTER TABLE shop.customer ADD COLUMN score_" + v + " int NOT NULL DEFAULT 0;\n"
					+ "UPDATE shop.customer SET score_" + v + " = (id * " + v + ") % 97;\n";
			case 2 -> "CREATE INDEX item_label_" + v + " ON " + table + " (label);\n";
			case 3 -> "ALTER TABLE " + table + " ADD CONSTRAINT item_qty_" + v + " CHECK (qty >= 0);\n";
			case 4 -> "INSERT INTO " + table + " SELECT i, md5('more-" + v + "-' || i), i % 5, i"
					+ " FROM generate_series(" + (10000 * v) + ", " + (10000 * v + 499) + ") i;\n";
			case 5 -> "CREATE TABLE shop.note_" + v + " (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES"
					+ " shop.customer (id), body text NOT NULL);\n"
					+ "INSERT INTO shop.note_" + v + " SELECT id, id, 'note ' || " + v + " || ' for ' || name"
					+ " FROM shop.customer WHERE id % 8 = " + (v % 8) + ";\n";
			case 6 -> "UPDATE " + table + " SET price = price * 2 WHERE id % 3 = 0;\n"
					+ "COMMENT ON TABLE " + table + " IS 'repriced by " + v + "';\n";
			default -> "CREATE FUNCTION shop.item_count_" + v + "() RETURNS bigint LANGUAGE sql STABLE AS"
					+ " $$ SELECT count(*) FROM " + table + " $$;\n";
		};
	}

	Path folder() {
		return this.folder;
	}

	/** Versioned migrations plus repeatables: the rows a complete history has. */
	int migrationCount() {
		return this.versioned + 2;
	}

	/** Those still pending in a copy of the template. */
	int pendingFromTemplate() {
		return migrationCount() - this.staged;
	}

	/** A new database in the template's state: pre-stage applied, sample data in. */
	synchronized Database freshCopy(String prefix) {
		return Database.copyOf(this.template, prefix);
	}

	/**
	 * The catalog dump of an uninterrupted run from the template's state, and how long that run took from JVM start
	 * to exit (the fastest of runs made as many at a time as the kill trials make them, which must all leave the
	 * same dump).
	 */
	synchronized CatalogDump reference() {
		if (this.reference == null) {
			// Runs made as many at once as the kill trials make them. The fastest one sets the kill window: a window
			// stretched by a moment of load elsewhere on the machine would only add kills after Ferry has exited.
			List<Database> databases = new java.util.ArrayList<>();
			for (int i = 0; i < Math.max(2, PARALLEL); i++) {
				databases.add(freshCopy("fault_ref"));
			}
			try {
				Duration fastest = null;
				for (int batch = 0; batch < databases.size(); batch += PARALLEL) {
					long started = System.nanoTime();
					List<FerryProcess.Started> runs = databases.subList(batch, Math.min(batch + PARALLEL,
							databases.size())).stream()
						.map((database) -> database.ferry().locations(this.folder).start())
						.toList();
					List<java.util.concurrent.CompletableFuture<Long>> exits = runs.stream()
						.map((run) -> run.process().onExit().thenApply((p) -> System.nanoTime()))
						.toList();
					for (int i = 0; i < runs.size(); i++) {
						FerryRun finished = FaultLedger.check(runs.get(i).await());
						Duration took = Duration.ofNanos(exits.get(i).join() - started);
						fastest = (fastest == null || took.compareTo(fastest) < 0) ? took : fastest;
						assertThat(finished.exitCode()).as(finished.toString()).isZero();
						assertThat(finished.<Integer>report("$.applied.length()")).isEqualTo(pendingFromTemplate());
					}
				}
				CatalogDump first = databases.get(0).dump();
				for (Database other : databases.subList(1, databases.size())) {
					assertThat(other.dump().differencesFrom(first)).as("uninterrupted runs leave the same dump").isEmpty();
				}
				assertThat(first.historyRows()).isEqualTo(migrationCount());
				this.reference = first;
				this.uninterrupted = fastest;
			}
			finally {
				databases.forEach(Database::drop);
			}
		}
		return this.reference;
	}

	Duration uninterruptedRun() {
		reference();
		return this.uninterrupted;
	}

	@Override
	public void close() {
		this.template.drop();
		try (var files = Files.walk(this.folder.getParent())) {
			files.sorted(java.util.Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
		}
		catch (IOException ex) {
			// A temporary folder: left behind at worst.
		}
	}

}
