package dev.ferry.placeholders;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.secrets.SecretReader;

/**
 * Turns {@code FERRY_PLACEHOLDER_SECRETS=prefix=secret-id,...} into placeholders: each key of a JSON secret
 * becomes {@code prefix_key}, a plain-text secret becomes {@code prefix}. All of them are secret.
 */
final class PlaceholderSecrets {

	private PlaceholderSecrets() {
	}

	/** The secret ids by prefix, as the setting lists them. */
	static Map<String, String> parse(Iterable<String> entries) {
		Map<String, String> secrets = new LinkedHashMap<>();
		for (String entry : entries) {
			int equals = entry.indexOf('=');
			if (equals <= 0 || equals == entry.length() - 1) {
				throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
						"FERRY_PLACEHOLDER_SECRETS entries are prefix=secret-id, not '" + entry + "'");
			}
			secrets.put(entry.substring(0, equals).trim(), entry.substring(equals + 1).trim());
		}
		return secrets;
	}

	static void load(Map<String, String> secretsByPrefix, SecretReader reader, Placeholders placeholders) {
		secretsByPrefix.forEach((prefix, secretId) -> {
			String text = reader.read(secretId);
			if (text.trim().startsWith("{")) {
				reader.parseJson(secretId, text).forEach((key, value) -> placeholders.addSecret(prefix + "_" + key, value));
			}
			else {
				placeholders.addSecret(prefix, text);
			}
			placeholders.recordSource(prefix, secretId);
		});
	}

}
