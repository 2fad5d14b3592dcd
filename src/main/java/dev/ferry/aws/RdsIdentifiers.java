package dev.ferry.aws;

import java.text.Normalizer;
import java.util.Locale;

/**
 * Names RDS takes for clusters and snapshots: 1 to 63 letters, digits and hyphens, starting with a letter, never
 * two hyphens in a row nor one at the end. Ferry's names carry the environment's name, which can be anything a
 * team chose, so it is made to fit here, once, for every name Ferry gives.
 */
public final class RdsIdentifiers {

	/** The longest identifier RDS takes for a cluster, a cluster snapshot or a DB snapshot. */
	public static final int MAX_LENGTH = 63;

	private static final int MAX_TAG_VALUE_LENGTH = 256;

	private RdsIdentifiers() {
	}

	/**
	 * A text as a part of an identifier: compatibility forms folded (fullwidth letters, ligatures), accents dropped,
	 * lower case, every run of other characters one hyphen, at most {@code maxLength} long; {@code unnamed} where
	 * nothing is left.
	 */
	public static String slug(String text, int maxLength) {
		String plain = Normalizer.normalize((text != null) ? text : "", Normalizer.Form.NFKD).replaceAll("\\p{M}", "");
		String slug = plain.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
		slug = slug.isEmpty() ? "unnamed" : slug;
		return (slug.length() > maxLength) ? slug.substring(0, Math.max(1, maxLength)).replaceAll("-$", "") : slug;
	}

	/**
	 * {@code prefix}, the environment's slug and the {@code suffix}, joined by hyphens: the environment's part is cut
	 * so that the whole fits; the prefix must start with a letter.
	 */
	public static String named(String prefix, String environment, String suffix) {
		String tail = (suffix.isEmpty()) ? "" : "-" + suffix;
		int room = MAX_LENGTH - prefix.length() - 1 - tail.length();
		if (room < 1) {
			throw new IllegalArgumentException("no room for the environment in " + prefix + "..." + tail);
		}
		return prefix + "-" + slug(environment, room) + tail;
	}

	/**
	 * A text as a tag value RDS takes: at most 256 Unicode letters, digits, spaces and {@code _.:/=+-@}; any other
	 * character becomes {@code _}. The environment's name is a tag, and a team's name can hold anything.
	 */
	public static String tagValue(String text) {
		return text.replaceAll("[^\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]", "_")
			.codePoints()
			.limit(MAX_TAG_VALUE_LENGTH)
			.collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
			.toString();
	}

}
