package dev.ferry.command;

import java.util.Map;

import dev.ferry.config.FerryCommand;

import org.springframework.core.io.Resource;

/**
 * One of Ferry's commands. The runner chooses it by name, refuses it where it is unsafe before anything connects,
 * waits for the database, checks the scripts where the command reads them, and runs it. A command adds what it did
 * to the run's record; it fails by throwing, and the exit path decides the exit code.
 * <p>
 * A new command is a {@link FerryCommand} constant and a component implementing this interface. A command holds
 * nothing but its collaborators, so it is a record: its components are what Spring injects.
 */
interface Command {

	/** The name this command answers to ({@code FERRY_COMMAND}, or the first argument). */
	FerryCommand name();

	/** Refuses to run where the command must never run, before anything connects. */
	default void refuseIfUnsafe() {
	}

	/** Whether the command reads the migration scripts, which are then checked before it runs. */
	default boolean readsScripts() {
		return true;
	}

	/**
	 * Whether the configured database must answer before the command runs; a command that may run while it does not
	 * (a restore, after a bad migration) connects where it needs to itself.
	 */
	default boolean awaitsDatabase() {
		return true;
	}

	/**
	 * Runs the command.
	 * @param scripts the scripts of Flyway's locations, checked; empty when the command reads none
	 */
	void run(Map<String, Resource> scripts);

}
