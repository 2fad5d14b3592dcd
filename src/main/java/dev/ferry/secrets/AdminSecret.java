package dev.ferry.secrets;

import java.util.Map;

/**
 * The database admin credentials from the RDS secret format: the RDS-managed master secret has only
 * {@code username} and {@code password}; the full format adds {@code host}, {@code port}, {@code dbname},
 * {@code engine}.
 *
 * @param username the user
 * @param password the password
 * @param host the host, if the secret names one
 * @param port the port, if the secret names one
 * @param dbname the database, if the secret names one
 */
public record AdminSecret(String username, String password, String host, Integer port, String dbname) {

	public static AdminSecret read(SecretReader reader, SecretMasker masker, String secretId) {
		Map<String, String> values = reader.parseJson(secretId, reader.read(secretId));
		for (String required : new String[] { "username", "password" }) {
			if (values.get(required) == null || values.get(required).isEmpty()) {
				throw SecretReader.failure(secretId, "has no key '" + required + "'", null);
			}
		}
		masker.register(values.get("password"));
		Integer port = null;
		if (values.get("port") != null) {
			try {
				port = (int) Double.parseDouble(values.get("port"));
			}
			catch (NumberFormatException ex) {
				throw SecretReader.failure(secretId, "has a key 'port' that is not a number", null);
			}
		}
		return new AdminSecret(values.get("username"), values.get("password"), values.get("host"), port,
				values.get("dbname"));
	}

}
