package dev.ferry.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback in front of PostgreSQL that can turn into a black hole: it keeps every connection open
 * and reads what arrives, but forwards nothing more in either direction, as a network path that silently drops
 * packets does. Neither side sees a reset or a close.
 */
final class BlackHoleProxy implements AutoCloseable {

	private final ServerSocket listener;

	private final String targetHost;

	private final int targetPort;

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	private volatile boolean blackHole;

	private BlackHoleProxy(String targetHost, int targetPort) throws IOException {
		this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.targetHost = targetHost;
		this.targetPort = targetPort;
		Thread acceptor = new Thread(this::accept, "black-hole-proxy");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	static BlackHoleProxy to(String host, int port) throws IOException {
		return new BlackHoleProxy(host, port);
	}

	int port() {
		return this.listener.getLocalPort();
	}

	/** From now on nothing is forwarded, and nothing is closed. */
	void swallowEverything() {
		this.blackHole = true;
	}

	private void accept() {
		while (!this.listener.isClosed()) {
			try {
				Socket client = this.listener.accept();
				Socket server = new Socket();
				server.connect(new InetSocketAddress(this.targetHost, this.targetPort), 5000);
				this.sockets.add(client);
				this.sockets.add(server);
				pump(client, server);
				pump(server, client);
			}
			catch (IOException ex) {
				// Closed, or the server refused: the client sees its connection fail.
			}
		}
	}

	private void pump(Socket from, Socket to) {
		Thread pump = new Thread(() -> {
			byte[] buffer = new byte[8192];
			try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
				int read;
				while ((read = in.read(buffer)) >= 0) {
					if (!this.blackHole) {
						out.write(buffer, 0, read);
						out.flush();
					}
				}
			}
			catch (IOException ex) {
				// One side went away; closing the streams closes the other side too.
			}
		}, "black-hole-pump");
		pump.setDaemon(true);
		pump.start();
	}

	@Override
	public void close() throws IOException {
		this.listener.close();
		for (Socket socket : this.sockets) {
			socket.close();
		}
	}

}
