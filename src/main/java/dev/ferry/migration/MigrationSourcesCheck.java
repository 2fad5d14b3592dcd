package dev.ferry.migration;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.scripts.MigrationScripts;
import org.flywaydb.core.api.Location;
import org.flywaydb.core.api.configuration.Configuration;

import org.springframework.core.io.Resource;

/**
 * Proves that Flyway will see every migration there is, before it runs: each configured location exists and can be
 * read (Flyway only logs "Skipping location" and then finds nothing pending), a folder holds no symbolic-link loop
 * (Flyway would walk round it and report duplicate versions), and every script decodes in the configured encoding.
 */
final class MigrationSourcesCheck {

	private MigrationSourcesCheck() {
	}

	/** @return the scripts of the locations, as {@link MigrationScripts#list} gives them */
	static Map<String, Resource> verify(Configuration configuration) {
		for (Location location : configuration.getLocations()) {
			if (location.isFileSystem()) {
				verifyFolder(location);
			}
			else if (location.isClassPath() && !existsOnClasspath(location, configuration.getClassLoader())) {
				throw missing(location, "is not on the classpath");
			}
		}
		Map<String, Resource> scripts = MigrationScripts.list(configuration);
		scripts.forEach((name, script) -> verifyEncoding(name, script, configuration));
		return scripts;
	}

	private static void verifyFolder(Location location) {
		Path folder = Path.of(location.getRootPath());
		if (!Files.isDirectory(folder)) {
			throw missing(location, "does not exist or is not a folder");
		}
		try (Stream<Path> paths = Files.walk(folder, FileVisitOption.FOLLOW_LINKS)) {
			paths.filter((path) -> !Files.isReadable(path)).findFirst().ifPresent((path) -> {
				throw missing(location, "holds " + path + ", which Ferry cannot read");
			});
		}
		catch (UncheckedIOException ex) {
			throw unreadable(location, ex.getCause());
		}
		catch (IOException ex) {
			throw unreadable(location, ex);
		}
	}

	private static FerryException unreadable(Location location, IOException ex) {
		if (ex instanceof FileSystemLoopException loop) {
			return missing(location, "holds a symbolic-link loop at " + loop.getFile()
					+ ": Flyway would read the same scripts again and again");
		}
		return missing(location, "cannot be read: " + ex);
	}

	private static boolean existsOnClasspath(Location location, ClassLoader classLoader) {
		try {
			return classLoader.getResources(location.getRootPath()).hasMoreElements();
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static FerryException missing(Location location, String problem) {
		return new FerryException(ExitStatus.CONFIGURATION_INVALID, "migration location " + location.getDescriptor()
				+ " " + problem + "; nothing was run (check FERRY_LOCATIONS / FLYWAY_LOCATIONS)");
	}

	private static void verifyEncoding(String name, Resource script, Configuration configuration) {
		// Streamed: a 66 MB script decoded whole would hold its bytes and twice as many in chars at once.
		try (Reader in = new InputStreamReader(script.getInputStream(), configuration.getEncoding()
			.newDecoder()
			.onMalformedInput(CodingErrorAction.REPORT)
			.onUnmappableCharacter(CodingErrorAction.REPORT))) {
			char[] buffer = new char[8192];
			while (in.read(buffer) >= 0) {
				// only decoding
			}
		}
		catch (CharacterCodingException ex) {
			throw new FerryException(ExitStatus.VALIDATION_FAILED, "migration script " + name + " is not valid "
					+ configuration.getEncoding() + " (" + ex.getMessage() + "); save it as "
					+ configuration.getEncoding() + " or set FLYWAY_ENCODING; nothing was run");
		}
		catch (IOException ex) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
					"cannot read migration script " + name + ": " + ex.getMessage(), ex);
		}
	}

}
