package dev.ferry.drift;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.SqlArrayValue;

/**
 * The managed schemas' catalog as a sorted map of object to a readable description of it, such as
 * {@code column app.app_user.email} to {@code text not null}: what drift is measured against. Only what a migration
 * decides is in it: no OIDs, statistics, sequence values, owners or row data, so that it reads the same after every
 * run that changes nothing. Flyway's history table, Ferry's record and the members of extensions are left out, and
 * so are PostgreSQL's own schemas. Whatever can embed user text, and so a secret (defaults, generation expressions,
 * check and exclusion constraints, index expressions and predicates, trigger definitions, policy expressions,
 * partition bounds, domain defaults, view and function bodies), is an object of its own (such as
 * {@code default of column app.app_user.email}) described only by a keyed digest: {@value #KEYED} and a SHA-256 of
 * the key and the text, computed by the server with a key that never leaves it (see {@link CatalogRecord}), so that
 * no one who reads the record or a report can test a guess against it.
 *
 * @param objects each object's description, by its key
 */
record CatalogDescription(SortedMap<String, String> objects) {

	private static final String NAME = "quote_ident(n.nspname) || '.' || quote_ident(c.relname)";

	private static final String GRANTEE = "CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END";

	/** How a keyed digest starts: a description the drift lines never print. */
	static final String KEYED = "keyed:";

	private static final String PRIVILEGES = "string_agg(DISTINCT a.privilege_type || CASE WHEN a.is_grantable"
			+ " THEN ' with grant option' ELSE '' END, ', ' ORDER BY a.privilege_type || CASE WHEN a.is_grantable"
			+ " THEN ' with grant option' ELSE '' END)";

	/** The relations of the managed schemas that are not Ferry's or Flyway's bookkeeping nor an extension's. */
	private static final String MANAGED_RELATION = "n.nspname = ANY(:schemas) AND c.oid::bigint <> ALL(:excluded)"
			+ " AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid"
			+ " AND d.deptype = 'e')";

	private static final String FUNCTION = "CASE p.prokind WHEN 'p' THEN 'procedure ' WHEN 'a' THEN 'aggregate '"
			+ " ELSE 'function ' END || quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '('"
			+ " || pg_get_function_identity_arguments(p.oid) || ')'";

	private static final String MANAGED_FUNCTION = "n.nspname = ANY(:schemas) AND NOT EXISTS (SELECT FROM pg_depend d"
			+ " WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')";

	/** An index's definition, by its digest where it has expressions or a predicate. */
	private static final String INDEX_DEFINITION = "CASE WHEN x.indexprs IS NULL AND x.indpred IS NULL THEN"
			+ " pg_get_indexdef(x.indexrelid) ELSE " + keyed("pg_get_indexdef(x.indexrelid)") + " END";

	/**
	 * One query per kind of object, each over every managed schema at once: key and description. {@code :schemas}
	 * is the managed schemas' names, {@code :excluded} the OIDs of the bookkeeping tables.
	 */
	private static final List<String> QUERIES = List.of(
			// Schemas
			"SELECT 'schema ' || quote_ident(n.nspname), 'schema' FROM pg_namespace n WHERE n.nspname = ANY(:schemas)",
			// Tables, views, materialized views
			"SELECT CASE c.relkind WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view ' WHEN 'f' THEN"
					+ " 'foreign table ' ELSE 'table ' END || " + NAME + ", concat_ws(', ', CASE c.relkind WHEN 'p'"
					+ " THEN 'partitioned table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN"
					+ " 'foreign table' ELSE CASE c.relpersistence WHEN 'u' THEN 'unlogged table' ELSE 'table' END END,"
					+ " CASE WHEN c.relispartition THEN 'partition of ' || (SELECT i.inhparent::regclass::text FROM"
					+ " pg_inherits i WHERE i.inhrelid = c.oid LIMIT 1) END,"
					+ " CASE WHEN c.relrowsecurity THEN 'row level security enabled' END,"
					+ " CASE WHEN c.relforcerowsecurity THEN 'row level security forced' END,"
					+ " CASE WHEN c.reloptions IS NOT NULL THEN 'with (' || array_to_string(c.reloptions, ', ') || ')'"
					+ " END) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
					+ " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND " + MANAGED_RELATION,
			// Columns of tables
			"SELECT 'column ' || " + NAME + " || '.' || quote_ident(a.attname), concat_ws(' ',"
					+ " format_type(a.atttypid, a.atttypmod), CASE WHEN a.attcollation <> t.typcollation THEN 'collate '"
					+ " || (SELECT quote_ident(co.collname) FROM pg_collation co WHERE co.oid = a.attcollation) END,"
					+ " CASE WHEN a.attnotnull THEN 'not null' END, CASE a.attidentity WHEN 'a' THEN"
					+ " 'generated always as identity' WHEN 'd' THEN 'generated by default as identity' END,"
					+ " CASE a.attgenerated WHEN 's' THEN 'generated always stored' WHEN 'v' THEN 'generated always'"
					+ " END) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON"
					+ " n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid WHERE a.attnum > 0 AND NOT"
					+ " a.attisdropped AND c.relkind IN ('r', 'p', 'f') AND " + MANAGED_RELATION,
			// Defaults and generation expressions of columns
			"SELECT CASE a.attgenerated WHEN '' THEN 'default of column ' ELSE 'generation expression of column '"
					+ " END || " + NAME + " || '.' || quote_ident(a.attname), " + keyed("pg_get_expr(ad.adbin, ad.adrelid)")
					+ " FROM pg_attrdef ad JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum"
					+ " JOIN pg_class c ON c.oid = ad.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
					+ " WHERE NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f') AND " + MANAGED_RELATION,
			// Constraints of tables: a check or exclusion constraint's expression by its digest
			"SELECT CASE con.contype WHEN 'c' THEN 'check constraint ' WHEN 'x' THEN 'exclusion constraint ' ELSE"
					+ " 'constraint ' END || " + NAME + " || '.' || quote_ident(con.conname), CASE WHEN con.contype IN"
					+ " ('c', 'x') THEN " + keyed("pg_get_constraintdef(con.oid)") + " ELSE pg_get_constraintdef(con.oid)"
					+ " END FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON"
					+ " n.oid = c.relnamespace WHERE " + MANAGED_RELATION,
			// Indexes, but not those that are a constraint's (their constraint describes them)
			"SELECT 'index ' || quote_ident(n.nspname) || '.' || quote_ident(ic.relname), " + INDEX_DEFINITION
					+ " || CASE WHEN x.indisvalid THEN '' ELSE ' (invalid)' END FROM pg_index x"
					+ " JOIN pg_class ic ON ic.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid"
					+ " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " + MANAGED_RELATION
					+ " AND NOT EXISTS (SELECT FROM pg_constraint con WHERE con.conindid = x.indexrelid"
					+ " AND con.conrelid = x.indrelid AND con.contype IN ('p', 'u', 'x'))"
					// An index a concurrent build cut short left invalid (a kill, a lock timeout) is no object of the
					// schema: no query uses it, and the rerun of its build drops it first. An ON ONLY parent is
					// invalid by design until its partitions' indexes are attached, and is described.
					+ " AND (x.indisvalid OR ic.relkind = 'I')",
			// Triggers (a foreign key's internal ones are the constraint's): whether enabled, and their definition
			// (its arguments and condition can hold data) by its digest
			"SELECT 'trigger ' || " + NAME + " || '.' || quote_ident(tg.tgname), CASE tg.tgenabled WHEN 'D' THEN"
					+ " 'disabled' WHEN 'R' THEN 'enabled on replica only' WHEN 'A' THEN 'enabled always' ELSE 'enabled'"
					+ " END FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON"
					+ " n.oid = c.relnamespace WHERE NOT tg.tgisinternal AND " + MANAGED_RELATION,
			"SELECT 'definition of trigger ' || " + NAME + " || '.' || quote_ident(tg.tgname), "
					+ keyed("pg_get_triggerdef(tg.oid)") + " FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid"
					+ " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT tg.tgisinternal AND " + MANAGED_RELATION,
			// Row-level-security policies
			"SELECT 'policy ' || " + NAME + " || '.' || quote_ident(p.polname), concat_ws(' ', CASE WHEN"
					+ " p.polpermissive THEN 'permissive' ELSE 'restrictive' END, 'for ' || CASE p.polcmd WHEN 'r' THEN"
					+ " 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update' WHEN 'd' THEN 'delete' ELSE 'all' END,"
					+ " 'to ' || (SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r))"
					+ " END, ', ' ORDER BY CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END)"
					+ " FROM unnest(p.polroles) r)) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid"
					+ " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " + MANAGED_RELATION,
			"SELECT 'expressions of policy ' || " + NAME + " || '.' || quote_ident(p.polname), "
					+ keyed("concat_ws(' ', 'using (' || pg_get_expr(p.polqual, p.polrelid) || ')', 'with check ('"
							+ " || pg_get_expr(p.polwithcheck, p.polrelid) || ')')")
					+ " FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON"
					+ " n.oid = c.relnamespace WHERE (p.polqual IS NOT NULL OR p.polwithcheck IS NOT NULL) AND "
					+ MANAGED_RELATION,
			// Definitions of views and materialized views, and partition bounds
			"SELECT 'definition of ' || CASE c.relkind WHEN 'v' THEN 'view ' ELSE 'materialized view ' END || " + NAME
					+ ", " + keyed("pg_get_viewdef(c.oid)") + " FROM pg_class c JOIN pg_namespace n ON"
					+ " n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND " + MANAGED_RELATION,
			"SELECT 'partition bound of table ' || " + NAME + ", " + keyed("pg_get_expr(c.relpartbound, c.oid)")
					+ " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relispartition AND "
					+ MANAGED_RELATION,
			// Sequences: their definition, never their current value
			"SELECT 'sequence ' || " + NAME + ", format_type(s.seqtypid, NULL) || ' start ' || s.seqstart"
					+ " || ' increment ' || s.seqincrement || ' min ' || s.seqmin || ' max ' || s.seqmax || ' cache '"
					+ " || s.seqcache || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END FROM pg_sequence s"
					+ " JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
					+ MANAGED_RELATION,
			// Functions, procedures and aggregates; the definition of a function or procedure by its digest
			"SELECT " + FUNCTION + ", CASE WHEN p.prokind = 'a' THEN 'aggregate' ELSE concat_ws(', ', CASE WHEN"
					+ " p.prokind <> 'p' THEN 'returns ' || pg_get_function_result(p.oid) END, 'language ' || l.lanname,"
					+ " CASE WHEN p.prosecdef THEN 'security definer' END) END FROM pg_proc p"
					+ " JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang"
					+ " WHERE " + MANAGED_FUNCTION,
			"SELECT 'definition of ' || " + FUNCTION + ", CASE WHEN p.prokind <> 'a' THEN "
					+ keyed("pg_get_functiondef(p.oid)") + " END FROM pg_proc p JOIN pg_namespace n ON"
					+ " n.oid = p.pronamespace WHERE p.prokind <> 'a' AND " + MANAGED_FUNCTION,
			// Enums (with their values in order), domains, composite and range types
			"SELECT 'type ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname), CASE t.typtype"
					+ " WHEN 'e' THEN 'enum (' || coalesce((SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY"
					+ " e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '') || ')' WHEN 'd' THEN"
					+ " concat_ws(' ', 'domain of ' || format_type(t.typbasetype, t.typtypmod), CASE WHEN t.typnotnull"
					+ " THEN 'not null' END) WHEN 'r' THEN 'range of ' || (SELECT"
					+ " format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid) ELSE 'composite ('"
					+ " || coalesce((SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid,"
					+ " a.atttypmod), ', ' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = t.typrelid AND"
					+ " a.attnum > 0 AND NOT a.attisdropped), '') || ')' END FROM pg_type t JOIN pg_namespace n ON"
					+ " n.oid = t.typnamespace WHERE n.nspname = ANY(:schemas) AND (t.typtype IN ('e', 'd', 'r') OR"
					+ " (t.typtype = 'c' AND EXISTS (SELECT FROM pg_class c WHERE c.oid = t.typrelid AND"
					+ " c.relkind = 'c'))) AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass"
					+ " AND d.objid = t.oid AND d.deptype = 'e')",
			// Defaults and constraints of domains, a default or a check by its digest
			"SELECT 'default of type ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname), "
					+ keyed("t.typdefault") + " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE"
					+ " t.typtype = 'd' AND t.typdefault IS NOT NULL AND n.nspname = ANY(:schemas) AND NOT EXISTS"
					+ " (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND"
					+ " d.deptype = 'e')",
			"SELECT CASE con.contype WHEN 'c' THEN 'check constraint ' ELSE 'constraint ' END"
					+ " || quote_ident(n.nspname) || '.' || quote_ident(t.typname) || '.' || quote_ident(con.conname),"
					+ " CASE con.contype WHEN 'c' THEN " + keyed("pg_get_constraintdef(con.oid)")
					+ " ELSE pg_get_constraintdef(con.oid) END FROM pg_constraint con JOIN pg_type t ON"
					+ " t.oid = con.contypid JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = ANY(:schemas)",
			// Grants on tables, views and sequences; the owner's own privileges are implicit, so left out
			"SELECT 'grant on ' || a.name || ' to ' || " + GRANTEE + ", " + PRIVILEGES + " FROM (SELECT " + NAME
					+ " AS name, c.relowner AS owner, (aclexplode(coalesce(c.relacl, acldefault(CASE WHEN"
					+ " c.relkind = 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner)))).* FROM pg_class c JOIN"
					+ " pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND "
					+ MANAGED_RELATION + ") a WHERE a.grantee <> a.owner GROUP BY a.name, a.grantee",
			// Grants on columns
			"SELECT 'grant on column ' || a.name || ' to ' || " + GRANTEE + ", " + PRIVILEGES + " FROM (SELECT " + NAME
					+ " || '.' || quote_ident(att.attname) AS name, c.relowner AS owner, (aclexplode(att.attacl)).*"
					+ " FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid JOIN pg_namespace n ON"
					+ " n.oid = c.relnamespace WHERE att.attacl IS NOT NULL AND att.attnum > 0 AND NOT att.attisdropped"
					+ " AND " + MANAGED_RELATION + ") a WHERE a.grantee <> a.owner GROUP BY a.name, a.grantee",
			// Grants on schemas
			"SELECT 'grant on schema ' || a.name || ' to ' || " + GRANTEE + ", " + PRIVILEGES + " FROM (SELECT"
					+ " quote_ident(n.nspname) AS name, n.nspowner AS owner, (aclexplode(coalesce(n.nspacl,"
					+ " acldefault('n', n.nspowner)))).* FROM pg_namespace n WHERE n.nspname = ANY(:schemas)) a"
					+ " WHERE a.grantee <> a.owner GROUP BY a.name, a.grantee",
			// Grants on functions and procedures (PUBLIC may execute unless revoked)
			"SELECT 'grant on ' || a.name || ' to ' || " + GRANTEE + ", " + PRIVILEGES + " FROM (SELECT CASE"
					+ " p.prokind WHEN 'p' THEN 'procedure ' ELSE 'function ' END || quote_ident(n.nspname) || '.'"
					+ " || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS name,"
					+ " p.proowner AS owner, (aclexplode(coalesce(p.proacl, acldefault('f', p.proowner)))).* FROM pg_proc p"
					+ " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE " + MANAGED_FUNCTION
					+ ") a WHERE a.grantee <> a.owner GROUP BY a.name, a.grantee",
			// Default privileges for objects created later in a managed schema
			"SELECT 'default privileges of ' || quote_ident(pg_get_userbyid(a.role)) || ' in schema ' || a.name"
					+ " || ' on ' || a.kind || ' to ' || " + GRANTEE + ", " + PRIVILEGES + " FROM (SELECT"
					+ " quote_ident(n.nspname) AS name, da.defaclrole AS role, CASE da.defaclobjtype WHEN 'r' THEN"
					+ " 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types' ELSE"
					+ " 'schemas' END AS kind, (aclexplode(da.defaclacl)).* FROM pg_default_acl da JOIN pg_namespace n"
					+ " ON n.oid = da.defaclnamespace WHERE n.nspname = ANY(:schemas)) a"
					+ " GROUP BY a.name, a.role, a.kind, a.grantee",
			// Extensions installed in a managed schema
			"SELECT 'extension ' || quote_ident(e.extname), 'version ' || e.extversion || ' in schema '"
					+ " || quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
					+ " WHERE n.nspname = ANY(:schemas)");

	/**
	 * The SQL of a text's keyed digest: SHA-256 over the key and the text. The key is the transaction's setting
	 * {@value CatalogRecord#KEY_SETTING}, set from Ferry's table on the server, so that neither it nor the text is
	 * ever sent to Ferry.
	 */
	private static String keyed(String text) {
		return "'" + KEYED + "' || encode(sha256(convert_to(current_setting('" + CatalogRecord.KEY_SETTING + "') || ("
				+ text + "), 'UTF8')), 'hex')";
	}

	CatalogDescription {
		objects = Collections.unmodifiableSortedMap(new TreeMap<>(objects));
	}

	/**
	 * Reads the description inside the connection's current transaction. The caller sets {@code search_path} to
	 * {@code pg_catalog} first, so that every name of a managed object is qualified, however the session was set up.
	 *
	 * @param jdbc the connection, in a transaction
	 * @param schemas the managed schemas
	 * @param excluded the OIDs of the tables that are bookkeeping, not schema
	 * @return the description
	 */
	static CatalogDescription read(JdbcClient jdbc, List<String> schemas, List<Long> excluded) {
		SortedMap<String, String> objects = new TreeMap<>();
		for (String query : QUERIES) {
			jdbc.sql(query)
				.param("schemas", new SqlArrayValue("text", schemas.toArray()))
				.param("excluded", new SqlArrayValue("bigint", excluded.toArray()))
				.query((RowCallbackHandler) (row) -> objects.put(row.getString(1),
						(row.getString(2) != null) ? row.getString(2) : ""));
		}
		return new CatalogDescription(objects);
	}

	/** What changed from this (the record) to the live catalog, object by object, in key order. */
	List<Drift> changesTo(CatalogDescription live) {
		List<Drift> changes = new ArrayList<>();
		TreeMap<String, String> all = new TreeMap<>(this.objects);
		live.objects.forEach(all::putIfAbsent);
		for (Map.Entry<String, String> entry : all.entrySet()) {
			String before = this.objects.get(entry.getKey());
			String after = live.objects.get(entry.getKey());
			if (before == null) {
				changes.add(Drift.of(entry.getKey(), Drift.Change.ADDED, null, after));
			}
			else if (after == null) {
				changes.add(Drift.of(entry.getKey(), Drift.Change.REMOVED, before, null));
			}
			else if (!before.equals(after)) {
				changes.add(Drift.of(entry.getKey(), Drift.Change.CHANGED, before, after));
			}
		}
		return changes;
	}

}
