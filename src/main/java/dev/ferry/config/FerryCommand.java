package dev.ferry.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.ferry.ExitStatus;
import dev.ferry.FerryException;

/**
 * What one run of Ferry does to the database.
 */
public enum FerryCommand {

	MIGRATE, INFO, VALIDATE, REPAIR, BASELINE, CLEAN, DRIFT;

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
