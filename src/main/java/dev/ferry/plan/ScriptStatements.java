package dev.ferry.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Splits a substituted SQL script into the statements Flyway sends, one by one, to PostgreSQL. Flyway's parser is
 * internal API, and its public API ({@code LoadableResource}) yields only the script's text, so this mirrors the
 * rules of Flyway's {@code Parser} and {@code PostgreSQLParser} (11.x), its quirks included, rather than
 * PostgreSQL's grammar: the point is to name what Flyway will send, and {@code PlanMatchesMigrateTest} compares the
 * two on the wire.
 * <ul>
 * <li>{@code ;} ends a statement outside parentheses and outside {@code BEGIN ATOMIC ... END} bodies;</li>
 * <li>{@code '...'} with {@code ''}, and only an upper-case {@code E'}, {@code B'}, {@code X'} at a token's start
 * with backslash escapes too; {@code U&'...'};</li>
 * <li>{@code "..."} identifiers; any {@code $} that does not continue a word opens a dollar quote up to the next
 * {@code $}, closed by the same tag;</li>
 * <li>{@code --} comments to the end of the line, {@code /* *&#47;} comments nested;</li>
 * <li>a statement's text runs from its first token after the previous {@code ;} (leading comments included,
 * leading whitespace and parentheses not) to the {@code ;}, trimmed; a piece holding only comments is no
 * statement;</li>
 * <li>{@code COPY ... FROM STDIN} is followed by its data up to a line {@code \.}, which is not a statement.</li>
 * </ul>
 */
public final class ScriptStatements {

	private static final Pattern COPY_FROM_STDIN = Pattern.compile("(?is)^COPY\\b.*\\bFROM\\s+STDIN\\b.*");

	private final String sql;

	private int pos;

	private final Deque<String> blocks = new ArrayDeque<>();

	private int parens;

	private ScriptStatements(String sql) {
		this.sql = sql;
	}

	/** The statements of a script whose placeholders are already substituted, in order. */
	public static List<String> split(String sql) {
		return spans(sql).stream().map((span) -> sql.substring(span.start(), span.end())).toList();
	}

	/** Where each statement is in the script. */
	static List<Span> spans(String sql) {
		return new ScriptStatements(sql).all();
	}

	private List<Span> all() {
		List<Span> statements = new ArrayList<>();
		int start = -1;
		int nonCommentTokens = 0;
		String previousKeyword = null;
		this.blocks.clear();
		this.parens = 0;
		while (true) {
			if (this.pos >= this.sql.length()) {
				if (start >= 0 && nonCommentTokens > 0 && !this.sql.substring(start).trim().isEmpty()) {
					statements.add(trimmed(start, this.sql.length()));
				}
				return statements;
			}
			int tokenStart = this.pos;
			char c = this.sql.charAt(this.pos);
			if (c == '(' || c == ')') {
				this.parens += (c == '(') ? 1 : -1;
				this.pos++;
				continue;
			}
			if (c == ' ' || c == '\r' || c == '\u00A0') {
				this.pos++;
				continue;
			}
			if (Character.isWhitespace(c)) {
				int newlines = 0;
				while (this.pos < this.sql.length() && Character.isWhitespace(this.sql.charAt(this.pos))) {
					newlines += (this.sql.charAt(this.pos) == '\n') ? 1 : 0;
					this.pos++;
				}
				if (newlines >= 2 && start < 0) {
					// Flyway keeps blank lines as a token: the statement starts there (and is trimmed later).
					start = tokenStart;
				}
				continue;
			}
			if (c == ';' && this.parens <= 0 && this.blocks.isEmpty()) {
				this.pos++;
				if (nonCommentTokens > 0) {
					Span span = trimmed(start, tokenStart);
					statements.add(span);
					String statement = this.sql.substring(span.start(), span.end());
					if (COPY_FROM_STDIN.matcher(withoutLeadingComments(statement)).matches()) {
						skipCopyData();
					}
				}
				start = -1;
				nonCommentTokens = 0;
				previousKeyword = null;
				continue;
			}
			boolean comment = readToken(c);
			if (start < 0) {
				start = tokenStart;
			}
			if (comment) {
				continue;
			}
			nonCommentTokens++;
			String word = this.sql.substring(tokenStart, this.pos);
			if (this.parens <= 0 && isKeyword(word)) {
				String keyword = word.toUpperCase(Locale.ENGLISH);
				adjustBlocks(previousKeyword, keyword);
				previousKeyword = keyword;
			}
			else if (this.parens <= 0 && !word.isEmpty() && !isParenthesis(word)) {
				previousKeyword = null;
			}
		}
	}

	/** As Java's {@code trim()}: Flyway trims each statement. */
	private Span trimmed(int start, int end) {
		while (start < end && this.sql.charAt(start) <= ' ') {
			start++;
		}
		while (end > start && this.sql.charAt(end - 1) <= ' ') {
			end--;
		}
		return new Span(start, end);
	}

	/**
	 * Where a statement is in its script.
	 *
	 * @param start its first character
	 * @param end after its last character
	 */
	record Span(int start, int end) {

	}

	private static boolean isParenthesis(String word) {
		return word.equals("(") || word.equals(")");
	}

	/** PostgreSQLParser's block rule: BEGIN ATOMIC opens a block, CASE inside it too, END closes them. */
	private void adjustBlocks(String previous, String keyword) {
		if ("BEGIN".equals(previous) && "ATOMIC".equals(keyword)) {
			this.blocks.push("ATOMIC");
		}
		String initiator = this.blocks.isEmpty() ? "" : this.blocks.peek();
		if ("CASE".equals(keyword) && "ATOMIC".equals(initiator)) {
			this.blocks.push("CASE");
		}
		initiator = this.blocks.isEmpty() ? "" : this.blocks.peek();
		if (!this.blocks.isEmpty() && "END".equals(keyword) && ("ATOMIC".equals(initiator) || "CASE".equals(initiator))) {
			this.blocks.pop();
		}
	}

	/** Reads one token from {@code c} on; true when it was a comment. */
	private boolean readToken(char c) {
		if (c == '$') {
			int tagEnd = this.sql.indexOf('$', this.pos + 1);
			String tag = (tagEnd < 0) ? this.sql.substring(this.pos) : this.sql.substring(this.pos, tagEnd + 1);
			int close = (tagEnd < 0) ? -1 : this.sql.indexOf(tag, tagEnd + 1);
			this.pos = (close < 0) ? this.sql.length() : close + tag.length();
			return false;
		}
		if (c == '\'') {
			this.pos++;
			skipQuoted('\'', (char) 0);
			return false;
		}
		if (c == '"') {
			this.pos++;
			skipQuoted('"', (char) 0);
			return false;
		}
		if (this.sql.startsWith("--", this.pos)) {
			while (this.pos < this.sql.length() && this.sql.charAt(this.pos) != '\n' && this.sql.charAt(this.pos) != '\r') {
				this.pos++;
			}
			return true;
		}
		if (this.sql.startsWith("/*", this.pos)) {
			skipBlockComment();
			return true;
		}
		if (Character.isDigit(c)) {
			while (this.pos < this.sql.length() && this.sql.charAt(this.pos) >= '0' && this.sql.charAt(this.pos) <= '9') {
				this.pos++;
			}
			return false;
		}
		if (this.sql.startsWith("B'", this.pos) || this.sql.startsWith("E'", this.pos) || this.sql.startsWith("X'", this.pos)) {
			this.pos += 2;
			skipQuoted('\'', '\\');
			return false;
		}
		if (this.sql.startsWith("U&'", this.pos)) {
			this.pos += 3;
			skipQuoted('\'', (char) 0);
			return false;
		}
		if (c == '_' || Character.isLetter(c)) {
			readWord();
			if (this.pos < this.sql.length() && this.sql.charAt(this.pos) == '.') {
				readQualifier();
				if (this.pos < this.sql.length() && this.sql.charAt(this.pos) == '.') {
					readQualifier();
				}
			}
			return false;
		}
		this.pos++;
		return false;
	}

	private void readWord() {
		while (this.pos < this.sql.length() && isWordPart(this.sql.charAt(this.pos))) {
			this.pos++;
		}
	}

	private void readQualifier() {
		this.pos++;
		if (this.pos < this.sql.length() && this.sql.charAt(this.pos) == '"') {
			this.pos++;
			skipQuoted('"', (char) 0);
		}
		else {
			readWord();
		}
	}

	private static boolean isWordPart(char c) {
		return c == '_' || c == '$' || Character.isLetterOrDigit(c);
	}

	/** Flyway calls a word of letters and underscores a keyword; anything else is an identifier. */
	private static boolean isKeyword(String word) {
		if (word.isEmpty()) {
			return false;
		}
		for (int i = 0; i < word.length(); i++) {
			char c = word.charAt(i);
			if (!(Character.isLetter(c) || c == '_')) {
				return false;
			}
		}
		return true;
	}

	private void skipQuoted(char quote, char escape) {
		while (this.pos < this.sql.length()) {
			char c = this.sql.charAt(this.pos++);
			if (escape != 0 && c == escape) {
				this.pos++;
				continue;
			}
			if (c == quote) {
				if (this.pos < this.sql.length() && this.sql.charAt(this.pos) == quote) {
					this.pos++;
					continue;
				}
				return;
			}
		}
	}

	private void skipBlockComment() {
		int depth = 1;
		this.pos += 2;
		while (this.pos < this.sql.length() && depth > 0) {
			if (this.sql.startsWith("/*", this.pos)) {
				depth++;
				this.pos += 2;
			}
			else if (this.sql.startsWith("*/", this.pos)) {
				depth--;
				this.pos += 2;
			}
			else {
				this.pos++;
			}
		}
	}

	private void skipCopyData() {
		int lineEnd = this.sql.indexOf('\n', this.pos);
		this.pos = (lineEnd < 0) ? this.sql.length() : lineEnd + 1;
		while (this.pos < this.sql.length()) {
			lineEnd = this.sql.indexOf('\n', this.pos);
			int end = (lineEnd < 0) ? this.sql.length() : lineEnd + 1;
			String line = this.sql.substring(this.pos, end);
			this.pos = end;
			if (line.trim().equals("\\.")) {
				return;
			}
		}
	}

	static String withoutLeadingComments(String statement) {
		String rest = statement.stripLeading();
		while (rest.startsWith("--") || rest.startsWith("/*")) {
			if (rest.startsWith("--")) {
				int end = rest.indexOf('\n');
				rest = (end < 0) ? "" : rest.substring(end + 1).stripLeading();
			}
			else {
				ScriptStatements reader = new ScriptStatements(rest);
				reader.skipBlockComment();
				rest = rest.substring(Math.min(reader.pos, rest.length())).stripLeading();
			}
		}
		return rest;
	}

}
