package dev.ferry.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers the tests start in another process (PostgreSQL, moto). A port the kernel hands out for
 * {@code bind(0)} comes from the ephemeral range, where any outgoing connection of any process may take it before
 * the server binds it, or between a stop and a restart. A port below that range is never handed to a client.
 */
public final class LoopbackPorts {

	private static final int LOWEST = 15000;

	private LoopbackPorts() {
	}

	/** A loopback port below the ephemeral range that nothing listens on right now. */
	public static int unused() {
		int ceiling = ephemeralRangeStart();
		for (int attempt = 0; attempt < 100; attempt++) {
			int port = ThreadLocalRandom.current().nextInt(LOWEST, ceiling);
			try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
				return socket.getLocalPort();
			}
			catch (IOException ex) {
				// taken: try another
			}
		}
		throw new UncheckedIOException(new IOException("no unused loopback port in " + LOWEST + "-" + ceiling));
	}

	private static int ephemeralRangeStart() {
		try {
			String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
			int start = Integer.parseInt(range.split("\\s+")[0]);
			return (start > LOWEST + 1000) ? start : 61000;
		}
		catch (IOException | RuntimeException ex) {
			return 32768;
		}
	}

}
