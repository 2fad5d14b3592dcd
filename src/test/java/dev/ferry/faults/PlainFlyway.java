package dev.ferry.faults;

import org.flywaydb.core.Flyway;

/**
 * Plain Flyway through its Java API, as its own JVM, for a measurement of what it needs beside Ferry at the same
 * heap: {@code PlainFlyway <jdbc url> <user> <location>} migrates and exits 0, or fails with Flyway's exception.
 */
public final class PlainFlyway {

	private PlainFlyway() {
	}

	public static void main(String[] args) {
		Flyway.configure()
			.dataSource(args[0], args[1], (args.length > 3) ? args[3] : null)
			.locations(args[2])
			.load()
			.migrate();
	}

}
