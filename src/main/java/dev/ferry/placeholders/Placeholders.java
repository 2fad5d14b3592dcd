package dev.ferry.placeholders;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.ferry.config.FerryProperties;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.secrets.SecretPlaceholders;

import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * The placeholder values Ferry hands to Flyway, and which of them are secret. Literals come from
 * {@code FERRY_PLACEHOLDER_<name>} environment variables, whose names are kept exactly as written (Spring's relaxed
 * binding would fold {@code api_db_password} into {@code api.db.password}), and from {@code ferry.placeholders}.
 */
public class Placeholders {

	private static final String ENVIRONMENT_PREFIX = FerryProperties.PLACEHOLDER_VARIABLE_PREFIX;

	/** Not a placeholder: the setting that names placeholder secrets. */
	private static final String SECRETS_SETTING = ENVIRONMENT_PREFIX + "SECRETS";

	private final Map<String, String> values = new LinkedHashMap<>();

	private final Set<String> secretNames = new TreeSet<>();

	private final Map<String, String> secretIdsByPrefix = new LinkedHashMap<>();

	private final SecretPlaceholders secretRule;

	private final SecretMasker masker;

	public Placeholders(FerryProperties properties, ConfigurableEnvironment environment, SecretMasker masker) {
		this.secretRule = new SecretPlaceholders(properties.secretPlaceholderPattern());
		this.masker = masker;
		properties.placeholders().forEach(this::addLiteral);
		PropertySource<?> system = environment.getPropertySources()
			.get(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		if (system instanceof EnumerablePropertySource<?> enumerable) {
			for (String name : enumerable.getPropertyNames()) {
				if (name.startsWith(ENVIRONMENT_PREFIX) && !name.equals(SECRETS_SETTING)
						&& name.length() > ENVIRONMENT_PREFIX.length()) {
					addLiteral(name.substring(ENVIRONMENT_PREFIX.length()), String.valueOf(enumerable.getProperty(name)));
				}
			}
		}
	}

	private void addLiteral(String name, String value) {
		this.values.put(name, value);
		if (this.secretRule.isSecret(name, value)) {
			this.secretNames.add(name);
			this.masker.register(value);
		}
	}

	/**
	 * Takes the placeholders Flyway was configured with ({@code FLYWAY_PLACEHOLDERS_*}, {@code spring.flyway.placeholders.*})
	 * under the same secret rule as Ferry's own; Ferry's win where both name one.
	 */
	public void addFlywayValues(Map<String, String> flywayValues) {
		flywayValues.forEach((name, value) -> {
			if (!this.values.containsKey(name)) {
				addLiteral(name, value);
			}
		});
	}

	/** Adds a value read from a secret store: always secret. */
	public void addSecret(String name, String value) {
		this.masker.register(value);
		this.values.put(name, value);
		this.secretNames.add(name);
	}

	/** Remembers which secret a prefix of FERRY_PLACEHOLDER_SECRETS came from, to name it when a key is missing. */
	public void recordSource(String prefix, String secretId) {
		this.secretIdsByPrefix.put(prefix, secretId);
	}

	/**
	 * Why a placeholder has no value when it should have come from a secret: the secret and the key it lacks.
	 * @param name the placeholder without a value
	 * @return the reason, or {@code null} when the name is not one a secret would give
	 */
	public String missingSecretKey(String name) {
		for (Map.Entry<String, String> source : this.secretIdsByPrefix.entrySet()) {
			String prefix = source.getKey() + "_";
			if (name.startsWith(prefix) && name.length() > prefix.length()) {
				String key = name.substring(prefix.length());
				return this.values.containsKey(source.getKey())
						? "secret " + source.getValue() + " is not JSON, so it has no key '" + key + "'"
						: "secret " + source.getValue() + " has no key '" + key + "'";
			}
		}
		return null;
	}

	public Map<String, String> values() {
		return Collections.unmodifiableMap(this.values);
	}

	public boolean isSecret(String name) {
		return this.secretNames.contains(name);
	}

}
