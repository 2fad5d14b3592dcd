package dev.ferry.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback proxy in front of PostgreSQL that records every statement a client sends, as the server receives it:
 * the text of each simple Query ('Q') and each Parse ('P') message of the wire protocol (version 3). It declines
 * TLS and GSS encryption on the server's behalf, so that it can read the messages, and forwards everything else
 * unchanged.
 */
public final class StatementRecorder implements AutoCloseable {

	private static final int SSL_REQUEST = 80877103;

	private static final int GSS_REQUEST = 80877104;

	private final ServerSocket listener;

	private final String targetHost;

	private final int targetPort;

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	private final List<Sent> sent = new CopyOnWriteArrayList<>();

	private final AtomicInteger connections = new AtomicInteger();

	public StatementRecorder(String targetHost, int targetPort) throws IOException {
		this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.targetHost = targetHost;
		this.targetPort = targetPort;
		Thread acceptor = new Thread(this::accept, "statement-recorder");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	public int port() {
		return this.listener.getLocalPort();
	}

	/** Every statement text sent so far, in the order the server got them. */
	public List<Sent> sent() {
		return new ArrayList<>(this.sent);
	}

	private void accept() {
		while (!this.listener.isClosed()) {
			try {
				Socket client = this.listener.accept();
				Socket server = new Socket();
				server.connect(new InetSocketAddress(this.targetHost, this.targetPort), 5000);
				this.sockets.add(client);
				this.sockets.add(server);
				int connection = this.connections.incrementAndGet();
				start(() -> recordClient(client, server, connection));
				SocketRelay.relay(server, client, "statement-recorder-pump");
			}
			catch (IOException ex) {
				// Closed.
			}
		}
	}

	private void recordClient(Socket client, Socket server, int connection) {
		try (DataInputStream in = new DataInputStream(client.getInputStream());
				OutputStream toServer = server.getOutputStream();
				OutputStream toClient = client.getOutputStream()) {
			while (true) {
				int length = in.readInt();
				byte[] body = new byte[length - 4];
				in.readFully(body);
				int code = ((body[0] & 0xff) << 24) | ((body[1] & 0xff) << 16) | ((body[2] & 0xff) << 8) | (body[3] & 0xff);
				if (length == 8 && (code == SSL_REQUEST || code == GSS_REQUEST)) {
					toClient.write('N');
					toClient.flush();
					continue;
				}
				writeInt(toServer, length);
				toServer.write(body);
				toServer.flush();
				break;
			}
			while (true) {
				int type = in.read();
				if (type < 0) {
					return;
				}
				int length = in.readInt();
				byte[] body = new byte[length - 4];
				in.readFully(body);
				if (type == 'Q') {
					this.sent.add(new Sent(connection, cString(body, 0)));
				}
				else if (type == 'P') {
					int nameEnd = indexOfZero(body, 0);
					this.sent.add(new Sent(connection, cString(body, nameEnd + 1)));
				}
				toServer.write(type);
				writeInt(toServer, length);
				toServer.write(body);
				toServer.flush();
			}
		}
		catch (IOException ex) {
			// One side went away.
		}
	}

	private static void writeInt(OutputStream out, int value) throws IOException {
		out.write(value >>> 24);
		out.write(value >>> 16);
		out.write(value >>> 8);
		out.write(value);
	}

	private static int indexOfZero(byte[] bytes, int from) {
		for (int i = from; i < bytes.length; i++) {
			if (bytes[i] == 0) {
				return i;
			}
		}
		return bytes.length;
	}

	private static String cString(byte[] bytes, int from) {
		return new String(bytes, from, indexOfZero(bytes, from) - from, StandardCharsets.UTF_8);
	}

	private static void start(Runnable pump) {
		Thread thread = new Thread(pump, "statement-recorder-pump");
		thread.setDaemon(true);
		thread.start();
	}

	@Override
	public void close() throws IOException {
		this.listener.close();
		for (Socket socket : this.sockets) {
			socket.close();
		}
	}

	/**
	 * One statement as the server got it.
	 *
	 * @param connection which client connection sent it, counted from 1
	 * @param sql its text
	 */
	public record Sent(int connection, String sql) {

	}

}
