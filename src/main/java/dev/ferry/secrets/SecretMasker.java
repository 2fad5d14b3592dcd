package dev.ferry.secrets;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Knows every secret value this run has seen and replaces each of them with {@value #MASK}. Values are registered
 * as soon as they are read, before anything can print them. A short value (a placeholder named like a secret may
 * well hold {@code 12}) is masked only where it stands alone, not inside a longer word or number, so that it
 * cannot mangle every IP address and checksum in the output.
 */
public class SecretMasker {

	public static final String MASK = "****";

	static final int SHORT = 8;

	private final Set<String> secrets = ConcurrentHashMap.newKeySet();

	private volatile List<String> longestFirst = List.of();

	public void register(String secret) {
		if (secret != null && !secret.isEmpty() && this.secrets.add(secret)) {
			// Longest first, so a secret that contains another one is masked whole.
			this.longestFirst = this.secrets.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
		}
	}

	public boolean hasSecrets() {
		return !this.longestFirst.isEmpty();
	}

	public String mask(String text) {
		if (text == null) {
			return null;
		}
		String masked = text;
		for (String secret : this.longestFirst) {
			if (!masked.contains(secret)) {
				continue;
			}
			if (secret.length() >= SHORT) {
				masked = masked.replace(secret, MASK);
			}
			else {
				masked = Pattern.compile("(?<![\\p{Alnum}])" + Pattern.quote(secret) + "(?![\\p{Alnum}])")
					.matcher(masked)
					.replaceAll(Matcher.quoteReplacement(MASK));
			}
		}
		return masked;
	}

}
