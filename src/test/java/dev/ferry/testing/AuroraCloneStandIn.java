package dev.ferry.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;

/**
 * What an Aurora clone of a test's "production" database is in the tests: a copy of that database on the same
 * PostgreSQL server ({@code CREATE DATABASE ... TEMPLATE}), reached the way Ferry reaches a real clone, through the
 * clone's endpoint name and port as RDS (moto) reports them.
 * <ul>
 * <li>The port: moto gives a clone its source cluster's port, and the source cluster is registered with the port of
 * this stand-in, a loopback proxy that asks for the copy's name where a client asks for production's database: the
 * one thing a clone has that a database on the same server does not, a different server answering to the same
 * database name.</li>
 * <li>The name: a hosts file for Ferry's JVM ({@code jdk.net.hosts.file}), to which every cluster moto lists under
 * {@code ferry-rehearsal-} is added as 127.0.0.1 as soon as it appears.</li>
 * </ul>
 * Ferry's own code runs unchanged: it calls RDS, resolves the endpoint and connects.
 * <p>
 * {@link #forRestores} stands in for the clusters {@code restore} makes from a snapshot: a copy made when the test
 * says the snapshot's data is production's ({@link #copyProduction()}), under {@code ferry-restore-} names, and the
 * master user of the secret RDS (moto) makes for the restored cluster is the server's own user (a server that trusts
 * loopback, as the embedded one does, takes the secret's password as it is).
 */
public final class AuroraCloneStandIn implements AutoCloseable {

	private final TestDatabase production;

	private final String copyName;

	private final ServerSocket listener;

	private final Path hostsFile;

	private final RdsClient rds;

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	private final Set<String> endpoints = new LinkedHashSet<>();

	private final Thread watcher;

	private final String clusterPrefix;

	private final String masterUser;

	private volatile int connections;

	private volatile boolean publishing = true;

	public AuroraCloneStandIn(TestDatabase production, RdsClient rds, Path hostsFile) {
		this(production, rds, hostsFile, "ferry-rehearsal-", "_clone", null);
	}

	/** The restored clusters' stand-in: their master user ({@code admin} in moto's secret) is the server's user. */
	public static AuroraCloneStandIn forRestores(TestDatabase production, RdsClient rds, Path hostsFile) {
		return new AuroraCloneStandIn(production, rds, hostsFile, "ferry-restore-", "_restored", "admin");
	}

	private AuroraCloneStandIn(TestDatabase production, RdsClient rds, Path hostsFile, String clusterPrefix,
			String copySuffix, String masterUser) {
		this.production = production;
		this.copyName = production.name() + copySuffix;
		this.clusterPrefix = clusterPrefix;
		this.masterUser = masterUser;
		this.rds = rds;
		this.hostsFile = hostsFile;
		try {
			this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
			writeHosts();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Thread acceptor = new Thread(this::accept, "clone-stand-in");
		acceptor.setDaemon(true);
		acceptor.start();
		this.watcher = new Thread(this::watchClones, "clone-endpoints");
		this.watcher.setDaemon(true);
		this.watcher.start();
	}

	/** The port the source cluster is registered with in moto, and so every clone's port. */
	public int port() {
		return this.listener.getLocalPort();
	}

	public Path hostsFile() {
		return this.hostsFile;
	}

	/**
	 * Whether new clusters' endpoints resolve: off, a cluster that appears is not reachable (yet), as a cluster whose
	 * DNS name is not published; on again, it is.
	 */
	public void publishEndpoints(boolean publish) {
		this.publishing = publish;
	}

	/** How many connections reached the copy so far: proof that the rehearsal ran there. */
	public int connections() {
		return this.connections;
	}

	/** The copy, as a database of its own to look at. */
	public TestDatabase copy() {
		return new TestDatabase(this.production.server(), this.copyName);
	}

	/**
	 * Copies production as it is now, as a clone made from the latest restorable time would be; an earlier copy is
	 * replaced.
	 */
	public void copyProduction() {
		PostgresServer server = this.production.server();
		try (Connection connection = DriverManager.getConnection(server.url("postgres"), server.username(),
				server.password()); Statement statement = connection.createStatement()) {
			statement.execute("DROP DATABASE IF EXISTS " + this.copyName + " WITH (FORCE)");
			statement.execute("CREATE DATABASE " + this.copyName + " TEMPLATE " + this.production.name());
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot copy " + this.production.name(), ex);
		}
	}

	private void watchClones() {
		while (!Thread.currentThread().isInterrupted()) {
			try {
				boolean added = false;
				for (DBCluster cluster : this.rds.describeDBClusters().dbClusters()) {
					if (this.publishing && cluster.dbClusterIdentifier().startsWith(this.clusterPrefix)
							&& cluster.endpoint() != null) {
						synchronized (this.endpoints) {
							added |= this.endpoints.add(cluster.endpoint());
						}
					}
				}
				if (added) {
					writeHosts();
				}
				Thread.sleep(5);
			}
			catch (InterruptedException ex) {
				return;
			}
			catch (RuntimeException | IOException ex) {
				// moto is busy or the test is ending: look again.
			}
		}
	}

	private void writeHosts() throws IOException {
		List<String> lines = new ArrayList<>(List.of("127.0.0.1 localhost"));
		synchronized (this.endpoints) {
			this.endpoints.forEach((endpoint) -> lines.add("127.0.0.1 " + endpoint));
		}
		Path written = this.hostsFile.resolveSibling(this.hostsFile.getFileName() + ".new");
		Files.write(written, lines);
		Files.move(written, this.hostsFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
				java.nio.file.StandardCopyOption.ATOMIC_MOVE);
	}

	private void accept() {
		while (!this.listener.isClosed()) {
			try {
				Socket client = this.listener.accept();
				Socket server = new Socket();
				server.connect(new InetSocketAddress(this.production.server().host(), this.production.server().port()),
						5000);
				this.sockets.add(client);
				this.sockets.add(server);
				Thread startup = new Thread(() -> relayStartup(client, server), "clone-stand-in-startup");
				startup.setDaemon(true);
				startup.start();
			}
			catch (IOException ex) {
				// Closed.
			}
		}
	}

	/**
	 * The first message of PostgreSQL's protocol is the startup message (after an optional request for TLS or GSS
	 * encryption, which the stand-in declines): a length, the protocol version and name/value pairs, database among
	 * them. The copy's name replaces production's; everything after is relayed as is.
	 */
	private void relayStartup(Socket client, Socket server) {
		try {
			DataInputStream in = new DataInputStream(client.getInputStream());
			OutputStream toClient = client.getOutputStream();
			byte[] message;
			while (true) {
				int length = in.readInt();
				message = new byte[length - 4];
				in.readFully(message);
				int code = java.nio.ByteBuffer.wrap(message).getInt();
				if (code == 80877103 || code == 80877104) {
					toClient.write('N');
					toClient.flush();
					continue;
				}
				break;
			}
			byte[] renamed = renameDatabase(message);
			DataOutputStream toServer = new DataOutputStream(server.getOutputStream());
			toServer.writeInt(renamed.length + 4);
			toServer.write(renamed);
			toServer.flush();
			this.connections++;
			SocketRelay.relay(server, client, "clone-stand-in-pump");
			SocketRelay.relay(client, server, "clone-stand-in-pump");
		}
		catch (IOException ex) {
			closeQuietly(client);
			closeQuietly(server);
		}
	}

	private byte[] renameDatabase(byte[] message) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.write(message, 0, 4);
		List<String> parts = new ArrayList<>();
		int start = 4;
		for (int i = 4; i < message.length; i++) {
			if (message[i] == 0) {
				parts.add(new String(message, start, i - start, StandardCharsets.UTF_8));
				start = i + 1;
			}
		}
		for (int i = 0; i + 1 < parts.size(); i += 2) {
			String value = parts.get(i).equals("database") && parts.get(i + 1).equals(this.production.name())
					? this.copyName : parts.get(i + 1);
			if (parts.get(i).equals("user") && value.equals(this.masterUser)) {
				value = this.production.server().username();
			}
			out.writeBytes(parts.get(i).getBytes(StandardCharsets.UTF_8));
			out.write(0);
			out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
			out.write(0);
		}
		out.write(0);
		return out.toByteArray();
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			// Already closed.
		}
	}

	@Override
	public void close() {
		this.watcher.interrupt();
		closeQuietly(this.listener);
		this.sockets.forEach(AuroraCloneStandIn::closeQuietly);
		this.copy().drop();
	}

	private static void closeQuietly(ServerSocket socket) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			// Already closed.
		}
	}

}
