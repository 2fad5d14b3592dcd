package dev.ferry.config;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.util.ResourceUtils;

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
		// Spring lists a folder and a jar alike; a folder's URL ends with a slash, a file's never does.
		Map<String, byte[]> files = new TreeMap<>();
		try {
			for (Resource file : new PathMatchingResourcePatternResolver(classLoader)
				.getResources(ResourceUtils.CLASSPATH_URL_PREFIX + ROOT + "/**")) {
				String url = file.getURL().toString();
				if (!url.endsWith("/") && url.startsWith(root.toString())) {
					files.put(ROOT + url.substring(root.toString().length()), file.getContentAsByteArray());
				}
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("cannot read " + root, ex);
		}
		return of(files);
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

	private static String sha256(byte[] content) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
