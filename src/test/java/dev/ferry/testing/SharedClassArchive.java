package dev.ferry.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A class-data sharing archive of the classes a Ferry migrate loads, dumped once per test JVM by one real migrate
 * (the tests' sample project, into a database of its own), which every later Ferry process maps instead of loading,
 * verifying and linking the same thousands of classes again: a process then starts in about two thirds of the CPU,
 * and the suites start hundreds of them. It changes how fast the JVM starts, not what Ferry does: the classes are
 * the same bytes, from the same jars.
 * <p>
 * CDS takes only jars on the class path, so Maven's {@code target/classes} is copied into a jar first, and the
 * processes that map the archive run on that jar, with any test classes after it (a class path that only grows at
 * its end still maps). A JVM that refuses the archive runs without it ({@code -Xshare:auto}), silently: the JVM's CDS
 * log is off.
 */
final class SharedClassArchive {

	private static final Path DIRECTORY = Path.of("target", "ferry-cds");

	/** The JVM's CDS messages (an archive it cannot map, a class it will not dump) are not Ferry's output. */
	static final List<String> QUIET = List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-Xlog:class+path=off");

	private static SharedClassArchive current;

	private final String classpath;

	private final Path archive;

	private SharedClassArchive(String classpath, Path archive) {
		this.classpath = classpath;
		this.archive = archive;
	}

	/** The archive of this test JVM, dumped on first use; {@code null} if it could not be made (said on stderr). */
	static synchronized SharedClassArchive get(String runtimeClasspath) {
		if (current == null) {
			current = dump(runtimeClasspath);
		}
		return current.archive != null ? current : null;
	}

	/** The runtime class path with every directory replaced by a jar of it, as CDS requires. */
	String classpath() {
		return this.classpath;
	}

	List<String> jvmOptions() {
		List<String> options = new ArrayList<>(QUIET);
		options.add("-XX:SharedArchiveFile=" + this.archive);
		return options;
	}

	private static SharedClassArchive dump(String runtimeClasspath) {
		try {
			Path directory = ownDirectory();
			String classpath = jarredClasspath(runtimeClasspath, directory);
			Path archive = directory.resolve("ferry.jsa").toAbsolutePath();
			TestDatabase database = PostgresServer.get().createDatabase();
			try {
				FerryRun training = FerryProcess.against(database).dumpingClassesTo(archive, classpath).run();
				if (training.exitCode() != 0 || !Files.isRegularFile(archive) || Files.size(archive) == 0) {
					System.err.printf("No shared class archive: the training migrate exited %d; Ferry's processes "
							+ "start without one%n%s%n", training.exitCode(), training.output());
					return new SharedClassArchive(runtimeClasspath, null);
				}
			}
			finally {
				database.drop();
			}
			return new SharedClassArchive(classpath, archive);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** A directory for this JVM's archive; those of test JVMs that have ended are removed. */
	private static Path ownDirectory() throws IOException {
		Files.createDirectories(DIRECTORY);
		try (Stream<Path> others = Files.list(DIRECTORY)) {
			for (Path other : others.toList()) {
				boolean alive = ProcessHandle.of(parsePid(other.getFileName().toString()))
					.map(ProcessHandle::isAlive)
					.orElse(false);
				if (!alive) {
					deleteRecursively(other);
				}
			}
		}
		return Files.createDirectories(DIRECTORY.resolve(Long.toString(ProcessHandle.current().pid())));
	}

	private static long parsePid(String name) {
		try {
			return Long.parseLong(name);
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	private static String jarredClasspath(String runtimeClasspath, Path directory) throws IOException {
		List<String> entries = new ArrayList<>();
		int index = 0;
		for (String entry : runtimeClasspath.split(File.pathSeparator)) {
			Path path = Path.of(entry);
			if (Files.isDirectory(path)) {
				Path jar = directory.resolve("classpath-" + index++ + ".jar").toAbsolutePath();
				writeJar(path, jar);
				entries.add(jar.toString());
			}
			else {
				entries.add(entry);
			}
		}
		return String.join(File.pathSeparator, entries);
	}

	private static void writeJar(Path folder, Path jar) throws IOException {
		try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
				Stream<Path> files = Files.walk(folder)) {
			for (Path file : files.sorted().toList()) {
				String name = folder.relativize(file).toString().replace(File.separatorChar, '/');
				if (name.isEmpty()) {
					continue;
				}
				if (Files.isDirectory(file)) {
					out.putNextEntry(new JarEntry(name + "/"));
				}
				else {
					out.putNextEntry(new JarEntry(name));
					Files.copy(file, out);
				}
				out.closeEntry();
			}
		}
	}

	private static void deleteRecursively(Path path) throws IOException {
		try (Stream<Path> files = Files.walk(path)) {
			for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(file);
			}
		}
	}

}
