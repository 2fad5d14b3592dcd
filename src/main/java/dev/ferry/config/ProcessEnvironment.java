package dev.ferry.config;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The process's environment variables, decoded as UTF-8 whatever the locale. The JVM decodes them with the locale's
 * charset, which in a container without {@code LANG} is ASCII: every other character of a placeholder value or a
 * password would turn into {@code ?}. ECS, Docker and GitHub Actions pass UTF-8, so on Linux Ferry reads the
 * variables' bytes itself when the locale is not UTF-8.
 */
public final class ProcessEnvironment {

	private static final Path ENVIRON = Path.of("/proc/self/environ");

	private static Map<String, String> variables;

	private ProcessEnvironment() {
	}

	public static synchronized Map<String, String> variables() {
		if (variables == null) {
			variables = decodedAsUtf8();
		}
		return variables;
	}

	/** Whether the JVM's own decoding may have changed a variable, so that {@link #variables()} differs. */
	static boolean jvmDecodingIsLossy() {
		String charset = System.getProperty("sun.jnu.encoding");
		return charset != null && Charset.isSupported(charset) && !Charset.forName(charset).equals(StandardCharsets.UTF_8);
	}

	private static Map<String, String> decodedAsUtf8() {
		if (!jvmDecodingIsLossy() || !Files.isReadable(ENVIRON)) {
			return System.getenv();
		}
		try {
			Map<String, String> decoded = new LinkedHashMap<>();
			for (String entry : new String(Files.readAllBytes(ENVIRON), StandardCharsets.UTF_8).split("\0")) {
				int equals = entry.indexOf('=');
				if (equals > 0) {
					decoded.put(entry.substring(0, equals), entry.substring(equals + 1));
				}
			}
			return Map.copyOf(decoded);
		}
		catch (IOException ex) {
			return System.getenv();
		}
	}

}
