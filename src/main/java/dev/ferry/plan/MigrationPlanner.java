package dev.ferry.plan;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.placeholders.PlaceholderSubstitution;
import dev.ferry.plan.Plan.LockCount;
import dev.ferry.plan.Plan.Omitted;
import dev.ferry.plan.Plan.PlannedMigration;
import dev.ferry.plan.Plan.PlannedStatement;
import dev.ferry.plan.Plan.SquawkFinding;
import dev.ferry.scripts.MigrationScripts;
import dev.ferry.secrets.SecretMasker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.configuration.Configuration;

import org.springframework.core.io.Resource;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * Tells what a migrate would do, without doing any of it: for each migration Flyway says is pending (its own
 * {@code info()}), the statements Flyway would send, as {@link ScriptStatements} splits the script after
 * {@link PlaceholderSubstitution}, each with the locks {@link LockTable} names, and squawk's findings when squawk is
 * on the PATH. The only queries it sends read the session's names and the existing schemas.
 *
 * @param masker masks the secret values the substituted scripts hold
 * @param isSecret tells which placeholders are secret
 * @param path where to look for squawk: the PATH
 */
public record MigrationPlanner(SecretMasker masker, Predicate<String> isSecret, String path) {

	/** The statements a plan lists, across its migrations; the rest are counted with their locks. */
	public static final int STATEMENTS_LISTED = 1000;

	/** The statements a plan lists of one migration. */
	public static final int STATEMENTS_LISTED_PER_MIGRATION = 200;

	/** How much of a statement's text the plan keeps. */
	public static final int STATEMENT_CHARS = 4000;

	/** How many different locks the count of a migration's unlisted statements tells apart. */
	public static final int LOCKS_COUNTED = 20;

	static final String OTHER_LOCKS = "other locks";

	private static final Log logger = LogFactory.getLog(MigrationPlanner.class);

	/**
	 * @param configuration Flyway's configuration
	 * @param pending the migrations Flyway would run, in order
	 * @param scripts the scripts of Flyway's locations, keyed by their path within the location
	 * @return the plan, masked
	 */
	public Plan plan(Configuration configuration, List<MigrationInfo> pending, Map<String, Resource> scripts) {
		PlaceholderSubstitution.Session session = session(configuration);
		PlannedMigration schemas = schemaCreation(configuration, session);
		if (pending.isEmpty() && schemas == null) {
			return new Plan(List.of(), null);
		}
		PlaceholderSubstitution substitution = new PlaceholderSubstitution(configuration, session);
		Squawk squawk = Squawk.onPath(this.path);
		try {
			List<PlannedMigration> migrations = new ArrayList<>();
			if (schemas != null) {
				migrations.add(schemas);
			}
			int[] listed = { 0 };
			for (MigrationInfo migration : pending) {
				migrations.add(plan(configuration, migration, scripts, substitution, squawk, listed));
			}
			String squawkNote = (squawk == null) ? Squawk.NOT_ON_PATH : squawk.problem();
			return new Plan(migrations, squawkNote);
		}
		finally {
			if (squawk != null) {
				squawk.close();
			}
		}
	}

	/**
	 * @param listed how many statements the plan lists so far, across its migrations: past
	 * {@value #STATEMENTS_LISTED} (or {@value #STATEMENTS_LISTED_PER_MIGRATION} in one migration) a statement is only
	 * counted, with its locks
	 */
	private PlannedMigration plan(Configuration configuration, MigrationInfo migration, Map<String, Resource> scripts,
			PlaceholderSubstitution substitution, Squawk squawk, int[] listed) {
		String version = (migration.getVersion() != null) ? migration.getVersion().getVersion() : null;
		String state = migration.getState().getDisplayName();
		Resource resource = MigrationScripts.find(scripts, migration.getScript());
		if (!"SQL".equals(migration.getType().name()) || resource == null) {
			String note = "JDBC".equals(migration.getType().name())
					? "Java migration " + migration.getScript() + ", statements not known in advance"
					: migration.getType().name() + " migration, statements not known in advance";
			return new PlannedMigration(version, migration.getDescription(), migration.getScript(), state, List.of(),
					note, List.of(), null);
		}
		String fileName = MigrationScripts.fileName(migration.getScript());
		PlaceholderSubstitution.Substituted substituted = substitution.substitute(MigrationScripts.read(resource, configuration),
				fileName, this.isSecret);
		String text = substituted.text();
		List<PlannedStatement> statements = new ArrayList<>();
		Map<String, Integer> omitted = new LinkedHashMap<>();
		int omittedCount = 0;
		for (ScriptStatements.Span span : ScriptStatements.spans(text)) {
			StatementLock lock = LockTable.of(text.substring(span.start(), span.end()));
			if (listed[0] < STATEMENTS_LISTED && statements.size() < STATEMENTS_LISTED_PER_MIGRATION) {
				String sql = this.masker.mask(substituted.masked(span.start(), span.end()));
				statements.add(new PlannedStatement(PlanReport.cut(sql, STATEMENT_CHARS), masked(lock)));
				listed[0]++;
			}
			else {
				String key = lock.describe();
				omitted.merge((omitted.size() < LOCKS_COUNTED || omitted.containsKey(key)) ? key : OTHER_LOCKS, 1,
						Integer::sum);
				omittedCount++;
			}
		}
		List<SquawkFinding> findings = (squawk != null)
				? squawk.lint(fileName, this.masker.mask(substituted.masked(0, text.length()))) : List.of();
		return new PlannedMigration(version, migration.getDescription(), migration.getScript(), state, statements,
				(statements.isEmpty() && omittedCount == 0) ? "no statements" : null,
				findings.stream().map(this::masked).toList(),
				(omittedCount == 0) ? null : new Omitted(omittedCount, omitted.entrySet()
					.stream()
					.sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
					.map((entry) -> new LockCount(
							PlanReport.cut(this.masker.mask(entry.getKey()), PlanReport.NAME_CHARS * 5), entry.getValue()))
					.toList()));
	}

	/**
	 * Flyway's own first step (its {@code DbSchemas.create}, with {@code createSchemas} on, as by default): the
	 * history table's schema and every configured schema that does not exist yet is created.
	 */
	private static PlannedMigration schemaCreation(Configuration configuration, PlaceholderSubstitution.Session session) {
		if (!configuration.isCreateSchemas()) {
			return null;
		}
		List<String> schemas = new ArrayList<>(List.of(configuration.getSchemas()));
		String defaultSchema = (configuration.getDefaultSchema() != null) ? configuration.getDefaultSchema()
				: (schemas.isEmpty() ? session.currentSchema() : schemas.get(0));
		if (defaultSchema != null && !schemas.contains(defaultSchema)) {
			schemas.add(0, defaultSchema);
		}
		List<PlannedStatement> statements = new ArrayList<>();
		for (String schema : schemas) {
			if (!session.schemas().contains(schema)) {
				String sql = "CREATE SCHEMA \"" + schema.replace("\"", "\"\"") + "\"";
				statements.add(new PlannedStatement(sql, LockTable.of(sql)));
			}
		}
		if (statements.isEmpty()) {
			return null;
		}
		return new PlannedMigration(null, "Flyway creates the missing schemas", "(Flyway: create schemas)", Plan.FLYWAY,
				statements, null, List.of(), null);
	}

	/** The lock with its relations' names masked, then cut (masked first: a secret cut in two is not masked). */
	private StatementLock masked(StatementLock lock) {
		return new StatementLock(lock.form(), lock.locks()
			.stream()
			.map((relationLock) -> new StatementLock.RelationLock(relationLock.mode(),
					PlanReport.cut(this.masker.mask(relationLock.relation()), PlanReport.NAME_CHARS)))
			.toList(), lock.effect(), lock.note());
	}

	private SquawkFinding masked(SquawkFinding finding) {
		return new SquawkFinding(finding.rule(), finding.level(), finding.line(), this.masker.mask(finding.message()),
				this.masker.mask(finding.help()));
	}

	/** Logs the plan, a line per migration and per statement listed, and one for those past the plan's bound. */
	public void log(Plan plan) {
		for (PlannedMigration migration : plan.migrations()) {
			logger.info(this.masker.mask("Would run " + migration.label() + " (" + migration.state() + ")"
					+ ((migration.note() != null) ? ": " + migration.note() : "")));
			int number = 1;
			for (PlannedStatement statement : migration.statements()) {
				logger.info(this.masker.mask("  " + number++ + ". " + oneLine(statement.sql()) + "  -- "
						+ PlanReport.cut(statement.lock().describe(), PlanReport.NAME_CHARS * 5)));
			}
			if (migration.omitted() != null) {
				logger.info(this.masker.mask("  " + PlanReport.omittedLine(migration.omitted())));
			}
			for (SquawkFinding finding : migration.findings()) {
				logger.info(this.masker.mask("  squawk " + finding.level() + " " + finding.rule()
						+ ((finding.line() != null) ? " at line " + finding.line() : "") + ": " + finding.message()));
			}
		}
		if (plan.squawk() != null && !plan.migrations().isEmpty()) {
			logger.info(plan.squawk());
		}
	}

	static String oneLine(String sql) {
		return ScriptStatements.withoutLeadingComments(sql).replaceAll("\\s+", " ").trim();
	}

	private static PlaceholderSubstitution.Session session(Configuration configuration) {
		try (Connection connection = configuration.getDataSource().getConnection()) {
			JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(connection, true));
			String[] names = jdbc.sql("SELECT current_database(), current_user, current_schema()")
				.query((row, n) -> new String[] { row.getString(1), row.getString(2), row.getString(3) })
				.single();
			Set<String> schemas = jdbc.sql("SELECT nspname FROM pg_catalog.pg_namespace").query(String.class).set();
			return new PlaceholderSubstitution.Session(names[0], names[1], names[2], schemas);
		}
		catch (SQLException | DataAccessException ex) {
			Throwable failure = (ex instanceof DataAccessException && ex.getCause() != null) ? ex.getCause() : ex;
			throw new FerryException(ExitStatus.DATABASE_UNREACHABLE,
					"cannot read the session's database and user for Flyway's placeholders: " + failure.getMessage(), ex);
		}
	}

}
