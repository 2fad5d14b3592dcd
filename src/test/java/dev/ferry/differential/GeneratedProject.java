package dev.ferry.differential;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import dev.ferry.testing.Scripts;

/**
 * A random Flyway project made of the shapes users write, with one failure put at a random place in one of its
 * scripts: what {@link GeneratedProjectsTest} runs through Ferry and plain Flyway. Every shape works on objects of
 * its own (named after its number), so that any subset of them runs; the objects are made with {@code IF NOT EXISTS}
 * and the rows with {@code ON CONFLICT DO NOTHING} where the statement allows, as a user fixing a script that
 * committed part of itself writes them.
 *
 * @param shapes the migrations' shapes, in version order
 * @param mixed Flyway's {@code mixed}: a {@code CREATE INDEX CONCURRENTLY} shares its script with its table
 * @param group Flyway's {@code group}: all pending migrations in one transaction
 * @param ownHistorySchema the history in a schema of its own ({@code FLYWAY_SCHEMAS=flyway,app})
 * @param flywayPlaceholder the repeatables' placeholder given as {@code FLYWAY_PLACEHOLDERS_LABEL}, else as
 * {@code FERRY_PLACEHOLDER_label}
 * @param failure what fails
 * @param failingScript which script fails (modulo the number of scripts)
 * @param failingPosition before which statement of it (modulo its number of statements plus one)
 */
record GeneratedProject(List<Shape> shapes, boolean mixed, boolean group, boolean ownHistorySchema,
		boolean flywayPlaceholder, Failure failure, int failingScript, int failingPosition) {

	/** The shapes of a migration, each one or two scripts of statements. */
	enum Shape {

		DDL, DML, OWN_COMMIT, OWN_ROLLBACK, DO_BLOCK, FUNCTION, INDEX_CONCURRENTLY, ENUM_ADDED_THEN_USED, REPEATABLE

	}

	/** What goes wrong: a syntax error or an error at run time. */
	enum Failure {

		SYNTAX_ERROR, DIVISION_BY_ZERO, DUPLICATE_KEY

	}

	/**
	 * One script of the project.
	 *
	 * @param name its file name
	 * @param statements its statements, each written with a semicolon after it
	 */
	record Script(String name, List<String> statements) {

		String text() {
			return this.statements.stream().map((statement) -> statement + ";\n").collect(Collectors.joining());
		}

	}

	/** The settings a user of this project gives. */
	List<Setting> settings() {
		List<Setting> settings = new ArrayList<>();
		settings.add(this.flywayPlaceholder ? Setting.flywayPlaceholder("label", "generated")
				: Setting.placeholder("label", "generated"));
		if (this.mixed) {
			settings.add(Setting.flyway("mixed", "true"));
		}
		if (this.group) {
			settings.add(Setting.spring("group", "true"));
		}
		if (this.ownHistorySchema) {
			settings.add(Setting.flyway("schemas", "flyway,app"));
		}
		return settings;
	}

	/** The project as its user first writes it, with the failure. */
	List<Script> broken() {
		List<Script> scripts = fixed();
		int at = Math.floorMod(this.failingScript, scripts.size());
		Script script = scripts.get(at);
		List<String> statements = new ArrayList<>(script.statements());
		statements.addAll(Math.floorMod(this.failingPosition, statements.size() + 1), failing(at + 1));
		scripts.set(at, new Script(script.name(), statements));
		return scripts;
	}

	/** The project once its user has fixed the failing script. */
	List<Script> fixed() {
		List<Script> scripts = new ArrayList<>();
		for (int i = 0; i < this.shapes.size(); i++) {
			scripts.addAll(scripts(this.shapes.get(i), i + 1));
		}
		return scripts;
	}

	static void write(List<Script> scripts, Scripts folder) {
		scripts.forEach((script) -> folder.write(script.name(), script.text()));
	}

	/** Every script of the broken project, for the report of a difference. */
	String listing() {
		StringBuilder listing = new StringBuilder("Generated project ").append(this).append(":\n");
		for (Script script : broken()) {
			listing.append("--- ").append(script.name()).append('\n').append(script.text());
		}
		return listing.toString();
	}

	private List<String> failing(int n) {
		return switch (this.failure) {
			case SYNTAX_ERROR -> List.of("SELEC " + n);
			case DIVISION_BY_ZERO -> List.of("SELECT " + n + " / 0");
			case DUPLICATE_KEY -> List.of("CREATE TABLE IF NOT EXISTS dup" + n + " (id int PRIMARY KEY)",
					"INSERT INTO dup" + n + " VALUES (1), (1)");
		};
	}

	private List<Script> scripts(Shape shape, int n) {
		String table = "t" + n;
		String keyed = "CREATE TABLE IF NOT EXISTS " + table + " (id int PRIMARY KEY)";
		return switch (shape) {
			case DDL -> versioned(n, "ddl", "CREATE TABLE IF NOT EXISTS " + table + " (id int PRIMARY KEY, v text)",
					"ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS w int DEFAULT " + n);
			case DML -> versioned(n, "dml", "CREATE TABLE IF NOT EXISTS " + table + " (id int PRIMARY KEY, v text)",
					"INSERT INTO " + table + " VALUES (1, 'a'), (2, 'b') ON CONFLICT DO NOTHING",
					"UPDATE " + table + " SET v = v || '!' WHERE id = 2");
			case OWN_COMMIT -> versioned(n, "own_commit", "BEGIN", keyed,
					"INSERT INTO " + table + " VALUES (1) ON CONFLICT DO NOTHING", "COMMIT",
					"INSERT INTO " + table + " VALUES (2) ON CONFLICT DO NOTHING");
			case OWN_ROLLBACK -> versioned(n, "own_rollback", "BEGIN", "CREATE TABLE " + table + "_gone (id int)",
					"ROLLBACK", keyed);
			case DO_BLOCK -> versioned(n, "do_block", keyed, "DO $$\nBEGIN\n  FOR k IN 1..3 LOOP\n    INSERT INTO "
					+ table + " VALUES (k) ON CONFLICT DO NOTHING;\n  END LOOP;\nEND\n$$");
			case FUNCTION -> versioned(n, "function", "CREATE OR REPLACE FUNCTION f" + n
					+ "(x int) RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN x + " + n + ";\nEND;\n$$", keyed,
					"INSERT INTO " + table + " VALUES (f" + n + "(1)) ON CONFLICT DO NOTHING");
			case INDEX_CONCURRENTLY -> indexConcurrently(n, table);
			case ENUM_ADDED_THEN_USED -> join(
					versioned(n, "enum_add", "DO $$\nBEGIN\n  CREATE TYPE e" + n
							+ " AS ENUM ('a');\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND\n$$",
							"ALTER TYPE e" + n + " ADD VALUE IF NOT EXISTS 'b'"),
					versioned(n + ".1", "enum_use", "CREATE TABLE IF NOT EXISTS " + table + " (id int PRIMARY KEY, e e"
							+ n + ")", "INSERT INTO " + table + " VALUES (1, 'b') ON CONFLICT DO NOTHING"));
			case REPEATABLE -> List.of(new Script("R__view" + n + ".sql", List.of("CREATE OR REPLACE VIEW v" + n
					+ " AS SELECT '${label}'::text AS label, " + n + " AS n")));
		};
	}

	/** With {@code mixed}, the index shares a script with its table; without, it needs a script of its own. */
	private List<Script> indexConcurrently(int n, String table) {
		String create = "CREATE TABLE IF NOT EXISTS " + table + " (id int)";
		String fill = "INSERT INTO " + table + " SELECT generate_series(1, 100)";
		String index = "CREATE INDEX CONCURRENTLY IF NOT EXISTS " + table + "_idx ON " + table + " (id)";
		if (this.mixed) {
			return versioned(n, "index_concurrently", create, fill, index);
		}
		return join(versioned(n, "index_table", create, fill), versioned(n + ".1", "index_concurrently", index));
	}

	private static List<Script> versioned(Object version, String description, String... statements) {
		return List.of(new Script("V" + version + "__" + description + ".sql", List.of(statements)));
	}

	private static List<Script> join(List<Script> first, List<Script> second) {
		List<Script> both = new ArrayList<>(first);
		both.addAll(second);
		return both;
	}

}
