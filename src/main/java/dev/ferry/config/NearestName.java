package dev.ferry.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * The known name nearest to a mistyped one, by edit distance ignoring case, when it is near enough to be what was
 * meant: at most a third of the name's length apart, and at least two edits always allowed.
 */
final class NearestName {

	private NearestName() {
	}

	static Optional<String> of(String wanted, Collection<String> known) {
		String target = wanted.toLowerCase(Locale.ROOT);
		int allowed = Math.max(2, target.length() / 3);
		String best = null;
		int bestDistance = Integer.MAX_VALUE;
		for (String name : known) {
			int distance = distance(target, name.toLowerCase(Locale.ROOT));
			if (distance < bestDistance || (distance == bestDistance && best != null && name.compareTo(best) < 0)) {
				best = name;
				bestDistance = distance;
			}
		}
		return (best != null && bestDistance <= allowed) ? Optional.of(best) : Optional.empty();
	}

	/** Levenshtein distance, with a swap of two neighbouring characters counted as one edit. */
	static int distance(String a, String b) {
		int[][] d = new int[a.length() + 1][b.length() + 1];
		for (int i = 0; i <= a.length(); i++) {
			d[i][0] = i;
		}
		for (int j = 0; j <= b.length(); j++) {
			d[0][j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			for (int j = 1; j <= b.length(); j++) {
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
