package dev.ferry.scripts;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import org.flywaydb.core.api.Location;
import org.flywaydb.core.api.configuration.Configuration;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The SQL scripts in Flyway's configured locations, keyed by their path within the location, which is how Flyway
 * names a migration's script. Flyway's own scanner is internal API, so Ferry lists them with Spring's resolver.
 * The checks and the plan read them through here alike.
 */
public final class MigrationScripts {

	private static final PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver();

	private MigrationScripts() {
	}

	public static Map<String, Resource> list(Configuration configuration) {
		Map<String, Resource> scripts = new LinkedHashMap<>();
		for (Location location : configuration.getLocations()) {
			String root = location.getRootPath();
			String base = location.isFileSystem() ? "file:" + root : "classpath*:" + root;
			for (String suffix : configuration.getSqlMigrationSuffixes()) {
				try {
					for (Resource resource : resolver.getResources(base + "/**/*" + suffix)) {
						String path = resource.getURI().toString();
						int at = path.indexOf(root);
						scripts.put((at >= 0) ? path.substring(at + root.length()).replaceFirst("^/", "") : path, resource);
					}
				}
				catch (IOException ex) {
					// A location that does not exist holds no scripts; Flyway reports it in its own words.
				}
			}
		}
		return scripts;
	}

	public static String fileName(String path) {
		return path.substring(path.lastIndexOf('/') + 1);
	}

	public static String read(Resource resource, Configuration configuration) {
		try {
			return resource.getContentAsString(configuration.getEncoding());
		}
		catch (IOException ex) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
					"cannot read migration script " + resource.getDescription() + ": " + ex.getMessage(), ex);
		}
	}

	/**
	 * The script of a migration Flyway names: by its path within the location, else by its file name (which a path
	 * ending in the name Flyway gives also matches).
	 */
	public static Resource find(Map<String, Resource> scripts, String script) {
		Resource exact = scripts.get(script);
		if (exact != null) {
			return exact;
		}
		return scripts.entrySet()
			.stream()
			.filter((entry) -> fileName(entry.getKey()).equals(fileName(script)))
			.map(Map.Entry::getValue)
			.findFirst()
			.orElse(null);
	}

}
