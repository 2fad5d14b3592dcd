package dev.ferry.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The settings the configuration processor found: Ferry's own from {@link FerryProperties}, and every other
 * library's ({@code spring.flyway.*}, {@code logging.*}, {@code spring.cloud.aws.*}...), read from each
 * {@code META-INF/spring-configuration-metadata.json} on the class path. The one list of names that the
 * unknown-setting check and README's settings table use.
 */
public final class KnownSettings {

	static final String METADATA = "META-INF/spring-configuration-metadata.json";

	/** Ferry's own prefix: {@code ferry.*}, {@code FERRY_*}. */
	static final String FERRY = "ferry";

	/**
	 * {@code ferry.placeholders} is also read by a prefix of Ferry's own, {@code FERRY_PLACEHOLDER_<name>}, whose
	 * name is kept exactly as written (Spring's relaxed map binding would lower-case it).
	 */
	static final String PLACEHOLDERS = "ferry.placeholders";

	static final String PLACEHOLDER_VARIABLE_PREFIX = "FERRY_PLACEHOLDER_";

	/** Jackson 2, which the AWS SDK and Spring Cloud AWS bring; Spring Boot 4's own JSON parser is Jackson 3's. */
	private static final ObjectMapper JSON = new ObjectMapper();

	private final Map<String, Setting> ferry;

	private final Map<String, Setting> others;

	private KnownSettings(Map<String, Setting> ferry, Map<String, Setting> others) {
		this.ferry = ferry;
		this.others = others;
	}

	/** The settings described by the metadata on this class's class path. */
	public static KnownSettings load() {
		return load(KnownSettings.class.getClassLoader());
	}

	static KnownSettings load(ClassLoader classLoader) {
		Map<String, Setting> ferry = new TreeMap<>();
		Map<String, Setting> others = new TreeMap<>();
		try {
			Enumeration<URL> files = classLoader.getResources(METADATA);
			for (URL file : Collections.list(files)) {
				for (Setting setting : read(file)) {
					(setting.name().startsWith(FERRY + ".") ? ferry : others).putIfAbsent(setting.name(), setting);
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		if (ferry.isEmpty()) {
			throw new IllegalStateException(METADATA + " describes none of Ferry's settings: the build runs "
					+ "spring-boot-configuration-processor over FerryProperties");
		}
		return new KnownSettings(Map.copyOf(ferry), Map.copyOf(others));
	}

	@SuppressWarnings("unchecked")
	private static List<Setting> read(URL file) throws IOException {
		String json;
		try (InputStream in = file.openStream()) {
			json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		Object properties = JSON.readValue(json, Map.class).get("properties");
		List<Setting> settings = new ArrayList<>();
		if (properties instanceof List<?> list) {
			for (Object entry : list) {
				Map<String, Object> property = (Map<String, Object>) entry;
				settings.add(new Setting(String.valueOf(property.get("name")), (String) property.get("type"),
						(String) property.get("description"), property.get("defaultValue")));
			}
		}
		return settings;
	}

	/** Ferry's settings, by property name. */
	public List<Setting> ferry() {
		return List.copyOf(new TreeMap<>(this.ferry).values());
	}

	/** Every other library's settings. */
	List<Setting> others() {
		return List.copyOf(new TreeMap<>(this.others).values());
	}

	/** Ferry's setting of this property name. */
	public Setting ferry(String name) {
		Setting setting = this.ferry.get(name);
		if (setting == null) {
			throw new IllegalArgumentException(name + " is not one of Ferry's settings");
		}
		return setting;
	}

	/** The setting of this property name, Ferry's or another library's, or {@code null}. */
	Setting find(String name) {
		Setting setting = this.ferry.get(name);
		return (setting != null) ? setting : this.others.get(name);
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

		/** The environment variable: {@code FERRY_LOCK_TIMEOUT}, {@code FERRY_PLACEHOLDER_<name>}. */
		public String variable() {
			if (this.name.equals(PLACEHOLDERS)) {
				return PLACEHOLDER_VARIABLE_PREFIX + "<name>";
			}
			return variableOf(this.name);
		}

		/** The property as one writes it, {@code ferry.placeholders[<name>]} for a map. */
		public String property() {
			return isMap() ? this.name + "[<name>]" : this.name;
		}

		/**
		 * The description with javadoc's {@code {@code x}} as Markdown code ({@code `x`}), or as plain text.
		 */
		public String description(boolean markdown) {
			return withoutJavadocTags((this.description != null) ? this.description : "", markdown);
		}

		/** The default as one writes it in a setting: lists comma-separated. */
		public String defaultText() {
			if (this.defaultValue == null) {
				return null;
			}
			if (this.defaultValue instanceof List<?> list) {
				return String.join(",", list.stream().map(String::valueOf).toList());
			}
			String text = String.valueOf(this.defaultValue);
			// The processor writes a record's list default as Java prints a list: [a, b].
			if (isList() && text.startsWith("[") && text.endsWith("]")) {
				return String.join(",", Arrays.stream(text.substring(1, text.length() - 1).split(","))
					.map(String::trim)
					.toList());
			}
			return text;
		}

	}

	/** Javadoc's inline {@code {@code ...}} (whose content may hold balanced braces) as Markdown or plain text. */
	static String withoutJavadocTags(String text, boolean markdown) {
		StringBuilder result = new StringBuilder();
		int at = 0;
		while (true) {
			int tag = text.indexOf("{@code ", at);
			if (tag < 0) {
				result.append(text.substring(at));
				break;
			}
			result.append(text, at, tag);
			int depth = 1;
			int end = tag + "{@code ".length();
			while (end < text.length() && depth > 0) {
				char c = text.charAt(end);
				depth += (c == '{') ? 1 : (c == '}') ? -1 : 0;
				end++;
			}
			String code = text.substring(tag + "{@code ".length(), end - 1);
			result.append(markdown ? "`" + code + "`" : code);
			at = end;
		}
		return result.toString().replaceAll("\\s+", " ").trim();
	}

	/** The environment variable Spring binds to a property name: {@code ferry.db.secret-id} is FERRY_DB_SECRET_ID. */
	static String variableOf(String propertyName) {
		return propertyName.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
	}

}
