package dev.ferry.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.ferry.FerryApplication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.LoggerFactory;

/**
 * Ferry's main job with no Docker and no AWS: an embedded PostgreSQL (zonky's binaries from Maven Central) in
 * {@code target/local-postgres}, the baked migrations with the test data of a local environment, and local
 * placeholder values. Run it twice: the second run is up to date. Lives in the test tree so the embedded database
 * never reaches the production jar.
 */
public final class LocalFerry {

	static final Path DATA_DIRECTORY = Path.of("target", "local-postgres");

	private LocalFerry() {
	}

	public static void main(String[] args) throws IOException {
		// The embedded server narrates its start-up at INFO; Ferry's own lines are the point here. One line of ours
		// says what the wait is for instead: a first start unpacks the binaries and creates the cluster.
		((Logger) LoggerFactory.getLogger("io.zonky")).setLevel(Level.WARN);
		boolean first = !Files.exists(DATA_DIRECTORY.resolve("PG_VERSION"));
		Files.createDirectories(DATA_DIRECTORY);
		System.out.println("Starting an embedded PostgreSQL in " + DATA_DIRECTORY
				+ (first ? " (first start: unpacking its binaries and creating the cluster, 10-30 s)" : "") + " ...");
		int exitCode;
		try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
			.setDataDirectory(DATA_DIRECTORY)
			.setCleanDataDirectory(false)
			.start()) {
			System.out.println("PostgreSQL is up on 127.0.0.1:" + postgres.getPort() + "; Ferry runs on it as"
					+ " environment local");
			setDefault("ferry.db.url", postgres.getJdbcUrl("postgres", "postgres"));
			setDefault("ferry.environment", "local");
			setDefault("ferry.placeholders[api_db_username]", "ferry_local_api");
			setDefault("ferry.placeholders[api_db_password]", "local-only-password");
			exitCode = FerryApplication.run(args);
		}
		System.exit(exitCode);
	}

	private static void setDefault(String name, String value) {
		if (System.getProperty(name) == null) {
			System.setProperty(name, value);
		}
	}

}
