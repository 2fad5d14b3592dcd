package dev.ferry.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Starts Ferry the way a container does: its own JVM, on the production classpath, configured only by environment
 * variables, judged by its exit code and its output. Every run's output, report and summary are checked for
 * secret values and kept in {@code target/ferry-test-output}.
 */
public final class FerryProcess {

	private static final Path OUTPUT_DIRECTORY = Path.of("target", "ferry-test-output");

	/** {@code -Dferry.test.share-classes=false} starts every Ferry process without {@link SharedClassArchive}. */
	private static final boolean SHARE_CLASSES = Boolean
		.parseBoolean(System.getProperty("ferry.test.share-classes", "true"));

	private static final List<String> HOST_PREFIXES_TO_DROP = List.of("FERRY_", "FLYWAY_", "SPRING_", "AWS_",
			"LOGGING_");

	private final Map<String, String> environment = new LinkedHashMap<>();

	private final List<String> extraClasspath = new ArrayList<>();

	private final List<String> systemProperties = new ArrayList<>();

	private Duration timeout = Duration.ofSeconds(90);

	private boolean withoutLocale;

	/** Set for the one run that dumps {@link SharedClassArchive}: the archive it writes and the class path it uses. */
	private Path dumpArchive;

	private String dumpClasspath;


	/**
	 * Every run starts with the tests' own sample project ({@link Scripts#SAMPLE_MIGRATIONS} and its test data), never
	 * the {@code db/} baked into the classpath; {@link #locations} replaces the migrations.
	 */
	private FerryProcess() {
		locations(Scripts.SAMPLE_MIGRATIONS);
		env("FERRY_TESTDATA_LOCATIONS", "filesystem:" + Scripts.SAMPLE_TESTDATA.toAbsolutePath());
	}

	/** Ferry against the test database, with the sample's placeholders set. */
	public static FerryProcess against(TestDatabase database) {
		FerryProcess process = new FerryProcess();
		process.env("FERRY_DB_URL", database.url());
		process.env("FERRY_DB_USERNAME", database.server().username());
		if (database.server().password() != null) {
			process.env("FERRY_DB_PASSWORD", database.server().password());
		}
		process.env("FERRY_PLACEHOLDER_api_db_username", TestSecrets.API_DB_USERNAME);
		process.env("FERRY_PLACEHOLDER_api_db_password", TestSecrets.API_DB_PASSWORD);
		return process;
	}

	/** Ferry with no database settings at all (the sample project's locations only). */
	public static FerryProcess bare() {
		return new FerryProcess();
	}

	public FerryProcess env(String name, String value) {
		if (value == null) {
			this.environment.remove(name);
		}
		else {
			this.environment.put(name, value);
		}
		return this;
	}

	/** Points Ferry's AWS SDK at the moto server. */
	public FerryProcess aws(MotoServer moto) {
		moto.environment().forEach(this::env);
		return this;
	}

	public FerryProcess locations(Path... folders) {
		List<String> locations = new ArrayList<>();
		for (Path folder : folders) {
			locations.add("filesystem:" + folder.toAbsolutePath());
		}
		return env("FERRY_LOCATIONS", String.join(",", locations));
	}

	/** Puts the test classes on Ferry's classpath too, for a test that needs a class of its own inside Ferry. */
	public FerryProcess withTestClasses() {
		this.extraClasspath.add(Path.of("target", "test-classes").toAbsolutePath().toString());
		return this;
	}

	/** Starts Ferry with no locale at all, as in a container without {@code LANG}: the JVM decodes in ASCII. */
	public FerryProcess withoutLocale() {
		this.withoutLocale = true;
		return this;
	}

	/** A JVM system property, such as the hosts file a test resolves made-up AWS host names with. */
	public FerryProcess systemProperty(String name, String value) {
		this.systemProperties.add("-D" + name + "=" + value);
		return this;
	}

	/** A JVM option, such as the heap a container of the module's default task size gives Ferry. */
	public FerryProcess jvmOption(String option) {
		this.systemProperties.add(option);
		return this;
	}

	public FerryProcess timeout(Duration timeout) {
		this.timeout = timeout;
		return this;
	}

	public Started start(String... args) {
		try {
			Files.createDirectories(OUTPUT_DIRECTORY);
			Path work = Files.createTempDirectory(OUTPUT_DIRECTORY.toAbsolutePath(), "run-");
			Path output = work.resolve("output.log");
			Path report = work.resolve("report.json");
			Path summary = work.resolve("summary.md");
			List<String> command = new ArrayList<>(List.of(javaExecutable(), "-XX:TieredStopAtLevel=1", "-Xshare:auto",
					"-Dspring.aot.enabled=true"));
			String classpath = runtimeClasspath();
			if (this.dumpArchive != null) {
				command.addAll(SharedClassArchive.QUIET);
				command.add("-XX:ArchiveClassesAtExit=" + this.dumpArchive);
				classpath = this.dumpClasspath;
			}
			else if (SHARE_CLASSES) {
				SharedClassArchive shared = SharedClassArchive.get(classpath);
				if (shared != null) {
					command.addAll(shared.jvmOptions());
					classpath = shared.classpath();
				}
			}
			command.addAll(this.systemProperties);
			command.addAll(List.of("-cp", withExtraClasspath(classpath), "dev.ferry.FerryApplication"));
			command.addAll(List.of(args));
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(output.toFile());
			builder.environment().keySet().removeIf((name) -> HOST_PREFIXES_TO_DROP.stream().anyMatch(name::startsWith));
			if (this.withoutLocale) {
				builder.environment().keySet().removeIf((name) -> name.equals("LANG") || name.startsWith("LC_"));
			}
			builder.environment().put("FERRY_REPORT_FILE", report.toString());
			builder.environment().put("FERRY_STEP_SUMMARY", summary.toString());
			builder.environment().putAll(this.environment);
			return new Started(builder.start(), output, report, summary, this.timeout);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public FerryRun run(String... args) {
		return start(args).await();
	}

	/** Runs Ferry once to dump the classes it loaded into {@code archive}, on {@code classpath} (jars only). */
	FerryProcess dumpingClassesTo(Path archive, String classpath) {
		this.dumpArchive = archive;
		this.dumpClasspath = classpath;
		return this;
	}

	private static String runtimeClasspath() {
		String classpath = System.getProperty("ferry.runtime.classpath");
		assertThat(classpath).as("ferry.runtime.classpath, set by the Maven build").isNotBlank();
		return classpath;
	}

	/**
	 * Test classes go after Ferry's own: they add classes and never replace one, and a class path that only grows at
	 * its end still maps the shared archive.
	 */
	private String withExtraClasspath(String classpath) {
		List<String> parts = new ArrayList<>();
		parts.add(classpath);
		parts.addAll(this.extraClasspath);
		return String.join(File.pathSeparator, parts);
	}

	private static String javaExecutable() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	/** A Ferry process that is running. */
	public static final class Started {

		private final Process process;

		private final Path output;

		private final Path report;

		private final Path summary;

		private final Duration timeout;

		Started(Process process, Path output, Path report, Path summary, Duration timeout) {
			this.process = process;
			this.output = output;
			this.report = report;
			this.summary = summary;
			this.timeout = timeout;
		}

		public Process process() {
			return this.process;
		}

		public String outputSoFar() {
			return read(this.output);
		}

		/**
		 * Waits up to a minute for Ferry to print the text, failing (with what it printed) if it does not or if the
		 * process ends first.
		 */
		public void awaitOutput(String text) throws InterruptedException {
			long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
			while (outputSoFar() == null || !outputSoFar().contains(text)) {
				assertThat(System.nanoTime()).as("Ferry printed '%s' in time:%n%s", text, outputSoFar())
					.isLessThan(deadline);
				assertThat(this.process.isAlive()).as("Ferry is running:%n%s", outputSoFar()).isTrue();
				Thread.sleep(50);
			}
		}

		public FerryRun await() {
			try {
				if (!this.process.waitFor(this.timeout.toMillis(), TimeUnit.MILLISECONDS)) {
					this.process.destroyForcibly().waitFor();
					throw new AssertionError("Ferry did not finish within " + this.timeout + ":\n" + read(this.output));
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new AssertionError(ex);
			}
			FerryRun run = new FerryRun(this.process.exitValue(), read(this.output), read(this.report),
					read(this.summary));
			SecretLeaks.assertNoneIn(run);
			assertReportedItsOwnExit(run);
			return run;
		}

		/** Every exit of Ferry's own, however early, leaves a report with its code; a signal's exit may not. */
		private static void assertReportedItsOwnExit(FerryRun run) {
			if (run.exitCode() < 128) {
				assertThat(run.report()).as("the report of a run that exited " + run.exitCode() + ":\n" + run.output())
					.isNotNull();
				assertThat(run.<Integer>report("$.exitCode")).as("the report's exit code").isEqualTo(run.exitCode());
				assertThat(run.summary()).as("the step summary").contains("exit code " + run.exitCode());
			}
		}

		private static String read(Path path) {
			try {
				return Files.exists(path) ? Files.readString(path, StandardCharsets.UTF_8) : null;
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

	}

}
