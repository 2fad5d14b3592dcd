package dev.ferry.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Writes migration scripts into a test's own folder.
 */
public final class Scripts {

	/**
	 * The tests' own sample-shaped project (a copy of the first {@code db/}): the tests never read {@code db/},
	 * which teams replace with their own scripts.
	 */
	public static final Path SAMPLE_PROJECT = Path.of("src", "test", "resources", "sample-project");

	public static final Path SAMPLE_MIGRATIONS = SAMPLE_PROJECT.resolve("migration");

	public static final Path SAMPLE_TESTDATA = SAMPLE_PROJECT.resolve("testdata");

	private final Path folder;

	private Scripts(Path folder) {
		this.folder = folder;
	}

	public static Scripts in(Path folder) {
		return new Scripts(folder);
	}

	/** A copy of the tests' sample project's migrations, to change in a test. */
	public static Scripts copyOfSample(Path folder) {
		try (Stream<Path> files = Files.list(SAMPLE_MIGRATIONS)) {
			for (Path file : files.toList()) {
				Files.copy(file, folder.resolve(file.getFileName()));
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return new Scripts(folder);
	}

	public Scripts write(String name, String sql) {
		try {
			Files.writeString(this.folder.resolve(name), sql);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return this;
	}

	public Scripts delete(String name) {
		try {
			Files.delete(this.folder.resolve(name));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return this;
	}

	public Path folder() {
		return this.folder;
	}

}
