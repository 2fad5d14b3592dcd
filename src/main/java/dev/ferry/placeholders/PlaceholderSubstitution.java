package dev.ferry.placeholders;

import java.text.SimpleDateFormat;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.secrets.SecretMasker;
import org.flywaydb.core.api.configuration.Configuration;

/**
 * Substitutes placeholders in a script's text as Flyway's {@code PlaceholderReplacingReader} does before it parses
 * the script: names are matched case-insensitively, the text between prefix and suffix is the name, and Flyway's
 * built-in {@code flyway:*} values are those of the connection the migration will use.
 */
public final class PlaceholderSubstitution {

	private final Configuration configuration;

	private final Map<String, String> values = new HashMap<>();

	/**
	 * @param configuration Flyway's configuration
	 * @param session what Flyway asks the database for its built-in placeholders
	 */
	public PlaceholderSubstitution(Configuration configuration, Session session) {
		this.configuration = configuration;
		String separator = configuration.getPlaceholderSeparator();
		String defaultSchema = configuration.getDefaultSchema();
		if (defaultSchema == null) {
			defaultSchema = (configuration.getSchemas().length > 0) ? configuration.getSchemas()[0]
					: session.currentSchema();
		}
		put("flyway" + separator + "defaultSchema", defaultSchema);
		put("flyway" + separator + "database", session.database());
		put("flyway" + separator + "user", session.user());
		put("flyway" + separator + "timestamp", new SimpleDateFormat("yyyy-MM-dd HH:mm:ss").format(new Date()));
		put("flyway" + separator + "workingDirectory", (configuration.getWorkingDirectory() != null)
				? configuration.getWorkingDirectory() : System.getProperty("user.dir"));
		put("flyway" + separator + "table", configuration.getTable());
		put("flyway" + separator + "environment", configuration.getCurrentEnvironmentName());
		configuration.getPlaceholders().forEach(this::put);
	}

	private void put(String name, String value) {
		if (value != null) {
			this.values.put(name.toLowerCase(Locale.ROOT), value);
		}
	}

	/**
	 * The script as Flyway will parse it, and where the values of secret placeholders are in it: a statement that
	 * holds only part of a secret value (one with a quote or a semicolon in it can be split) is masked there too.
	 */
	public Substituted substitute(String script, String fileName, Predicate<String> isSecret) {
		List<int[]> secrets = new ArrayList<>();
		if (!this.configuration.isPlaceholderReplacement()) {
			return new Substituted(script, secrets);
		}
		String prefix = this.configuration.getPlaceholderPrefix();
		String suffix = this.configuration.getPlaceholderSuffix();
		String fileNameKey = ("flyway" + this.configuration.getPlaceholderSeparator() + "filename").toLowerCase(Locale.ROOT);
		StringBuilder result = new StringBuilder(script.length());
		int at = 0;
		for (int open = script.indexOf(prefix); open >= 0; open = script.indexOf(prefix, at)) {
			int close = script.indexOf(suffix, open + prefix.length());
			if (close < 0) {
				break;
			}
			result.append(script, at, open);
			String name = script.substring(open + prefix.length(), close);
			String key = name.toLowerCase(Locale.ROOT);
			String value = key.equals(fileNameKey) ? fileName : this.values.get(key);
			if (value == null) {
				throw new FerryException(ExitStatus.CONFIGURATION_INVALID, "no value for placeholder " + prefix + name
						+ suffix + " used by " + fileName + " (set FERRY_PLACEHOLDER_" + name + ")");
			}
			if (isSecret.test(name) && !value.isEmpty()) {
				secrets.add(new int[] { result.length(), result.length() + value.length() });
			}
			result.append(value);
			at = close + suffix.length();
		}
		return new Substituted(result.append(script, at, script.length()).toString(), secrets);
	}

	/**
	 * A substituted script.
	 *
	 * @param text its text
	 * @param secrets where secret values are in it: start and end of each, in the order they appear
	 */
	public record Substituted(String text, List<int[]> secrets) {

		/** The part of the text from start to end, with every piece of a secret value in it masked. */
		public String masked(int start, int end) {
			StringBuilder result = new StringBuilder();
			int at = start;
			for (int[] secret : this.secrets) {
				int from = Math.max(secret[0], at);
				int to = Math.min(secret[1], end);
				if (from >= to) {
					continue;
				}
				result.append(this.text, at, from).append(SecretMasker.MASK);
				at = to;
			}
			return result.append(this.text, at, end).toString();
		}

	}

	/**
	 * What the migration's session reports about itself, read once.
	 *
	 * @param database the current database
	 * @param user the current user
	 * @param currentSchema the first schema on the search path
	 * @param schemas the schemas that exist
	 */
	public record Session(String database, String user, String currentSchema, Set<String> schemas) {

	}

}
