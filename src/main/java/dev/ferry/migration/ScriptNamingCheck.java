package dev.ferry.migration;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.scripts.MigrationScripts;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.configuration.Configuration;

import org.springframework.core.io.Resource;

/**
 * Fails on a script whose name Flyway would not take as a migration or callback, before anything runs. Flyway's
 * own {@code validateMigrationNaming} finds these too, but with no error code to tell it from a bug; Ferry wants
 * exit 5 and the file's name.
 */
final class ScriptNamingCheck {

	/** Undo and baseline migrations are Flyway Teams features; their names are valid all the same. */
	private static final String UNDO_PREFIX = "U";

	private static final String BASELINE_PREFIX = "B";

	private static final Pattern VERSION = Pattern.compile("\\d+([._]\\d+)*");

	private ScriptNamingCheck() {
	}

	static void verify(Configuration configuration, Map<String, Resource> scripts) {
		if (!configuration.isValidateMigrationNaming()) {
			return;
		}
		List<String> invalid = new ArrayList<>();
		for (String path : scripts.keySet()) {
			String name = MigrationScripts.fileName(path);
			if (!isValid(name, configuration)) {
				invalid.add(path);
			}
		}
		if (!invalid.isEmpty()) {
			throw new FerryException(ExitStatus.VALIDATION_FAILED, "script names that are neither a migration ("
					+ configuration.getSqlMigrationPrefix() + "<version>" + configuration.getSqlMigrationSeparator()
					+ "<description>, " + configuration.getRepeatableSqlMigrationPrefix()
					+ configuration.getSqlMigrationSeparator() + "<description>) nor a callback: "
					+ String.join(", ", invalid));
		}
	}

	static boolean isValid(String fileName, Configuration configuration) {
		String base = stripSuffix(fileName, configuration);
		if (base == null) {
			return true;
		}
		String separator = configuration.getSqlMigrationSeparator();
		String callback = base.contains(separator) ? base.substring(0, base.indexOf(separator)) : base;
		if (Event.fromId(callback) != null) {
			return true;
		}
		if (base.startsWith(configuration.getRepeatableSqlMigrationPrefix() + separator)) {
			return base.length() > (configuration.getRepeatableSqlMigrationPrefix() + separator).length();
		}
		for (String prefix : List.of(configuration.getSqlMigrationPrefix(), UNDO_PREFIX, BASELINE_PREFIX)) {
			if (base.startsWith(prefix) && base.contains(separator)) {
				String version = base.substring(prefix.length(), base.indexOf(separator));
				if (VERSION.matcher(version).matches()) {
					return true;
				}
			}
		}
		return false;
	}

	private static String stripSuffix(String fileName, Configuration configuration) {
		for (String suffix : configuration.getSqlMigrationSuffixes()) {
			if (fileName.endsWith(suffix)) {
				return fileName.substring(0, fileName.length() - suffix.length());
			}
		}
		return null;
	}

}
