package dev.ferry.config;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import dev.ferry.failure.ExitStatus;

import org.springframework.boot.DefaultApplicationArguments;

/**
 * The arguments that ask about Ferry rather than run it: {@code --help}, {@code -h} and {@code help} print the
 * usage, {@code --version} the version. Decided before Spring starts, so that neither ever reads a setting, makes a
 * bean or opens a connection.
 */
public final class CommandLine {

	/** The settings the usage text names, the ones every run needs or most runs set. */
	static final List<String> MAIN_SETTINGS = List.of("ferry.environment", "ferry.db.url",
			"ferry.db.secret-id", "ferry.db.host", "ferry.db.name", "ferry.db.username", "ferry.db.password",
			"ferry.locations", "ferry.placeholders", "ferry.placeholder-secrets", "ferry.report-file");

	private CommandLine() {
	}

	/**
	 * Answers the arguments that ask about Ferry.
	 * @param args the process's arguments
	 * @param out where the answer goes
	 * @return the exit code when the arguments asked about Ferry, else {@code null}: the run goes on
	 */
	public static Integer answer(String[] args, PrintStream out) {
		String answer = asksForHelp(args) ? usage(KnownSettings.load())
				: Arrays.asList(args).contains("--version") ? FerryVersion.ofThisBuild().text() : null;
		if (answer == null) {
			return null;
		}
		out.print(answer);
		out.flush();
		return ExitStatus.SUCCESS.code();
	}

	/** {@code --help} or {@code -h} anywhere, or {@code help} as the command. */
	static boolean asksForHelp(String[] args) {
		List<String> given = Arrays.asList(args);
		List<String> commands = new DefaultApplicationArguments(args).getNonOptionArgs();
		return given.contains("--help") || given.contains("-h") || (!commands.isEmpty() && commands.get(0).equals("help"));
	}

	/** The usage text: the commands, the settings that matter most, where the rest are, the exit codes. */
	static String usage(KnownSettings settings) {
		StringBuilder usage = new StringBuilder();
		usage.append("Usage: ferry [COMMAND] [--ferry.<setting>=<value>...]\n")
			.append("       ferry --help | -h | help      this text\n")
			.append("       ferry --version               Ferry's version, commit, db/ checksum and Flyway's version\n\n")
			.append("Brings one database to the schema its Flyway migrations describe, reports, and exits with a status code.\n\n")
			.append("Commands (the first argument, else FERRY_COMMAND):\n");
		for (FerryCommand command : FerryCommand.values()) {
			usage.append(String.format("  %-10s %s%n", command.id(), command.summary()));
		}
		usage.append("\nMain settings (environment variables; --ferry.<name>=<value> and -Dferry.<name>=<value> work too):\n");
		for (String name : MAIN_SETTINGS) {
			KnownSettings.Setting setting = settings.ferry(name);
			usage.append(String.format("  %-26s %s%n", setting.variable(), firstSentence(setting.description(false))));
		}
		usage.append("\nEvery setting, its default and meaning: README.md, section \"Configuration\".\n")
			.append("Flyway's own settings (FLYWAY_*, SPRING_FLYWAY_*) work as in Flyway and Spring Boot.\n\n")
			.append(Arrays.stream(ExitStatus.values())
				.map((status) -> status.code() + " " + status.meaning())
				.collect(Collectors.joining(", ", "Exit codes: ", ".\n")));
		return usage.toString();
	}

	/** Up to the first full stop that ends a sentence: not one of an ellipsis, followed by a capital. */
	static String firstSentence(String text) {
		String sentence = text.split("(?<!\\.)\\.\\s+(?=[A-Z])", 2)[0];
		return (sentence.endsWith(".") && !sentence.endsWith("..")) ? sentence.substring(0, sentence.length() - 1)
				: sentence;
	}

}
