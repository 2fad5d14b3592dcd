package dev.ferry.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority and a server certificate for localhost and 127.0.0.1, made with openssl,
 * plus an unrelated CA that must not be trusted.
 *
 * @param ca the CA's certificate (PEM), what FERRY_DB_SSL_ROOT_CERT points at
 * @param otherCa a CA that did not sign the server certificate
 * @param serverCertificate the server's certificate (PEM)
 * @param serverKey the server's private key (PEM, mode 0600)
 * @param serverKeyStore the server's certificate and key as PKCS12, password {@value #KEYSTORE_PASSWORD}
 */
public record TestCertificates(Path ca, Path otherCa, Path serverCertificate, Path serverKey, Path serverKeyStore) {

	public static final String KEYSTORE_PASSWORD = "changeit";

	public static TestCertificates create(Path folder) {
		openssl(folder, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
				"-days", "2", "-subj", "/CN=Ferry Test CA");
		openssl(folder, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out",
				"other-ca.pem", "-days", "2", "-subj", "/CN=Somebody Else's CA");
		openssl(folder, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj",
				"/CN=localhost");
		write(folder.resolve("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
		openssl(folder, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
				"-out", "server.crt", "-days", "2", "-extfile", "san.ext");
		openssl(folder, "pkcs12", "-export", "-in", "server.crt", "-inkey", "server.key", "-out", "server.p12",
				"-passout", "pass:" + KEYSTORE_PASSWORD);
		Path key = folder.resolve("server.key");
		try {
			Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		return new TestCertificates(folder.resolve("ca.pem"), folder.resolve("other-ca.pem"),
				folder.resolve("server.crt"), key, folder.resolve("server.p12"));
	}

	private static void openssl(Path folder, String... args) {
		List<String> command = new java.util.ArrayList<>(List.of("openssl"));
		command.addAll(List.of(args));
		try {
			Process process = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes());
			if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
				throw new IllegalStateException("openssl " + String.join(" ", args) + " failed:\n" + output);
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("openssl is needed to make test certificates", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static void write(Path file, String text) {
		try {
			Files.writeString(file, text);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
