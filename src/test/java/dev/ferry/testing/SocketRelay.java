package dev.ferry.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * One direction of a loopback proxy between Ferry and PostgreSQL: what arrives on one socket is written to the
 * other, on a daemon thread, until either side goes away (closing the streams closes both sockets).
 */
final class SocketRelay {

	private SocketRelay() {
	}

	static void relay(Socket from, Socket to, String threadName) {
		Thread relay = new Thread(() -> {
			byte[] buffer = new byte[8192];
			try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
				int read;
				while ((read = in.read(buffer)) >= 0) {
					out.write(buffer, 0, read);
					out.flush();
				}
			}
			catch (IOException ex) {
				// One side went away.
			}
		}, threadName);
		relay.setDaemon(true);
		relay.start();
	}

}
