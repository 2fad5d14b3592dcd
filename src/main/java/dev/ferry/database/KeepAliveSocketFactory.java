package dev.ferry.database;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;

import javax.net.SocketFactory;

import jdk.net.ExtendedSocketOptions;

/**
 * Sockets to the database with TCP keepalive probes after 30 s of silence, every 10 s, 3 unanswered ending the
 * connection: a network that silently drops Ferry's packets (a black hole) then fails a waiting read within about a
 * minute instead of the kernel's default two hours. pgjdbc makes its sockets through this class when Ferry names it
 * in {@code socketFactory}; pgjdbc's own {@code tcpKeepAlive} only switches keepalive on, with the kernel's timings.
 */
public class KeepAliveSocketFactory extends SocketFactory {

	/** Seconds of silence before the first probe; the server probes Ferry with the same timings. */
	public static final int IDLE_SECONDS = 30;

	public static final int INTERVAL_SECONDS = 10;

	public static final int COUNT = 3;

	@Override
	public Socket createSocket() throws IOException {
		return configured(new Socket());
	}

	@Override
	public Socket createSocket(String host, int port) throws IOException {
		return configured(SocketFactory.getDefault().createSocket(host, port));
	}

	@Override
	public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
		return configured(SocketFactory.getDefault().createSocket(host, port, localHost, localPort));
	}

	@Override
	public Socket createSocket(InetAddress host, int port) throws IOException {
		return configured(SocketFactory.getDefault().createSocket(host, port));
	}

	@Override
	public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
			throws IOException {
		return configured(SocketFactory.getDefault().createSocket(address, port, localAddress, localPort));
	}

	private static Socket configured(Socket socket) throws IOException {
		socket.setKeepAlive(true);
		// Not every operating system lets a socket choose its timings; keepalive with the kernel's is still on then.
		if (socket.supportedOptions().contains(ExtendedSocketOptions.TCP_KEEPIDLE)) {
			socket.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, IDLE_SECONDS);
			socket.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, INTERVAL_SECONDS);
			socket.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, COUNT);
		}
		return socket;
	}

}
