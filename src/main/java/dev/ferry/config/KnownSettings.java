package dev.ferry.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * The settings the configuration processor found: Ferry's own from {@link FerryProperties}, and every other
 * library's ({@code spring.flyway.*}, {@code logging.*}, {@code spring.cloud.aws.*}...), read from each
 * {@code META-INF/spring-configuration-metadata.json} on the class path. The one list of names that the
 * unknown-setting check and README's settings table use.
 */
public final class KnownSettings {

	static final String FERRY_PREFIX = "ferry.";

	private static final String PLACEHOLDERS = "ferry.placeholders";

	/**
	 * Jackson 2's streaming parser, which the AWS SDK brings and the report writer uses; Spring Boot 4's own JSON
	 * parser is Jackson 3's. Not its data binding: every run reads these files (the unknown-setting check), and
	 * setting up data binding for them was 7 % of a no-op's main thread at 0.25 vCPU (bench/profile-notes.md).
	 */
	private static final JsonFactory JSON = new JsonFactory();

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
				try (InputStream in = file.openStream(); JsonParser json = JSON.createParser(in)) {
					readProperties(json).forEach((setting) -> settings.putIfAbsent(setting.name(), setting));
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

	/** The {@code properties} of one metadata file; everything else in it is skipped. */
	private static List<Setting> readProperties(JsonParser json) throws IOException {
		List<Setting> properties = new ArrayList<>();
		if (json.nextToken() != JsonToken.START_OBJECT) {
			return properties;
		}
		while (json.nextToken() == JsonToken.FIELD_NAME) {
			String field = json.currentName();
			if (json.nextToken() == JsonToken.START_ARRAY && field.equals("properties")) {
				while (json.nextToken() == JsonToken.START_OBJECT) {
					properties.add(readSetting(json));
				}
			}
			else {
				json.skipChildren();
			}
		}
		return properties;
	}

	private static Setting readSetting(JsonParser json) throws IOException {
		String name = null;
		String type = null;
		String description = null;
		Object defaultValue = null;
		while (json.nextToken() == JsonToken.FIELD_NAME) {
			String field = json.currentName();
			json.nextToken();
			switch (field) {
				case "name" -> name = json.getValueAsString();
				case "type" -> type = json.getValueAsString();
				case "description" -> description = json.getValueAsString();
				case "defaultValue" -> defaultValue = value(json);
				default -> json.skipChildren();
			}
		}
		return new Setting(name, type, description, defaultValue);
	}

	/** A JSON value as Jackson's data binding gives it for {@code Object}: lists, maps, strings, numbers. */
	private static Object value(JsonParser json) throws IOException {
		return switch (json.currentToken()) {
			case START_ARRAY -> {
				List<Object> list = new ArrayList<>();
				while (json.nextToken() != JsonToken.END_ARRAY) {
					list.add(value(json));
				}
				yield list;
			}
			case START_OBJECT -> {
				Map<String, Object> map = new LinkedHashMap<>();
				while (json.nextToken() == JsonToken.FIELD_NAME) {
					String key = json.currentName();
					json.nextToken();
					map.put(key, value(json));
				}
				yield map;
			}
			case VALUE_NUMBER_INT -> json.getNumberValue();
			case VALUE_NUMBER_FLOAT -> json.getDoubleValue();
			case VALUE_TRUE -> Boolean.TRUE;
			case VALUE_FALSE -> Boolean.FALSE;
			case VALUE_NULL -> null;
			default -> json.getText();
		};
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
