package dev.ferry.secrets;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Knows every secret value this run has seen and replaces each of them with {@value #MASK}. Values are registered
 * as soon as they are read, before anything can print them. Each value is masked in every form it can be printed
 * in: as is (also inside dollar quotes), JSON-escaped (structured logs; also with {@code \\uXXXX} for every character
 * past ASCII), SQL-quoted (the statement Flyway puts into its error), line by line (a multi-line secret logged a line
 * at a time), and as PostgreSQL prints text it holds as {@code bytea} (hex, {@code '\x4375...'}, and the escape
 * format) or in an {@code E'...'} string (backslash escapes, every byte as {@code \xHH} or as octal). A short value (a placeholder named like a secret may well hold
 * {@code 12}) is masked only where it stands alone, not inside a longer word or number, so that it cannot mangle
 * every IP address and checksum in the output.
 */
public class SecretMasker {

	public static final String MASK = "****";

	static final int SHORT = 8;

	/** A line of a multi-line secret shorter than this is not worth masking on its own. */
	private static final int MIN_LINE = 4;

	/**
	 * PostgreSQL quotes the token where a statement went wrong; when a secret with a quote in it broke the statement,
	 * that token is a piece of the secret.
	 */
	private static final Pattern ERROR_POSITION = Pattern.compile("(at or near )\"([^\"]+)\"");

	private final Set<String> values = ConcurrentHashMap.newKeySet();

	private final Set<String> forms = ConcurrentHashMap.newKeySet();

	private volatile List<String> longestFirst = List.of();

	public void register(String secret) {
		if (secret == null || secret.isEmpty() || !this.values.add(secret)) {
			return;
		}
		Set<String> variants = new LinkedHashSet<>();
		addWithEscapes(variants, secret);
		addWithEscapes(variants, secret.replace("'", "''"));
		for (String encoded : encodings(secret)) {
			addWithEscapes(variants, encoded);
		}
		for (String line : secret.split("\\R")) {
			if (line.length() >= MIN_LINE && !line.equals(secret)) {
				addWithEscapes(variants, line);
			}
		}
		this.forms.addAll(variants);
		// Longest first, so a secret that contains another one is masked whole.
		this.longestFirst = this.forms.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
	}

	private static void addWithEscapes(Set<String> variants, String value) {
		variants.add(value);
		variants.add(jsonEscaped(value));
		variants.add(jsonEscaped(value).replace("'", "''"));
		variants.add(jsonAscii(value, "\\u%04x"));
		variants.add(jsonAscii(value, "\\u%04X"));
	}

	/** How PostgreSQL prints the value's UTF-8 bytes as {@code bytea}, and the ways an {@code E'...'} string holds it. */
	private static List<String> encodings(String value) {
		byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
		String hex = HexFormat.of().formatHex(bytes);
		StringBuilder byteaEscape = new StringBuilder();
		StringBuilder octal = new StringBuilder();
		StringBuilder hexEscapes = new StringBuilder();
		for (byte b : bytes) {
			int unsigned = b & 0xff;
			String asOctal = String.format("\\%03o", unsigned);
			byteaEscape.append((unsigned == '\\') ? "\\\\" : (unsigned < 0x20 || unsigned > 0x7e) ? asOctal : (char) unsigned);
			octal.append(asOctal);
			hexEscapes.append(String.format("\\x%02x", unsigned));
		}
		return List.of(hex, hex.toUpperCase(Locale.ROOT), "\\x" + hex, byteaEscape.toString(),
				byteaEscape.toString().replace("'", "''"), octal.toString(), hexEscapes.toString(),
				hexEscapes.toString().toUpperCase(Locale.ROOT).replace("\\X", "\\x"), stringEscaped(value));
	}

	/** The value in an {@code E'...'} string with its backslashes, quotes and control characters escaped. */
	private static String stringEscaped(String value) {
		StringBuilder escaped = new StringBuilder(value.length() + 8);
		for (char c : value.toCharArray()) {
			switch (c) {
				case '\\' -> escaped.append("\\\\");
				case '\'' -> escaped.append("\\'");
				case '\b' -> escaped.append("\\b");
				case '\f' -> escaped.append("\\f");
				case '\n' -> escaped.append("\\n");
				case '\r' -> escaped.append("\\r");
				case '\t' -> escaped.append("\\t");
				default -> escaped.append((c < 0x20) ? String.format("\\x%02x", (int) c) : String.valueOf(c));
			}
		}
		return escaped.toString();
	}

	/** The value JSON-escaped with every character past ASCII as {@code \\uXXXX}, as some JSON writers print it. */
	private static String jsonAscii(String value, String format) {
		StringBuilder escaped = new StringBuilder();
		for (char c : jsonEscaped(value).toCharArray()) {
			escaped.append((c > 0x7e) ? String.format(format, (int) c) : String.valueOf(c));
		}
		return escaped.toString();
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
		return maskErrorPositions(masked);
	}

	private String maskErrorPositions(String text) {
		if (!text.contains("at or near \"")) {
			return text;
		}
		Matcher matcher = ERROR_POSITION.matcher(text);
		StringBuilder result = new StringBuilder();
		while (matcher.find()) {
			String token = matcher.group(2);
			boolean pieceOfASecret = !token.isBlank()
					&& this.values.stream().anyMatch((value) -> value.contains(token.strip()));
			matcher.appendReplacement(result, Matcher
				.quoteReplacement(pieceOfASecret ? matcher.group(1) + "\"" + MASK + "\"" : matcher.group()));
		}
		matcher.appendTail(result);
		return result.toString();
	}

	/** The value as a JSON string holds it, without the quotes: how structured logging prints it. */
	static String jsonEscaped(String value) {
		StringBuilder escaped = new StringBuilder(value.length() + 8);
		for (char c : value.toCharArray()) {
			switch (c) {
				case '"' -> escaped.append("\\\"");
				case '\\' -> escaped.append("\\\\");
				case '\b' -> escaped.append("\\b");
				case '\f' -> escaped.append("\\f");
				case '\n' -> escaped.append("\\n");
				case '\r' -> escaped.append("\\r");
				case '\t' -> escaped.append("\\t");
				default -> {
					if (c < 0x20) {
						escaped.append(String.format("\\u%04X", (int) c));
					}
					else {
						escaped.append(c);
					}
				}
			}
		}
		return escaped.toString();
	}

}
