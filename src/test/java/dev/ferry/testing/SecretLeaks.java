package dev.ferry.testing;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The check every Ferry run in the tests passes: no secret value in its output, report or summary, in any form it
 * could be printed in. The forms are worked out here, apart from Ferry's masker, so that a form the masker misses
 * fails the check instead of being missed by both.
 */
public final class SecretLeaks {

	private SecretLeaks() {
	}

	public static void assertNoneIn(FerryRun run) {
		for (String secret : TestSecrets.all()) {
			assertNoneOf(secret, run);
		}
	}

	/** No form of the value in anything the run left: its output, report and step summary. */
	public static void assertNoneOf(String secret, FerryRun run) {
		assertNoneOf(secret, "Ferry's output", run.output());
		assertNoneOf(secret, "the run report", run.report());
		assertNoneOf(secret, "the step summary", run.summary());
	}

	/** No form of the value in a text (none is fine). */
	public static void assertNoneOf(String secret, String where, String text) {
		if (text == null) {
			return;
		}
		for (String form : formsOf(secret)) {
			assertThat(text).as(where + " holds a form of a secret: " + form).doesNotContain(form);
		}
	}

	/**
	 * The value as is, JSON-escaped (also with {@code \\u} escapes past ASCII), SQL-quoted, line by line, the piece
	 * after a quote that PostgreSQL names in a syntax error, and as PostgreSQL prints its UTF-8 bytes: bytea hex and
	 * escape format, an {@code E'...'} string's backslash escapes, every byte as {@code \xHH} or octal.
	 */
	public static List<String> formsOf(String secret) {
		Set<String> forms = new LinkedHashSet<>(List.of(secret, json(secret), secret.replace("'", "''")));
		for (String line : secret.split("\n")) {
			if (line.length() >= 4) {
				forms.add(line);
			}
		}
		int quote = secret.indexOf('\'');
		if (quote >= 0 && secret.length() - quote > 4) {
			forms.add(secret.substring(quote + 1));
		}
		StringBuilder unicode = new StringBuilder();
		for (char c : json(secret).toCharArray()) {
			unicode.append((c > 0x7e) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
		}
		forms.add(unicode.toString());
		byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
		forms.add(HexFormat.of().formatHex(bytes));
		forms.add(HexFormat.of().withUpperCase().formatHex(bytes));
		StringBuilder escape = new StringBuilder();
		StringBuilder octal = new StringBuilder();
		StringBuilder hex = new StringBuilder();
		for (byte b : bytes) {
			int u = b & 0xff;
			escape.append((u == '\\') ? "\\\\" : (u < 0x20 || u > 0x7e) ? String.format("\\%03o", u) : String.valueOf((char) u));
			octal.append(String.format("\\%03o", u));
			hex.append(String.format("\\x%02x", u));
		}
		forms.add(escape.toString());
		forms.add(octal.toString());
		forms.add(hex.toString());
		forms.add(secret.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t"));
		return List.copyOf(forms);
	}

	private static String json(String value) {
		return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t");
	}

}
