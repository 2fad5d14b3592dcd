package dev.ferry.placeholders;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.ferry.config.FerryProperties;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.secrets.EnvironmentSecrets;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.secrets.SecretPlaceholders;
import dev.ferry.secrets.SecretReader;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.stereotype.Component;

/**
 * The placeholder values Ferry hands to Flyway, and which of them are secret. Literals come from
 * {@code FERRY_PLACEHOLDER_<name>} environment variables, whose names are kept exactly as written (Spring's relaxed
 * binding would fold {@code api_db_password} into {@code api.db.password}), and from {@code ferry.placeholders}.
 * Secret ones come from {@code FERRY_PLACEHOLDER_SECRETS=prefix=secret-id,...}, read from Secrets Manager only when
 * it names any: each key of a JSON secret becomes {@code prefix_key}, a plain-text secret becomes {@code prefix}.
 */
@Component
public class Placeholders {

	private static final String ENVIRONMENT_PREFIX = FerryProperties.PLACEHOLDER_VARIABLE_PREFIX;

	private final Map<String, String> values = new LinkedHashMap<>();

	private final Set<String> secretNames = new TreeSet<>();

	private final Map<String, String> secretIdsByPrefix = new LinkedHashMap<>();

	private final SecretPlaceholders secretRule;

	private final SecretMasker masker;

	public Placeholders(FerryProperties properties, ConfigurableEnvironment environment, SecretMasker masker,
			ObjectProvider<SecretReader> secretReader) {
		this.secretRule = new SecretPlaceholders(properties.secretPlaceholderPattern());
		this.masker = masker;
		for (String entry : properties.placeholderSecrets()) {
			int equals = entry.indexOf('=');
			if (equals <= 0 || equals == entry.length() - 1) {
				throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
						"FERRY_PLACEHOLDER_SECRETS entries are prefix=secret-id, not '" + entry + "'");
			}
			this.secretIdsByPrefix.put(entry.substring(0, equals).trim(), entry.substring(equals + 1).trim());
		}
		properties.placeholders().forEach(this::addLiteral);
		PropertySource<?> system = environment.getPropertySources()
			.get(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		if (system instanceof EnumerablePropertySource<?> enumerable) {
			for (String name : enumerable.getPropertyNames()) {
				if (name.startsWith(ENVIRONMENT_PREFIX) && !name.equals(EnvironmentSecrets.PLACEHOLDER_SECRETS)
						&& name.length() > ENVIRONMENT_PREFIX.length()) {
					addLiteral(name.substring(ENVIRONMENT_PREFIX.length()), String.valueOf(enumerable.getProperty(name)));
				}
			}
		}
		// Secrets last: a key of one wins over a literal of the same name.
		this.secretIdsByPrefix.forEach((prefix, secretId) -> {
			SecretReader reader = secretReader.getObject();
			String text = reader.read(secretId);
			if (text.trim().startsWith("{")) {
				reader.parseJson(secretId, text).forEach((key, value) -> addSecret(prefix + "_" + key, value));
			}
			else {
				addSecret(prefix, text);
			}
		});
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

	/** A value read from a secret store: always secret. */
	private void addSecret(String name, String value) {
		this.masker.register(value);
		this.values.put(name, value);
		this.secretNames.add(name);
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
