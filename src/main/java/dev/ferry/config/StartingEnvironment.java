package dev.ferry.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.springframework.boot.DefaultApplicationArguments;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.CompositePropertySource;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertiesPropertySource;
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

	private final CompositePropertySource argumentsAndSystemProperties = new CompositePropertySource("given");

	private final SystemEnvironmentPropertySource variables;

	private final Binder binder;

	private StartingEnvironment(String[] args, Map<String, String> variables) {
		this.commands = new DefaultApplicationArguments(args).getNonOptionArgs();
		this.argumentsAndSystemProperties.addPropertySource(new SimpleCommandLinePropertySource(args));
		this.argumentsAndSystemProperties.addPropertySource(new PropertiesPropertySource(
				StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME, System.getProperties()));
		this.variables = new SystemEnvironmentPropertySource(
				StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.copyOf(variables));
		this.binder = new Binder(
				ConfigurationPropertySources.from(List.of(this.argumentsAndSystemProperties, this.variables)));
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

	/** The {@code --name=value} arguments and the system properties by name, an argument winning. */
	public EnumerablePropertySource<?> argumentsAndSystemProperties() {
		return this.argumentsAndSystemProperties;
	}

	/** The environment variables by name. */
	public EnumerablePropertySource<?> variables() {
		return this.variables;
	}

	/** The command the arguments name first ({@code ferry info}), else {@code ferry.command}, else migrate. */
	public String command() {
		return FerryCommand.requested(this.commands, this.binder.bind("ferry.command", String.class).orElse(null));
	}

	/** The environment's name, {@code unnamed} where none is set. */
	public String environmentName() {
		return FerryProperties.environmentName(this.binder.bind("ferry.environment", String.class).orElse(null));
	}

	/** A path setting; one that does not bind (blank, malformed) is no path, as a failed start cannot say more. */
	public Path path(String name) {
		try {
			String value = this.binder.bind(name, String.class).orElse("");
			return value.isBlank() ? null : Path.of(value);
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

}
