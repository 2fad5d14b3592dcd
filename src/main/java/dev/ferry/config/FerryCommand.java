package dev.ferry.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;

/**
 * What one run of Ferry does to the database.
 */
public enum FerryCommand {

	MIGRATE, INFO, VALIDATE, REPAIR, BASELINE, CLEAN,

	/** What migrate would run, statement by statement, with the locks each takes; read-only. */
	PLAN,

	/** The rehearsal on a clone of production alone; production is only read. */
	REHEARSE,

	/** The drift check alone: the live schema against Ferry's record of it; read-only. */
	DRIFT;

	public String id() {
		return name().toLowerCase(Locale.ROOT);
	}

	public static FerryCommand of(String name) {
		String wanted = (name == null || name.isBlank()) ? "migrate" : name.trim().toLowerCase(Locale.ROOT);
		return Arrays.stream(values())
			.filter((command) -> command.id().equals(wanted))
			.findFirst()
			.orElseThrow(() -> new FerryException(ExitStatus.CONFIGURATION_INVALID,
					"FERRY_COMMAND '" + name + "' is not a command; use one of "
							+ Arrays.stream(values()).map(FerryCommand::id).collect(Collectors.joining(", "))));
	}

}
