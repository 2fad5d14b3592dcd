package dev.ferry.placeholders;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.scripts.MigrationScripts;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.configuration.Configuration;

import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/**
 * Proves, before any SQL runs, that every placeholder a script will need has a value. Flyway itself finds a
 * missing value only when it reaches the script, after the scripts before it are committed. A versioned script
 * needs its values only while it is pending; a repeatable one always, since Flyway checksums it substituted.
 */
@Component
public record PlaceholderCheck(Placeholders placeholders) {

	private static final Log logger = LogFactory.getLog(PlaceholderCheck.class);

	private static final String BUILT_IN_PREFIX = "flyway:";

	/**
	 * Checks the repeatable scripts: Flyway substitutes them even to tell what is pending.
	 * @return the repeatable scripts that use a secret placeholder: their checksum is taken over the secret
	 */
	public Set<String> verifyRepeatables(Configuration configuration, Map<String, Resource> scripts) {
		Map<String, Resource> repeatables = new LinkedHashMap<>(scripts);
		repeatables.keySet()
			.removeIf((name) -> !MigrationScripts.fileName(name).startsWith(configuration.getRepeatableSqlMigrationPrefix()));
		return verify(configuration, repeatables, true);
	}

	/** Checks the scripts that are about to run. */
	public void verifyPending(Configuration configuration, List<MigrationInfo> pending, Map<String, Resource> scripts) {
		Map<String, Resource> toCheck = new LinkedHashMap<>();
		for (MigrationInfo migration : pending) {
			Resource resource = MigrationScripts.find(scripts, migration.getScript());
			if (resource != null && migration.getVersion() != null) {
				toCheck.put(migration.getScript(), resource);
			}
		}
		verify(configuration, toCheck, false);
	}

	private Set<String> verify(Configuration configuration, Map<String, Resource> scripts, boolean repeatable) {
		if (!configuration.isPlaceholderReplacement() || scripts.isEmpty()) {
			return Set.of();
		}
		Pattern pattern = Pattern.compile(Pattern.quote(configuration.getPlaceholderPrefix()) + "(.+?)"
				+ Pattern.quote(configuration.getPlaceholderSuffix()));
		Map<String, Set<String>> missing = new LinkedHashMap<>();
		Set<String> usingSecrets = new TreeSet<>();
		for (Map.Entry<String, Resource> script : scripts.entrySet()) {
			Matcher matcher = pattern.matcher(MigrationScripts.read(script.getValue(), configuration));
			Set<String> secretsUsed = new TreeSet<>();
			while (matcher.find()) {
				String name = matcher.group(1);
				if (name.startsWith(BUILT_IN_PREFIX)) {
					continue;
				}
				if (!configuration.getPlaceholders().containsKey(name)) {
					missing.computeIfAbsent(name, (n) -> new TreeSet<>()).add(MigrationScripts.fileName(script.getKey()));
				}
				else if (repeatable && this.placeholders.isSecret(name)) {
					secretsUsed.add(name);
				}
			}
			if (!secretsUsed.isEmpty()) {
				usingSecrets.add(script.getKey());
				logger.warn(MigrationScripts.fileName(script.getKey()) + " is repeatable and uses secret placeholder(s) " + secretsUsed
						+ ": Flyway checksums repeatable scripts after substitution, so rotating the secret runs it again");
			}
		}
		List<String> problems = new ArrayList<>();
		for (Map.Entry<String, Set<String>> entry : missing.entrySet()) {
			String placeholder = configuration.getPlaceholderPrefix() + entry.getKey() + configuration.getPlaceholderSuffix();
			String files = String.join(", ", entry.getValue());
			// A key missing from a placeholder secret is the secret's fault (exit 3), whatever else is missing.
			String secretProblem = this.placeholders.missingSecretKey(entry.getKey());
			if (secretProblem != null) {
				throw new FerryException(ExitStatus.SECRET_UNREADABLE,
						secretProblem + " (needed as " + placeholder + " by " + files + "), nothing was run");
			}
			problems.add(placeholder + " used by " + files + " (set FERRY_PLACEHOLDER_" + entry.getKey() + ")");
		}
		if (!problems.isEmpty()) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
					"placeholder without a value, nothing was run: " + String.join("; ", problems));
		}
		return usingSecrets;
	}

}
