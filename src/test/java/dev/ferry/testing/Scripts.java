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

	public static final Path SAMPLE_MIGRATIONS = Path.of("db", "migration");

	public static final Path SAMPLE_TESTDATA = Path.of("db", "testdata");

	private final Path folder;

	private Scripts(Path folder) {
		this.folder = folder;
	}

	public static Scripts in(Path folder) {
		return new Scripts(folder);
	}

	/** A copy of the sample project's migrations, to change in a test. */
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
