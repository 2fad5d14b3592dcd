package dev.ferry.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.DefaultApplicationArguments;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The process's settings as Spring sees them, for what must read one before Spring has started or after it has
 * failed to: the arguments, then the system properties, then the environment variables as
 * {@link ProcessEnvironment} decodes them, bound by a Spring {@link Binder} with Spring's own relaxed rules and
 * precedence.
 */
public final class StartingEnvironment {

	private final List<String> commands;

	private final Binder binder;

	private StartingEnvironment(String[] args, Map<String, String> variables) {
		this.commands = new DefaultApplicationArguments(args).getNonOptionArgs();
		Map<String, Object> properties = new HashMap<>();
		System.getProperties().forEach((name, value) -> properties.put(String.valueOf(name), value));
		MutablePropertySources sources = new MutablePropertySources();
		sources.addLast(new SimpleCommandLinePropertySource(args));
		sources.addLast(new MapPropertySource(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME, properties));
		sources.addLast(new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
				Map.copyOf(variables)));
		this.binder = new Binder(ConfigurationPropertySources.from(sources));
	}

	/** The settings of a process started with these arguments and this environment. */
	public static StartingEnvironment of(String[] args, Map<String, String> variables) {
		return new StartingEnvironment(args, variables);
	}

	/** The settings of this process. */
	public static StartingEnvironment of(String[] args) {
		return of(args, ProcessEnvironment.variables());
	}

	public Binder binder() {
		return this.binder;
	}

	/** The command the arguments name first ({@code ferry info}), else {@code ferry.command}, else migrate. */
	public String command() {
		String command = this.commands.isEmpty() ? this.binder.bind("ferry.command", String.class).orElse(null)
				: this.commands.get(0);
		return (command != null && !command.isBlank()) ? command.trim() : FerryCommand.MIGRATE.id();
	}

}
