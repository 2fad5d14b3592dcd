package dev.ferry.differential;

import java.util.Locale;

/**
 * One Flyway setting of a scenario, as each side takes it: the key of plain Flyway's configuration, and the
 * environment variable a Ferry user sets for it.
 *
 * @param flywayKey the key plain Flyway's configuration takes, such as {@code flyway.outOfOrder}
 * @param value its value
 * @param ferryVariable the environment variable that gives it to Ferry, such as {@code FLYWAY_OUT_OF_ORDER}
 */
record Setting(String flywayKey, String value, String ferryVariable) {

	private static final String PLACEHOLDERS = "flyway.placeholders.";

	/** A setting as Flyway's own command line reads it from the environment: {@code FLYWAY_OUT_OF_ORDER}. */
	static Setting flyway(String name, String value) {
		return new Setting("flyway." + name, value, "FLYWAY_" + upperSnake(name));
	}

	/** A setting as Spring Boot reads it from the environment: {@code SPRING_FLYWAY_GROUP}. */
	static Setting spring(String name, String value) {
		return new Setting("flyway." + name, value, "SPRING_FLYWAY_" + upperSnake(name));
	}

	/** A placeholder value, given to Ferry the way its README says: {@code FERRY_PLACEHOLDER_<name>}. */
	static Setting placeholder(String name, String value) {
		return new Setting(PLACEHOLDERS + name, value, "FERRY_PLACEHOLDER_" + name);
	}

	/** A placeholder value given to Ferry as Flyway's {@code FLYWAY_PLACEHOLDERS_<NAME>} (Flyway lower-cases it). */
	static Setting flywayPlaceholder(String name, String value) {
		return new Setting(PLACEHOLDERS + name, value, "FLYWAY_PLACEHOLDERS_" + name.toUpperCase(Locale.ROOT));
	}

	private static String upperSnake(String camelCase) {
		return camelCase.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
	}

	@Override
	public String toString() {
		return this.ferryVariable + "=" + this.value;
	}

}
