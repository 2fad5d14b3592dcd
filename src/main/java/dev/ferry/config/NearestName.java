package dev.ferry.config;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * The known name nearest to a mistyped one, by edit distance ignoring case, when it is near enough to be what was
 * meant: at most a third of the name's length apart, and at least two edits always allowed. Of names as near, the
 * first in order.
 */
final class NearestName {

	private NearestName() {
	}

	static Optional<String> of(String wanted, Collection<String> known) {
		String target = wanted.toLowerCase(Locale.ROOT);
		ToIntFunction<String> distance = (name) -> distance(target, name.toLowerCase(Locale.ROOT));
		return known.stream()
			.sorted()
			.min(Comparator.comparingInt(distance))
			.filter((name) -> distance.applyAsInt(name) <= Math.max(2, target.length() / 3));
	}

	/** Levenshtein distance, with a swap of two neighbouring characters counted as one edit. */
	static int distance(String a, String b) {
		int[][] d = new int[a.length() + 1][b.length() + 1];
		for (int i = 0; i <= a.length(); i++) {
			for (int j = 0; j <= b.length(); j++) {
				if (i == 0 || j == 0) {
					d[i][j] = i + j;
					continue;
				}
				int cost = (a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1;
				d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
				if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
					d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
				}
			}
		}
		return d[a.length()][b.length()];
	}

}
