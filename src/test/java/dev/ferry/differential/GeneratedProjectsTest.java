package dev.ferry.differential;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import dev.ferry.differential.GeneratedProject.Failure;
import dev.ferry.differential.GeneratedProject.Shape;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.FixedSeedMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Random projects of 1 to 30 migrations in the shapes users write ({@link GeneratedProject}), each with a failure
 * (a syntax error, a division by zero, a duplicate key) at a random place in a versioned or a repeatable script, run
 * through Ferry and plain Flyway on twin databases ({@link Twins}): the first run, then the fix and the rerun, must
 * leave both alike. A difference fails with jqwik's seed and the generated project's scripts.
 * <p>
 * The normal build runs a few fixed-seed projects; {@code ./mvnw test -Pfaults} runs 200 new ones
 * ({@code -Dferry.differential.tries=N} for another number, {@code -Dferry.differential.seed=S} to replay a seed).
 * Shrinking is off: every try starts Ferry's JVM two or three times.
 */
class GeneratedProjectsTest {

	private static final Path WORK = Path.of("target", "differential");

	@Property(tries = 8, seed = "20261130", whenFixedSeed = FixedSeedMode.ALLOW, shrinking = ShrinkingMode.OFF,
			afterFailure = AfterFailureMode.RANDOM_SEED)
	void ferryLeavesAFewGeneratedProjectsAsFlywayDoes(@ForAll("projects") GeneratedProject project) {
		runThroughBoth(project);
	}

	@Property(shrinking = ShrinkingMode.OFF, afterFailure = AfterFailureMode.RANDOM_SEED)
	@AddLifecycleHook(TriesAndSeedFromSystemProperties.class)
	@Tag("fault")
	void ferryLeavesManyGeneratedProjectsAsFlywayDoes(@ForAll("projects") GeneratedProject project) {
		runThroughBoth(project);
	}

	@Provide
	Arbitrary<GeneratedProject> projects() {
		return Combinators.combine(Arbitraries.of(Shape.class).list().ofMinSize(1).ofMaxSize(30),
				Arbitraries.integers().between(0, 3).map((n) -> n == 0), Arbitraries.integers().between(0, 4).map((n) -> n == 0),
				Arbitraries.integers().between(0, 4).map((n) -> n == 0), Arbitraries.of(true, false),
				Arbitraries.of(Failure.class), Arbitraries.integers().between(0, 9999),
				Arbitraries.integers().between(0, 9999))
			.as(GeneratedProject::new);
	}

	private static void runThroughBoth(GeneratedProject project) {
		Path folder = newFolder();
		try (Twins twins = Twins.in(folder, project.settings().toArray(Setting[]::new))) {
			twins.describedAs(project.listing());
			GeneratedProject.write(project.broken(), twins.scripts());
			twins.migrate();
			GeneratedProject.write(project.fixed(), twins.scripts());
			twins.rerun();
		}
		finally {
			delete(folder);
		}
	}

	private static Path newFolder() {
		try {
			Files.createDirectories(WORK);
			return Files.createTempDirectory(WORK.toAbsolutePath(), "project-");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void delete(Path folder) {
		try (Stream<Path> files = Files.walk(folder)) {
			for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
				Files.delete(file);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The fault profile's size and, to replay a failure, its seed: {@code -Dferry.differential.tries}/{@code .seed}. */
	static class TriesAndSeedFromSystemProperties implements AroundPropertyHook {

		@Override
		public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
			context.attributes().setTries(Integer.getInteger("ferry.differential.tries", 200));
			String seed = System.getProperty("ferry.differential.seed");
			if (seed != null && !seed.isBlank()) {
				context.attributes().setSeed(seed);
			}
			return property.execute();
		}

	}

}
