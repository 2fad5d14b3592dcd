package dev.ferry.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.ferry.database.LockMode;
import dev.ferry.plan.StatementLock.RelationLock;

import static dev.ferry.database.LockMode.ACCESS_EXCLUSIVE;
import static dev.ferry.database.LockMode.EXCLUSIVE;
import static dev.ferry.database.LockMode.ROW_EXCLUSIVE;
import static dev.ferry.database.LockMode.ROW_SHARE;
import static dev.ferry.database.LockMode.SHARE;
import static dev.ferry.database.LockMode.SHARE_ROW_EXCLUSIVE;
import static dev.ferry.database.LockMode.SHARE_UPDATE_EXCLUSIVE;

/**
 * Which table-level lock a statement takes on which relation, from PostgreSQL's documentation (version 15): section
 * 13.3.1 "Table-Level Locks" (table 13.2, the commands that take each mode), the "Notes" of ALTER TABLE (the lock of
 * each subcommand, "ACCESS EXCLUSIVE unless explicitly noted"; the strictest of its subcommands for several; which
 * ones rewrite or scan the table), and the pages of CREATE INDEX ("Building Indexes Concurrently"), REINDEX, CREATE
 * TRIGGER, REFRESH MATERIALIZED VIEW, VACUUM, CLUSTER and LOCK. Locks that the documentation does not state per
 * command (CREATE POLICY, COMMENT ON) are those PostgreSQL takes in its source and {@code pg_locks} shows; the
 * {@code PlanLocksTest} checks the table against {@code pg_locks}.
 * <p>
 * The table is data: the first rule whose pattern matches the statement (leading comments removed) wins. A pattern
 * names the relation it locks in group {@code rel}. A statement no rule matches says "lock not known".
 */
public final class LockTable {

	private static final String ID = "(?:\"(?:[^\"]|\"\")+\"|[\\p{L}_][\\p{L}\\p{N}_$]*)";

	/** A relation, possibly schema-qualified. */
	private static final String REL = "(?<rel>" + ID + "(?:\\s*\\.\\s*" + ID + "){0,2})";

	private static final String IF_EXISTS = "(?:IF\\s+EXISTS\\s+)?";

	private static final String IF_NOT_EXISTS = "(?:IF\\s+NOT\\s+EXISTS\\s+)?";

	private static final String ONLY = "(?:ONLY\\s+)?";

	private static final Pattern REFERENCES = Pattern.compile("\\bREFERENCES\\s+" + REL,
			Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

	private static final Pattern VOLATILE_DEFAULT = Pattern.compile(
			"(?is).*\\b(DEFAULT\\s+.*\\b(random|gen_random_uuid|uuid_generate_v[14]|clock_timestamp|timeofday|nextval)\\s*\\("
					+ "|GENERATED\\b.*\\bSTORED\\b|GENERATED\\b.*\\bAS\\s+IDENTITY\\b|\\b(small|big)?serial\\b).*");

	/** Statements, first match wins. */
	static final List<Rule> STATEMENTS = List.of(
			rule("CREATE INDEX CONCURRENTLY",
					"CREATE\\s+(UNIQUE\\s+)?INDEX\\s+CONCURRENTLY\\b.*?\\bON\\s+" + ONLY + REL + ".*", SHARE_UPDATE_EXCLUSIVE),
			rule("CREATE INDEX", "CREATE\\s+(UNIQUE\\s+)?INDEX\\b.*?\\bON\\s+" + ONLY + REL + ".*", SHARE)
				.effect("scans the table"),
			rule("DROP INDEX CONCURRENTLY", "DROP\\s+INDEX\\s+CONCURRENTLY\\s+" + IF_EXISTS + REL + ".*", SHARE_UPDATE_EXCLUSIVE),
			rule("DROP INDEX", "DROP\\s+INDEX\\s+" + IF_EXISTS + REL + ".*", ACCESS_EXCLUSIVE)
				.note("and on its table"),
			rule("REINDEX CONCURRENTLY", "REINDEX\\s+(\\(.*?\\)\\s*)?(INDEX|TABLE)\\s+CONCURRENTLY\\s+" + REL + ".*",
					SHARE_UPDATE_EXCLUSIVE),
			rule("REINDEX INDEX", "REINDEX\\s+(\\(.*?\\)\\s*)?INDEX\\s+" + REL + ".*", ACCESS_EXCLUSIVE)
				.note("SHARE on its table"),
			rule("REINDEX TABLE", "REINDEX\\s+(\\(.*?\\)\\s*)?TABLE\\s+" + REL + ".*", SHARE)
				.note("ACCESS EXCLUSIVE on each index while it is rebuilt"),
			rule("ALTER TABLE", "ALTER\\s+TABLE\\s+" + IF_EXISTS + ONLY + REL + "\\s+(?<actions>.*)", ACCESS_EXCLUSIVE),
			rule("ALTER INDEX RENAME", "ALTER\\s+INDEX\\s+" + IF_EXISTS + REL + "\\s+RENAME\\b.*", SHARE_UPDATE_EXCLUSIVE),
			rule("ALTER INDEX", "ALTER\\s+INDEX\\s+" + IF_EXISTS + REL + "\\s+.*", ACCESS_EXCLUSIVE),
			rule("ALTER SEQUENCE", "ALTER\\s+SEQUENCE\\s+" + IF_EXISTS + REL + "\\s+.*", SHARE_ROW_EXCLUSIVE),
			rule("ALTER VIEW", "ALTER\\s+(MATERIALIZED\\s+)?VIEW\\s+" + IF_EXISTS + REL + "\\s+.*", ACCESS_EXCLUSIVE),
			rule("CREATE TABLE PARTITION OF", "CREATE\\s+(UNLOGGED\\s+)?TABLE\\s+" + IF_NOT_EXISTS + ID
					+ "(?:\\s*\\.\\s*" + ID + ")?\\s+PARTITION\\s+OF\\s+" + REL + ".*", ACCESS_EXCLUSIVE)
				.note("new partition"),
			rule("CREATE TABLE", "CREATE\\s+((GLOBAL|LOCAL)\\s+)?((TEMP|TEMPORARY|UNLOGGED)\\s+)?TABLE\\b.*", null)
				.note("new relation").lockingReferences(),
			rule("CREATE VIEW", "CREATE\\s+(TEMP\\s+|TEMPORARY\\s+)?(RECURSIVE\\s+)?VIEW\\b.*", null).note("new relation"),
			rule("CREATE OR REPLACE VIEW", "CREATE\\s+OR\\s+REPLACE\\s+(TEMP\\s+|TEMPORARY\\s+)?(RECURSIVE\\s+)?VIEW\\s+"
					+ REL + ".*", ACCESS_EXCLUSIVE)
				.note("when the view exists already"),
			rule("CREATE MATERIALIZED VIEW", "CREATE\\s+MATERIALIZED\\s+VIEW\\b.*", null)
				.note("new relation, filled by its query"),
			rule("CREATE SEQUENCE", "CREATE\\s+((TEMP|TEMPORARY|UNLOGGED)\\s+)?SEQUENCE\\b.*", null).note("new relation"),
			rule("REFRESH MATERIALIZED VIEW CONCURRENTLY",
					"REFRESH\\s+MATERIALIZED\\s+VIEW\\s+CONCURRENTLY\\s+" + REL + ".*", EXCLUSIVE),
			rule("REFRESH MATERIALIZED VIEW", "REFRESH\\s+MATERIALIZED\\s+VIEW\\s+" + REL + ".*", ACCESS_EXCLUSIVE),
			rule("DROP TABLE", "DROP\\s+TABLE\\s+" + IF_EXISTS + REL + ".*", ACCESS_EXCLUSIVE),
			rule("DROP VIEW", "DROP\\s+(MATERIALIZED\\s+)?VIEW\\s+" + IF_EXISTS + REL + ".*", ACCESS_EXCLUSIVE),
			rule("DROP SEQUENCE", "DROP\\s+SEQUENCE\\s+" + IF_EXISTS + REL + ".*", ACCESS_EXCLUSIVE),
			rule("TRUNCATE", "TRUNCATE\\s+(TABLE\\s+)?" + ONLY + REL + ".*", ACCESS_EXCLUSIVE),
			rule("INSERT", "INSERT\\s+INTO\\s+" + REL + ".*", ROW_EXCLUSIVE),
			rule("UPDATE", "UPDATE\\s+" + ONLY + REL + ".*", ROW_EXCLUSIVE),
			rule("DELETE", "DELETE\\s+FROM\\s+" + ONLY + REL + ".*", ROW_EXCLUSIVE),
			rule("MERGE", "MERGE\\s+INTO\\s+" + ONLY + REL + ".*", ROW_EXCLUSIVE),
			rule("COPY FROM", "COPY\\s+" + REL + "\\b.*\\bFROM\\b.*", ROW_EXCLUSIVE),
			rule("SELECT FOR UPDATE/SHARE", "SELECT\\b.*\\bFROM\\s+" + ONLY + REL
					+ ".*\\bFOR\\s+(NO\\s+KEY\\s+)?(UPDATE|SHARE|KEY\\s+SHARE)\\b.*", ROW_SHARE),
			rule("SELECT", "(SELECT|VALUES|TABLE|WITH)\\b.*", null)
				.note("ACCESS SHARE on the relations it reads; writes in a WITH take ROW EXCLUSIVE"),
			rule("CREATE TRIGGER", "CREATE\\s+(OR\\s+REPLACE\\s+)?(CONSTRAINT\\s+)?TRIGGER\\b.*?\\bON\\s+" + REL + ".*",
					SHARE_ROW_EXCLUSIVE),
			rule("DROP TRIGGER", "DROP\\s+TRIGGER\\s+" + IF_EXISTS + ID + "\\s+ON\\s+" + REL + ".*", ACCESS_EXCLUSIVE),
			rule("ALTER TRIGGER", "ALTER\\s+TRIGGER\\s+" + ID + "\\s+ON\\s+" + REL + ".*", ACCESS_EXCLUSIVE),
			rule("CREATE POLICY", "CREATE\\s+POLICY\\s+" + ID + "\\s+ON\\s+" + REL + ".*", ACCESS_EXCLUSIVE),
			rule("ALTER POLICY", "ALTER\\s+POLICY\\s+" + ID + "\\s+ON\\s+" + REL + ".*", ACCESS_EXCLUSIVE),
			rule("DROP POLICY", "DROP\\s+POLICY\\s+" + IF_EXISTS + ID + "\\s+ON\\s+" + REL + ".*", ACCESS_EXCLUSIVE),
			rule("CREATE RULE", "CREATE\\s+(OR\\s+REPLACE\\s+)?RULE\\s+" + ID + "\\s+AS\\s+ON\\s+\\w+\\s+TO\\s+" + REL
					+ ".*", ACCESS_EXCLUSIVE),
			rule("COMMENT ON COLUMN", "COMMENT\\s+ON\\s+COLUMN\\s+(?<rel>" + ID + "(?:\\s*\\.\\s*" + ID + ")?)\\s*\\.\\s*"
					+ ID + "\\s+IS\\b.*", SHARE_UPDATE_EXCLUSIVE),
			rule("COMMENT ON TABLE", "COMMENT\\s+ON\\s+(TABLE|VIEW|MATERIALIZED\\s+VIEW|INDEX|SEQUENCE)\\s+" + REL
					+ "\\s+IS\\b.*", SHARE_UPDATE_EXCLUSIVE),
			rule("COMMENT ON", "COMMENT\\s+ON\\b.*", null).note("catalog only"),
			rule("GRANT/REVOKE", "(GRANT|REVOKE)\\b.*", null).note("catalog only: updates the privileges"),
			rule("ALTER DEFAULT PRIVILEGES", "ALTER\\s+DEFAULT\\s+PRIVILEGES\\b.*", null).note("catalog only"),
			rule("VACUUM FULL", "VACUUM\\s+(\\(.*?\\bFULL\\b.*?\\)|FULL\\b).*?" + REL + ".*", ACCESS_EXCLUSIVE)
				.effect(StatementLock.REWRITES),
			rule("VACUUM", "VACUUM\\b.*?" + REL + "\\s*(\\(.*\\))?", SHARE_UPDATE_EXCLUSIVE),
			rule("ANALYZE", "ANALY[SZ]E\\b(\\s*\\(.*?\\))?\\s*(VERBOSE\\s+)?" + REL + ".*", SHARE_UPDATE_EXCLUSIVE),
			rule("CLUSTER", "CLUSTER\\s+(VERBOSE\\s+)?" + REL + ".*", ACCESS_EXCLUSIVE).effect(StatementLock.REWRITES),
			rule("LOCK TABLE", "LOCK\\s+(TABLE\\s+)?" + ONLY + REL + "(?:\\s*,.*?)?(\\s+IN\\s+(?<mode>"
					+ "ACCESS\\s+SHARE|ROW\\s+SHARE|ROW\\s+EXCLUSIVE|SHARE\\s+UPDATE\\s+EXCLUSIVE|SHARE\\s+ROW\\s+EXCLUSIVE"
					+ "|SHARE|EXCLUSIVE|ACCESS\\s+EXCLUSIVE)\\s+MODE)?(\\s+NOWAIT)?", ACCESS_EXCLUSIVE),
			rule("CREATE (other object)", "CREATE\\s+(OR\\s+REPLACE\\s+)?(TRUSTED\\s+)?(PROCEDURAL\\s+)?(SCHEMA|TYPE|DOMAIN|"
					+ "FUNCTION|PROCEDURE|AGGREGATE|EXTENSION|ROLE|USER|GROUP|COLLATION|CAST|OPERATOR|LANGUAGE|"
					+ "TEXT\\s+SEARCH|CONVERSION|PUBLICATION|SUBSCRIPTION|SERVER|FOREIGN\\s+DATA\\s+WRAPPER|"
					+ "USER\\s+MAPPING|EVENT\\s+TRIGGER|STATISTICS|ACCESS\\s+METHOD)\\b.*", null)
				.note("new object"),
			rule("ALTER TYPE ADD VALUE", "ALTER\\s+TYPE\\s+" + REL + "\\s+ADD\\s+VALUE\\b.*", null)
				.note("no lock on tables using the type"),
			rule("ALTER (other object)", "ALTER\\s+(SCHEMA|ROLE|USER|GROUP|FUNCTION|PROCEDURE|DATABASE|EXTENSION|"
					+ "DOMAIN|TYPE)\\b.*", null)
				.note("catalog only; a DOMAIN or TYPE change may check the tables using it"),
			rule("DROP (other object)", "DROP\\s+(SCHEMA|TYPE|DOMAIN|FUNCTION|PROCEDURE|EXTENSION|ROLE|USER)\\b.*", null)
				.note("CASCADE takes ACCESS EXCLUSIVE on each relation it drops"),
			rule("SET/RESET", "(SET|RESET|SHOW)\\b.*", null).note("session setting"));

	/** ALTER TABLE's subcommands (ALTER TABLE "Notes"): the strictest decides. */
	static final List<Rule> ALTER_TABLE_ACTIONS = List.of(
			rule("ADD COLUMN", "ADD\\s+(COLUMN\\s+)?(?!(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN|EXCLUDE)\\b)"
					+ IF_NOT_EXISTS + ID + "\\s+.*", ACCESS_EXCLUSIVE)
				.note("PostgreSQL 11+ adds a column with a non-volatile default without a rewrite"),
			rule("ADD FOREIGN KEY NOT VALID", "ADD\\s+(CONSTRAINT\\s+" + ID + "\\s+)?FOREIGN\\s+KEY\\b.*\\bNOT\\s+VALID\\b.*",
					SHARE_ROW_EXCLUSIVE)
				.lockingReferences(),
			rule("ADD FOREIGN KEY", "ADD\\s+(CONSTRAINT\\s+" + ID + "\\s+)?FOREIGN\\s+KEY\\b.*", SHARE_ROW_EXCLUSIVE)
				.effect("scans the table").lockingReferences(),
			rule("ADD CHECK NOT VALID", "ADD\\s+(CONSTRAINT\\s+" + ID + "\\s+)?CHECK\\b.*\\bNOT\\s+VALID\\b.*",
					ACCESS_EXCLUSIVE),
			rule("ADD CHECK", "ADD\\s+(CONSTRAINT\\s+" + ID + "\\s+)?CHECK\\b.*", ACCESS_EXCLUSIVE)
				.effect("scans the table"),
			rule("ADD PRIMARY KEY/UNIQUE USING INDEX", "ADD\\s+(CONSTRAINT\\s+" + ID + "\\s+)?(PRIMARY\\s+KEY|UNIQUE)\\b"
					+ ".*\\bUSING\\s+INDEX\\s+(?!TABLESPACE)" + ID + ".*", ACCESS_EXCLUSIVE),
			rule("ADD PRIMARY KEY/UNIQUE", "ADD\\s+(CONSTRAINT\\s+" + ID + "\\s+)?(PRIMARY\\s+KEY|UNIQUE|EXCLUDE)\\b.*",
					ACCESS_EXCLUSIVE)
				.effect("builds an index, scanning the table"),
			rule("VALIDATE CONSTRAINT", "VALIDATE\\s+CONSTRAINT\\b.*", SHARE_UPDATE_EXCLUSIVE)
				.effect("scans the table"),
			rule("ALTER COLUMN TYPE", "ALTER\\s+(COLUMN\\s+)?" + ID + "\\s+(SET\\s+DATA\\s+)?TYPE\\b.*", ACCESS_EXCLUSIVE)
				.effect(StatementLock.REWRITES)
				.note("unless the old type is binary coercible to the new one, such as varchar(n) to text"),
			rule("SET NOT NULL", "ALTER\\s+(COLUMN\\s+)?" + ID + "\\s+SET\\s+NOT\\s+NULL\\b.*", ACCESS_EXCLUSIVE)
				.effect("scans the table")
				.note("no scan when a valid CHECK (col IS NOT NULL) constraint proves it"),
			rule("ALTER COLUMN SET STATISTICS/OPTIONS", "ALTER\\s+(COLUMN\\s+)?" + ID
					+ "\\s+(SET\\s+STATISTICS|SET\\s*\\(|RESET\\s*\\().*", SHARE_UPDATE_EXCLUSIVE),
			rule("ALTER COLUMN", "ALTER\\s+(COLUMN\\s+)?" + ID + "\\s+.*", ACCESS_EXCLUSIVE),
			rule("DROP COLUMN", "DROP\\s+(COLUMN\\s+)?(?!CONSTRAINT\\b)" + IF_EXISTS + ID + ".*", ACCESS_EXCLUSIVE)
				.note("no rewrite: the column is hidden"),
			rule("DROP CONSTRAINT", "DROP\\s+CONSTRAINT\\b.*", ACCESS_EXCLUSIVE),
			rule("ENABLE/DISABLE TRIGGER", "(ENABLE|DISABLE)\\s+(ALWAYS\\s+|REPLICA\\s+)?TRIGGER\\b.*", SHARE_ROW_EXCLUSIVE),
			rule("ROW LEVEL SECURITY", "(ENABLE|DISABLE|FORCE|NO\\s+FORCE)\\s+ROW\\s+LEVEL\\s+SECURITY\\b.*",
					ACCESS_EXCLUSIVE),
			rule("SET LOGGED/UNLOGGED", "SET\\s+(UN)?LOGGED\\b.*", ACCESS_EXCLUSIVE).effect(StatementLock.REWRITES),
			rule("SET TABLESPACE", "SET\\s+TABLESPACE\\b.*", ACCESS_EXCLUSIVE).effect(StatementLock.REWRITES),
			rule("CLUSTER ON", "(CLUSTER\\s+ON|SET\\s+WITHOUT\\s+CLUSTER)\\b.*", SHARE_UPDATE_EXCLUSIVE),
			rule("SET/RESET storage parameters", "(SET|RESET)\\s*\\(\\s*(fillfactor|autovacuum_\\w+|toast\\.\\w+|"
					+ "toast_tuple_target|parallel_workers)\\b.*", SHARE_UPDATE_EXCLUSIVE),
			rule("ATTACH PARTITION", "ATTACH\\s+PARTITION\\b.*", SHARE_UPDATE_EXCLUSIVE)
				.note("ACCESS EXCLUSIVE on the partition, which is scanned unless a constraint proves it fits"),
			rule("DETACH PARTITION CONCURRENTLY", "DETACH\\s+PARTITION\\b.*\\bCONCURRENTLY\\b.*", SHARE_UPDATE_EXCLUSIVE),
			rule("RENAME", "RENAME\\b.*", ACCESS_EXCLUSIVE),
			rule("other ALTER TABLE subcommand", ".*", ACCESS_EXCLUSIVE)
				.note("ACCESS EXCLUSIVE unless the documentation notes otherwise"));

	private LockTable() {
	}

	/** The locks of one statement as Flyway sends it. */
	public static StatementLock of(String statement) {
		String text = ScriptStatements.withoutLeadingComments(statement).replaceAll("\\s+", " ").trim();
		for (Rule rule : STATEMENTS) {
			Matcher matcher = rule.pattern().matcher(text);
			if (!matcher.matches()) {
				continue;
			}
			if (rule.form().equals("ALTER TABLE")) {
				return alterTable(group(matcher, "rel"), matcher.group("actions"));
			}
			List<RelationLock> locks = new ArrayList<>();
			String relation = group(matcher, "rel");
			LockMode mode = rule.mode();
			String modeGroup = group(matcher, "mode");
			if (modeGroup != null) {
				mode = LockMode.ofLabel(modeGroup);
			}
			if (mode != null && relation != null) {
				locks.add(new RelationLock(mode, relation));
			}
			if (rule.referencesLocked()) {
				locks.addAll(referenced(text, relation));
			}
			return new StatementLock(rule.form(), strongestFirst(locks), rule.effect(), rule.note());
		}
		return StatementLock.unknown();
	}

	private static StatementLock alterTable(String relation, String actions) {
		LockMode strongest = null;
		List<String> forms = new ArrayList<>();
		List<RelationLock> others = new ArrayList<>();
		String effect = null;
		List<String> notes = new ArrayList<>();
		for (String action : topLevelCommaSeparated(actions)) {
			for (Rule rule : ALTER_TABLE_ACTIONS) {
				if (!rule.pattern().matcher(action).matches()) {
					continue;
				}
				forms.add(rule.form());
				strongest = rule.mode().stronger(strongest);
				String actionEffect = rule.effect();
				boolean addColumn = rule.form().equals("ADD COLUMN");
				if (addColumn && VOLATILE_DEFAULT.matcher(action).matches()) {
					actionEffect = StatementLock.REWRITES;
				}
				else if (rule.note() != null && !notes.contains(rule.note())
						&& (!addColumn || action.toUpperCase(Locale.ROOT).contains("DEFAULT"))) {
					notes.add(rule.note());
				}
				effect = strongerEffect(effect, actionEffect);
				if (rule.referencesLocked()) {
					others.addAll(referenced(action, relation));
				}
				break;
			}
		}
		List<RelationLock> locks = new ArrayList<>();
		locks.add(new RelationLock(strongest, relation));
		locks.addAll(others);
		return new StatementLock("ALTER TABLE " + String.join(", ", forms), strongestFirst(locks), effect,
				notes.isEmpty() ? null : String.join("; ", notes));
	}

	private static String strongerEffect(String current, String candidate) {
		if (StatementLock.REWRITES.equals(current) || candidate == null) {
			return current;
		}
		return candidate;
	}

	private static List<RelationLock> referenced(String text, String self) {
		List<RelationLock> locks = new ArrayList<>();
		Matcher matcher = REFERENCES.matcher(text);
		while (matcher.find()) {
			String target = matcher.group("rel");
			if (!target.equals(self) && locks.stream().noneMatch((lock) -> lock.relation().equals(target))) {
				locks.add(new RelationLock(SHARE_ROW_EXCLUSIVE, target));
			}
		}
		return locks;
	}

	private static List<RelationLock> strongestFirst(List<RelationLock> locks) {
		return locks.stream().sorted(Comparator.comparing(RelationLock::mode).reversed()).toList();
	}

	private static String group(Matcher matcher, String name) {
		try {
			return matcher.group(name);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	/** ALTER TABLE's subcommands, split at commas outside parentheses and quotes. */
	static List<String> topLevelCommaSeparated(String actions) {
		List<String> parts = new ArrayList<>();
		int depth = 0;
		int start = 0;
		char quote = 0;
		for (int i = 0; i < actions.length(); i++) {
			char c = actions.charAt(i);
			if (quote != 0) {
				quote = (c == quote) ? 0 : quote;
			}
			else if (c == '\'' || c == '"') {
				quote = c;
			}
			else if (c == '(') {
				depth++;
			}
			else if (c == ')') {
				depth--;
			}
			else if (c == ',' && depth == 0) {
				parts.add(actions.substring(start, i).trim());
				start = i + 1;
			}
		}
		parts.add(actions.substring(start).trim());
		return parts;
	}

	private static Rule rule(String form, String regex, LockMode mode) {
		return new Rule(form, Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.DOTALL), mode, null, null,
				false);
	}

	/**
	 * One row of the table.
	 *
	 * @param form the statement's form, as the plan names it
	 * @param pattern matches the whole statement, whitespace collapsed; group {@code rel} is the locked relation
	 * @param mode the lock on it, {@code null} for none on an existing relation
	 * @param effect "rewrites the table", "scans the table" or {@code null}
	 * @param note what else to know
	 * @param referencesLocked whether each table named after REFERENCES gets SHARE ROW EXCLUSIVE
	 */
	record Rule(String form, Pattern pattern, LockMode mode, String effect, String note, boolean referencesLocked) {

		Rule effect(String value) {
			return new Rule(this.form, this.pattern, this.mode, value, this.note, this.referencesLocked);
		}

		Rule note(String value) {
			return new Rule(this.form, this.pattern, this.mode, this.effect, value, this.referencesLocked);
		}

		Rule lockingReferences() {
			return new Rule(this.form, this.pattern, this.mode, this.effect, this.note, true);
		}

	}

}
