package dev.ferry.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;

/**
 * What one run of Ferry does to the database.
 */
public enum FerryCommand {

	/** Applies the pending migrations (the default). */
	MIGRATE("apply the pending migrations (the default)"),

	INFO("list applied and pending migrations, with checksums"),

	VALIDATE("check the applied migrations against the scripts"),

	REPAIR("remove failed rows from Flyway's history, realign checksums"),

	BASELINE("baseline an existing database"),

	CLEAN("drop every object in the schemas (only with FERRY_ALLOW_CLEAN=true, never in production)"),

	/** What migrate would run, statement by statement, with the locks each takes; read-only. */
	PLAN("what migrate would run, statement by statement, with the locks each takes; read-only"),

	/** The rehearsal on a clone of production alone; production is only read. */
	REHEARSE("the rehearsal on a clone of production alone; production is only read"),

	/** The drift check alone: the live schema against Ferry's record of it; read-only. */
	DRIFT("the drift check alone: the live schema against Ferry's record of it; read-only"),

	/** Restores Ferry's pre-migration snapshot into a new cluster, and swaps names on request. */
	RESTORE("restore Ferry's pre-migration snapshot into a new cluster (only with FERRY_ALLOW_RESTORE=true)");

	private final String summary;

	FerryCommand(String summary) {
		this.summary = summary;
	}

	/** What the command does, in a line of the usage text. */
	public String summary() {
		return this.summary;
	}

	public String id() {
		return name().toLowerCase(Locale.ROOT);
	}

	/**
	 * The name of the command a run asks for: the first argument ({@code ferry info}), else the setting
	 * ({@code FERRY_COMMAND}), else migrate.
	 */
	public static String requested(List<String> arguments, String setting) {
		String name = arguments.isEmpty() ? setting : arguments.get(0);
		return (name != null && !name.isBlank()) ? name.trim() : MIGRATE.id();
	}

	public static FerryCommand of(String name) {
		String wanted = (name == null || name.isBlank()) ? MIGRATE.id() : name.trim().toLowerCase(Locale.ROOT);
		return Arrays.stream(values())
			.filter((command) -> command.id().equals(wanted))
			.findFirst()
			.orElseThrow(() -> new FerryException(ExitStatus.CONFIGURATION_INVALID,
					"FERRY_COMMAND '" + name + "' is not a command; use one of "
							+ Arrays.stream(values()).map(FerryCommand::id).collect(Collectors.joining(", "))));
	}

}
