package dev.ferry.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The checksum of the {@code db/} baked into Ferry's class path, the one the image's {@code dev.ferry.db-checksum}
 * label carries: each file's sha256 and path ({@code db/...}, sorted bytewise) as {@code sha256sum} prints them,
 * hashed again, as in
 * {@code find db -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum}.
 */
public final class BakedMigrationsChecksum {

	static final String ROOT = "db";

	private BakedMigrationsChecksum() {
	}

	/** The checksum of the class path's {@code db/}, or {@code null} when there is none. */
	public static String ofClasspath(ClassLoader classLoader) {
		URL root = classLoader.getResource(ROOT);
		if (root == null) {
			return null;
		}
		try {
			return of(files(root));
		}
		catch (IOException | URISyntaxException ex) {
			throw new IllegalStateException("cannot read " + root, ex);
		}
	}

	/** The checksum of files given by their path ({@code db/...}) and content. */
	static String of(Map<String, byte[]> files) {
		Map<byte[], byte[]> sorted = new TreeMap<>(Arrays::compareUnsigned);
		files.forEach((path, content) -> sorted.put(path.getBytes(StandardCharsets.UTF_8), content));
		StringBuilder listing = new StringBuilder();
		sorted.forEach((path, content) -> listing.append(sha256(content))
			.append("  ")
			.append(new String(path, StandardCharsets.UTF_8))
			.append('\n'));
		return sha256(listing.toString().getBytes(StandardCharsets.UTF_8));
	}

	private static Map<String, byte[]> files(URL root) throws IOException, URISyntaxException {
		Map<String, byte[]> files = new TreeMap<>();
		if ("file".equals(root.getProtocol())) {
			Path folder = Path.of(root.toURI());
			try (Stream<Path> paths = Files.walk(folder)) {
				for (Path file : paths.filter(Files::isRegularFile).toList()) {
					String relative = folder.relativize(file).toString().replace('\\', '/');
					files.put(ROOT + "/" + relative, Files.readAllBytes(file));
				}
			}
			return files;
		}
		URLConnection connection = root.openConnection();
		if (!(connection instanceof JarURLConnection jar)) {
			throw new IOException("cannot list " + root);
		}
		connection.setUseCaches(false);
		String prefix = jar.getEntryName().endsWith("/") ? jar.getEntryName() : jar.getEntryName() + "/";
		try (JarFile file = jar.getJarFile()) {
			for (JarEntry entry : Collections.list(file.entries())) {
				if (!entry.isDirectory() && entry.getName().startsWith(prefix)) {
					try (InputStream in = file.getInputStream(entry)) {
						files.put(ROOT + "/" + entry.getName().substring(prefix.length()), in.readAllBytes());
					}
				}
			}
		}
		return files;
	}

	private static String sha256(byte[] content) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
