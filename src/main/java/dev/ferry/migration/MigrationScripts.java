package dev.ferry.migration;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.ferry.ExitStatus;
import dev.ferry.FerryException;
import org.flywaydb.core.api.Location;
import org.flywaydb.core.api.configuration.Configuration;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The SQL scripts in Flyway's configured locations, keyed by their path within the location, which is how Flyway
 * names a migration's script. Flyway's own scanner is internal API, so Ferry lists them with Spring's resolver.
 */
final class MigrationScripts {

	private static final PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver();

	private MigrationScripts() {
	}

	static Map<String, Resource> list(Configuration configuration) {
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

	static String fileName(String path) {
		return path.substring(path.lastIndexOf('/') + 1);
	}

	static String read(Resource resource, Configuration configuration) {
		try (InputStream in = resource.getInputStream()) {
			return new String(in.readAllBytes(), configuration.getEncoding());
		}
		catch (IOException ex) {
			throw new FerryException(ExitStatus.CONFIGURATION_INVALID,
					"cannot read migration script " + resource.getDescription() + ": " + ex.getMessage(), ex);
		}
	}

}
