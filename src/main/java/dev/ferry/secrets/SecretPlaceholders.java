package dev.ferry.secrets;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The one rule for which placeholder values are secret, whichever way they reach Ferry: a name matching the secret
 * pattern ({@code FERRY_SECRET_PLACEHOLDER_PATTERN}), with a value long enough to be a secret. A name like
 * {@code password_min_length} says secret, its value {@code 12} does not: masking it would mangle every number and
 * address in the output. Values read from a secret store are always secret, whatever their name.
 */
public final class SecretPlaceholders {

	public static final String DEFAULT_PATTERN = "(?i).*(password|secret|token|key).*";

	static final int MIN_LENGTH = 4;

	private final Pattern names;

	public SecretPlaceholders(String pattern) {
		this.names = compiled((pattern != null && !pattern.isBlank()) ? pattern : DEFAULT_PATTERN);
	}

	/**
	 * A pattern that is no regular expression makes every name secret: the run is refused once its settings are bound
	 * (exit 2), and until then nothing may print a value this rule cannot judge.
	 */
	private static Pattern compiled(String pattern) {
		try {
			return Pattern.compile(pattern);
		}
		catch (PatternSyntaxException ex) {
			return Pattern.compile(".*", Pattern.DOTALL);
		}
	}

	public boolean isSecret(String name, String value) {
		return value != null && value.length() >= MIN_LENGTH && this.names.matcher(name).matches();
	}

}
