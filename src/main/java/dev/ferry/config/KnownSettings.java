package dev.ferry.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The settings the configuration processor found: Ferry's own from {@link FerryProperties}, and every other
 * library's ({@code spring.flyway.*}, {@code logging.*}, {@code spring.cloud.aws.*}...), read from each
 * {@code META-INF/spring-configuration-metadata.json} on the class path. The one list of names that the
 * unknown-setting check and README's settings table use.
 */
public final class KnownSettings {

	static final String FERRY_PREFIX = "ferry.";

	private static final String PLACEHOLDERS = "ferry.placeholders";

	/** Jackson 2, which the AWS SDK and Spring Cloud AWS bring; Spring Boot 4's own JSON parser is Jackson 3's. */
	private static final ObjectMapper JSON = new ObjectMapper()
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

	/** Javadoc's inline {@code {@code ...}}, whose content may hold one level of braces ({@code ${<name>}}). */
	private static final Pattern CODE_TAG = Pattern.compile("\\{@code ((?:[^{}]|\\{[^{}]*})*)}");

	private final Map<String, Setting> settings;

	private KnownSettings(Map<String, Setting> settings) {
		this.settings = settings;
	}

	/** The settings described by the metadata on this class's class path. */
	public static KnownSettings load() {
		Map<String, Setting> settings = new TreeMap<>();
		try {
			for (URL file : Collections.list(KnownSettings.class.getClassLoader()
				.getResources("META-INF/spring-configuration-metadata.json"))) {
				try (InputStream in = file.openStream()) {
					List<Setting> properties = JSON.readValue(in, Metadata.class).properties();
					if (properties != null) {
						properties.forEach((setting) -> settings.putIfAbsent(setting.name(), setting));
					}
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return new KnownSettings(Collections.unmodifiableMap(settings));
	}

	/** Ferry's settings, by property name. */
	public List<Setting> ferry() {
		return this.settings.values().stream().filter((setting) -> setting.name().startsWith(FERRY_PREFIX)).toList();
	}

	/** Every library's settings, Ferry's too, by property name. */
	List<Setting> all() {
		return List.copyOf(this.settings.values());
	}

	/** Ferry's setting of this property name. */
	public Setting ferry(String name) {
		Setting setting = name.startsWith(FERRY_PREFIX) ? this.settings.get(name) : null;
		if (setting == null) {
			throw new IllegalArgumentException(name + " is not one of Ferry's settings");
		}
		return setting;
	}

	/** The part of a metadata file read here. */
	private record Metadata(List<Setting> properties) {

	}

	/**
	 * One setting as the configuration processor describes it.
	 *
	 * @param name the property name, such as {@code ferry.lock-timeout}
	 * @param type its Java type
	 * @param description the {@code @param} text of its record component
	 * @param defaultValue its default, or {@code null}
	 */
	public record Setting(String name, String type, String description, Object defaultValue) {

		/** Whether any key below the name is the setting too: a map. */
		boolean isMap() {
			return this.type != null && this.type.startsWith("java.util.Map");
		}

		/** Whether it is a list, which Spring also binds from indexed names ({@code FERRY_LOCATIONS_0}). */
		boolean isList() {
			return this.type != null && (this.type.startsWith("java.util.List") || this.type.startsWith("java.util.Set")
					|| this.type.endsWith("[]"));
		}

		/** The environment variable Spring binds: {@code FERRY_LOCK_TIMEOUT}, {@code FERRY_PLACEHOLDER_<name>}. */
		public String variable() {
			return this.name.equals(PLACEHOLDERS) ? FerryProperties.PLACEHOLDER_VARIABLE_PREFIX + "<name>"
					: this.name.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
		}

		/** The property as one writes it, {@code ferry.placeholders[<name>]} for a map. */
		public String property() {
			return isMap() ? this.name + "[<name>]" : this.name;
		}

		/** The description with javadoc's {@code {@code x}} as Markdown code ({@code `x`}), or as plain text. */
		public String description(boolean markdown) {
			return CODE_TAG.matcher(Objects.toString(this.description, ""))
				.replaceAll(markdown ? "`$1`" : "$1")
				.replaceAll("\\s+", " ")
				.trim();
		}

		/** The default as one writes it in a setting: lists comma-separated. */
		public String defaultText() {
			String text = (this.defaultValue != null) ? String.valueOf(this.defaultValue) : null;
			// The processor writes a record's list default as Java prints a list: [a, b].
			return (text != null && isList() && text.startsWith("["))
					? text.substring(1, text.length() - 1).replaceAll("\\s*,\\s*", ",") : text;
		}

	}

}
