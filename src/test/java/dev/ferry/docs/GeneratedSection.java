package dev.ferry.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A part of a hand-written file (README, a workflow, a script) that copies a contract whose one source is in the
 * code. The part is the lines between a line holding {@code BEGIN GENERATED: name} and one holding
 * {@code END GENERATED: name}, in whatever comment syntax the file has ({@code <!-- -->}, {@code #}). Its test
 * renders the part from the source and fails when the file differs; {@code -Dferry.docs.update=true} writes the
 * rendering into the file instead, so a change to the source is one command away from its copies.
 */
public final class GeneratedSection {

	/** The system property that makes {@link #assertUpToDate} rewrite the file instead of failing. */
	public static final String UPDATE_PROPERTY = "ferry.docs.update";

	private final Path file;

	private final String name;

	private GeneratedSection(Path file, String name) {
		this.file = file;
		this.name = name;
	}

	/** The section called {@code name} in {@code file}, a path relative to the project's root. */
	public static GeneratedSection in(String file, String name) {
		return new GeneratedSection(Path.of(file), name);
	}

	/** The lines between the markers, each ending with a newline. */
	public String current() {
		String content = read();
		int[] bounds = bounds(content);
		return content.substring(bounds[0], bounds[1]);
	}

	/**
	 * Fails when the section differs from {@code rendered} (lines each ending with a newline), naming the command
	 * that brings it up to date; with {@code -Dferry.docs.update=true} writes it instead.
	 */
	public void assertUpToDate(String rendered) {
		String content = read();
		int[] bounds = bounds(content);
		if (Boolean.getBoolean(UPDATE_PROPERTY)) {
			write(content.substring(0, bounds[0]) + rendered + content.substring(bounds[1]));
			return;
		}
		assertThat(content.substring(bounds[0], bounds[1]))
			.as("the generated section '%s' of %s is out of date; regenerate it with "
					+ "./mvnw test -Dtest='dev.ferry.docs.*Test' -D%s=true", this.name, this.file, UPDATE_PROPERTY)
			.isEqualTo(rendered);
	}

	/** Where the section's lines start (after the BEGIN line) and end (at the start of the END line). */
	private int[] bounds(String content) {
		int begin = content.indexOf("BEGIN GENERATED: " + this.name);
		int end = content.indexOf("END GENERATED: " + this.name);
		assertThat(begin >= 0 && end > begin)
			.as("%s has a section between 'BEGIN GENERATED: %s' and 'END GENERATED: %s'", this.file, this.name,
					this.name)
			.isTrue();
		int start = content.indexOf('\n', begin) + 1;
		int stop = content.lastIndexOf('\n', end) + 1;
		return new int[] { start, Math.max(start, stop) };
	}

	private String read() {
		try {
			return Files.readString(this.file, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void write(String content) {
		try {
			Files.writeString(this.file, content, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
