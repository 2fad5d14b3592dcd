package dev.ferry.secrets;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.ferry.config.FerryProperties;

import org.springframework.core.env.EnumerablePropertySource;

/**
 * Registers the secret values the process was started with, before Spring reads a single setting, so that nothing
 * logged while Ferry starts (at any level) can print them: database passwords, passwords inside database URLs, and
 * placeholders named like secrets, by every name a Ferry, Flyway or Spring Boot user may give them.
 */
public final class EnvironmentSecrets {

	private static final List<String> PASSWORDS = List.of("FERRY_DB_PASSWORD", "SPRING_DATASOURCE_PASSWORD",
			"FLYWAY_PASSWORD", "SPRING_FLYWAY_PASSWORD", "ferry.db.password", "spring.datasource.password",
			"flyway.password", "spring.flyway.password");

	private static final List<String> URLS = List.of("FERRY_DB_URL", "SPRING_DATASOURCE_URL", "FLYWAY_URL",
			"SPRING_FLYWAY_URL", "ferry.db.url", "spring.datasource.url", "flyway.url", "spring.flyway.url");

	private static final Pattern PLACEHOLDER = Pattern.compile(
			"(?:" + Pattern.quote(FerryProperties.PLACEHOLDER_VARIABLE_PREFIX) + "|FLYWAY_PLACEHOLDERS_|SPRING_FLYWAY_PLACEHOLDERS_|ferry\\.placeholders\\[|"
					+ "ferry\\.placeholders\\.|flyway\\.placeholders\\.|spring\\.flyway\\.placeholders\\.)"
					+ "([^\\]]+)\\]?");

	/** Not a placeholder: the setting that names placeholder secrets. */
	public static final String PLACEHOLDER_SECRETS = FerryProperties.PLACEHOLDER_VARIABLE_PREFIX + "SECRETS";

	/** {@code user:password@} in a URL, and the password parameters pgjdbc takes. */
	private static final Pattern URL_PASSWORD = Pattern
		.compile("//[^/@:?]*:([^@/?]*)@|[?&](?:ssl)?password=([^&]*)", Pattern.CASE_INSENSITIVE);

	private EnvironmentSecrets() {
	}

	/**
	 * @param settings environment variables, or system properties and arguments
	 * @param masker learns the secret values among them
	 */
	public static void register(EnumerablePropertySource<?> settings, SecretMasker masker) {
		Object pattern = settings.getProperty("FERRY_SECRET_PLACEHOLDER_PATTERN");
		SecretPlaceholders rule = new SecretPlaceholders(Objects.toString(
				(pattern != null) ? pattern : settings.getProperty("ferry.secret-placeholder-pattern"), null));
		for (String name : settings.getPropertyNames()) {
			String value = String.valueOf(settings.getProperty(name));
			Matcher placeholder = PLACEHOLDER.matcher(name);
			if (URLS.contains(name)) {
				registerUrlPasswords(value, masker);
			}
			else if (PASSWORDS.contains(name) || (!name.equals(PLACEHOLDER_SECRETS) && placeholder.matches()
					&& rule.isSecret(placeholder.group(1).toLowerCase(Locale.ROOT), value))) {
				masker.register(value);
			}
		}
	}

	/** Registers every password a database URL carries, as written and percent-decoded. */
	public static void registerUrlPasswords(String url, SecretMasker masker) {
		if (url == null) {
			return;
		}
		Matcher matcher = URL_PASSWORD.matcher(url);
		while (matcher.find()) {
			String password = (matcher.group(1) != null) ? matcher.group(1) : matcher.group(2);
			if (!password.isEmpty()) {
				masker.register(password);
				masker.register(decoded(password));
			}
		}
	}

	private static String decoded(String value) {
		try {
			return URLDecoder.decode(value, StandardCharsets.UTF_8);
		}
		catch (IllegalArgumentException ex) {
			return value;
		}
	}

}
