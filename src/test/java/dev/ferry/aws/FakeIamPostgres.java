package dev.ferry.aws;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import dev.ferry.testing.TestCertificates;

/**
 * Just enough of PostgreSQL's wire protocol, over TLS, to see the password a client sends: it asks for a
 * cleartext password (which is how RDS takes an IAM token), records it, and answers "starting up" for the first
 * connections, so the client retries, then "password authentication failed".
 */
final class FakeIamPostgres implements AutoCloseable {

	private final ServerSocket server;

	private final SSLContext tls;

	private final List<String> passwords = new CopyOnWriteArrayList<>();

	private final int startingUpAnswers;

	private final Thread acceptor;

	FakeIamPostgres(TestCertificates certificates, int startingUpAnswers) throws Exception {
		this.startingUpAnswers = startingUpAnswers;
		KeyStore keyStore = KeyStore.getInstance("PKCS12");
		try (InputStream in = new FileInputStream(certificates.serverKeyStore().toFile())) {
			keyStore.load(in, TestCertificates.KEYSTORE_PASSWORD.toCharArray());
		}
		KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
		keys.init(keyStore, TestCertificates.KEYSTORE_PASSWORD.toCharArray());
		this.tls = SSLContext.getInstance("TLS");
		this.tls.init(keys.getKeyManagers(), null, null);
		this.server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
		this.acceptor = new Thread(this::serve, "fake-iam-postgres");
		this.acceptor.setDaemon(true);
		this.acceptor.start();
	}

	int port() {
		return this.server.getLocalPort();
	}

	List<String> passwords() {
		return List.copyOf(this.passwords);
	}

	private void serve() {
		while (!this.server.isClosed()) {
			try (Socket plain = this.server.accept()) {
				handle(plain);
			}
			catch (IOException ex) {
				// A client that gives up mid-way, or the server closing: next connection.
			}
		}
	}

	private void handle(Socket plain) throws IOException {
		DataInputStream plainIn = new DataInputStream(plain.getInputStream());
		int length = plainIn.readInt();
		int code = plainIn.readInt();
		if (length != 8 || code != 80877103) {
			return;
		}
		plain.getOutputStream().write('S');
		plain.getOutputStream().flush();
		try (SSLSocket secure = (SSLSocket) this.tls.getSocketFactory()
			.createSocket(plain, "localhost", plain.getPort(), false)) {
			secure.setUseClientMode(false);
			secure.startHandshake();
			DataInputStream in = new DataInputStream(secure.getInputStream());
			DataOutputStream out = new DataOutputStream(secure.getOutputStream());
			in.readFully(new byte[in.readInt() - 4]);
			out.writeByte('R');
			out.writeInt(8);
			out.writeInt(3);
			out.flush();
			if (in.readByte() != 'p') {
				return;
			}
			byte[] message = new byte[in.readInt() - 4];
			in.readFully(message);
			this.passwords.add(new String(message, 0, message.length - 1, StandardCharsets.UTF_8));
			boolean startingUp = this.passwords.size() <= this.startingUpAnswers;
			error(out, startingUp ? "57P03" : "28P01",
					startingUp ? "the database system is starting up" : "PAM authentication failed for user");
		}
	}

	private static void error(DataOutputStream out, String sqlState, String text) throws IOException {
		byte[] body = ("SFATAL\0VFATAL\0C" + sqlState + "\0M" + text + "\0\0").getBytes(StandardCharsets.UTF_8);
		out.writeByte('E');
		out.writeInt(body.length + 4);
		out.write(body);
		out.flush();
	}

	@Override
	public void close() throws IOException {
		this.server.close();
	}

}
