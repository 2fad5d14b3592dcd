package dev.ferry.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A "database" that is a loopback socket counting the connections made to it, and closing each at once: for the
 * tests that prove a run is refused before anything connects. A JUnit extension: a new socket for each test.
 */
public final class CountingDatabase implements BeforeEachCallback, AfterEachCallback {

	private ServerSocket socket;

	private final AtomicInteger connections = new AtomicInteger();

	@Override
	public void beforeEach(ExtensionContext context) throws IOException {
		this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.connections.set(0);
		Thread accepting = new Thread(this::accept, "counting-database");
		accepting.setDaemon(true);
		accepting.start();
	}

	private void accept() {
		while (!this.socket.isClosed()) {
			try (Socket ignored = this.socket.accept()) {
				this.connections.incrementAndGet();
			}
			catch (SocketException closed) {
				return;
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
	}

	public int port() {
		return this.socket.getLocalPort();
	}

	/** How many connections were made so far. */
	public AtomicInteger connections() {
		return this.connections;
	}

	@Override
	public void afterEach(ExtensionContext context) throws IOException {
		this.socket.close();
	}

}
