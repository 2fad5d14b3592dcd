package dev.ferry.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.ferry.testing.LoopbackPorts;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Assumptions;

/**
 * A PostgreSQL server of the suite's own that it can stop and start again on the same port and data directory:
 * zonky's embedded PostgreSQL, or, where the tests run as root (which PostgreSQL refuses), the machine's PostgreSQL
 * binaries run as the {@code postgres} user, the way {@code .ci/postgres.sh} runs them.
 */
abstract class RestartablePostgres implements AutoCloseable {

	static final String USERNAME = "postgres";

	final Path directory;

	final int port;

	private boolean running;

	RestartablePostgres(Path directory, int port) {
		this.directory = directory;
		this.port = port;
	}

	static RestartablePostgres create() {
		try {
			Path directory = Files.createTempDirectory("ferry-faults-pg");
			int port = LoopbackPorts.unused();
			boolean root = "root".equals(System.getProperty("user.name"));
			return root ? new SystemBinaries(directory, port) : new Zonky(directory, port);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}


	/** Starts the server, the first time with a new data directory, later on the one it had. */
	final void start() {
		doStart();
		this.running = true;
	}

	/** Stops the server the way an operator or a failover does: fast shutdown, every session cut off. */
	final void stop() {
		doStop();
		this.running = false;
	}

	abstract void doStart();

	abstract void doStop();

	/** The administrator's password, or null where the server trusts local connections. */
	abstract String password();

	Database createDatabase(String prefix) {
		return Database.createAt("127.0.0.1", this.port, USERNAME, password(), prefix);
	}

	@Override
	public void close() {
		if (this.running) {
			stop();
		}
		try (Stream<Path> files = Files.walk(this.directory)) {
			files.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
		}
		catch (IOException ex) {
			// A temporary folder: left behind at worst.
		}
	}

	/** zonky's embedded PostgreSQL, with a data directory that survives a stop. */
	static final class Zonky extends RestartablePostgres {

		private EmbeddedPostgres server;

		Zonky(Path directory, int port) {
			super(directory, port);
		}

		@Override
		void doStart() {
			try {
				this.server = EmbeddedPostgres.builder()
					.setDataDirectory(this.directory.resolve("data"))
					.setCleanDataDirectory(false)
					.setPort(this.port)
					.start();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		@Override
		void doStop() {
			try {
				this.server.close();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		@Override
		String password() {
			return null;
		}

	}

	/** The machine's PostgreSQL binaries, run as the postgres user because PostgreSQL refuses to run as root. */
	static final class SystemBinaries extends RestartablePostgres {

		private static final String PASSWORD = FaultLedger.secret("Restart-Pa55word-never-printed");

		private final Path bin;

		private boolean initialized;

		SystemBinaries(Path directory, int port) {
			super(directory, port);
			this.bin = binaries();
		}

		private static Path binaries() {
			Path root = Path.of("/usr/lib/postgresql");
			if (!Files.isDirectory(root)) {
				Assumptions.abort("running as root, and no PostgreSQL binaries in /usr/lib/postgresql to run as the"
						+ " postgres user (zonky's PostgreSQL refuses root)");
			}
			try (Stream<Path> versions = Files.list(root)) {
				return versions.map((v) -> v.resolve("bin"))
					.filter((b) -> Files.isExecutable(b.resolve("pg_ctl")))
					.max(Comparator.comparingInt((b) -> Integer.parseInt(b.getParent().getFileName().toString()
						.replaceAll("\\D.*", "0"))))
					.orElseThrow(() -> new IllegalStateException("no pg_ctl under " + root));
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		@Override
		void doStart() {
			if (!this.initialized) {
				initdb();
				this.initialized = true;
			}
			asPostgres(bin("pg_ctl"), "-D", data(), "-l", this.directory.resolve("server.log").toString(), "-w",
					"-t", "60", "start");
		}

		@Override
		void doStop() {
			asPostgres(bin("pg_ctl"), "-D", data(), "-m", "fast", "-w", "-t", "60", "stop");
		}

		@Override
		String password() {
			return PASSWORD;
		}

		private void initdb() {
			try {
				Path passwordFile = this.directory.resolve("pw");
				Files.writeString(passwordFile, PASSWORD + "\n");
				run(List.of("chown", "-R", "postgres", this.directory.toString()));
				asPostgres(bin("initdb"), "-D", data(), "-U", USERNAME, "--pwfile=" + passwordFile, "-A",
						"scram-sha-256", "-E", "UTF8");
				Files.delete(passwordFile);
				Files.writeString(this.directory.resolve("data").resolve("postgresql.conf"),
						"\nlisten_addresses = '127.0.0.1'\nport = " + this.port + "\nunix_socket_directories = '"
								+ this.directory + "'\nfsync = off\n",
						java.nio.file.StandardOpenOption.APPEND);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		private String data() {
			return this.directory.resolve("data").toString();
		}

		private String bin(String name) {
			return this.bin.resolve(name).toString();
		}

		private static void asPostgres(String... command) {
			List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
			full.addAll(List.of(command));
			run(full);
		}

		private static void run(List<String> command) {
			try {
				Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
				String output = new String(process.getInputStream().readAllBytes());
				if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
					throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}

	}

}
