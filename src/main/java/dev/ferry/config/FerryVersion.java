package dev.ferry.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

import org.flywaydb.core.Flyway;

/**
 * What this Ferry is: its version (Spring Boot's build-info), the commit it was built from (git.properties, the
 * image's {@code org.opencontainers.image.revision}), the checksum of its baked {@code db/} (the image's
 * {@code dev.ferry.db-checksum}) and the Flyway it runs.
 *
 * @param version Ferry's version
 * @param commit the commit, with {@code -dirty} when the tree had changes, or {@code unknown}
 * @param dbChecksum the checksum of the baked {@code db/}, or {@code none}
 * @param flyway Flyway's version
 */
public record FerryVersion(String version, String commit, String dbChecksum, String flyway) {

	static final String UNKNOWN = "unknown";

	public static FerryVersion ofThisBuild() {
		ClassLoader classLoader = FerryVersion.class.getClassLoader();
		Properties build = properties(classLoader, "META-INF/build-info.properties");
		Properties git = properties(classLoader, "git.properties");
		Properties flyway = properties(Flyway.class.getClassLoader(),
				"META-INF/maven/org.flywaydb/flyway-core/pom.properties");
		String commit = git.getProperty("git.commit.id", UNKNOWN);
		if (!commit.equals(UNKNOWN) && Boolean.parseBoolean(git.getProperty("git.dirty"))) {
			commit += "-dirty";
		}
		String checksum = BakedMigrationsChecksum.ofClasspath(classLoader);
		return new FerryVersion(build.getProperty("build.version", UNKNOWN), commit,
				(checksum != null) ? checksum : "none", flyway.getProperty("version", UNKNOWN));
	}

	/** The lines {@code --version} prints. */
	public String text() {
		return "Ferry " + this.version + "\ncommit " + this.commit + "\ndb/ sha256 " + this.dbChecksum + "\nFlyway "
				+ this.flyway + "\n";
	}

	private static Properties properties(ClassLoader classLoader, String resource) {
		Properties properties = new Properties();
		try (InputStream in = classLoader.getResourceAsStream(resource)) {
			if (in != null) {
				properties.load(in);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return properties;
	}

}
