package dev.ferry.plan;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.ferry.plan.Plan.SquawkFinding;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.json.JsonParseException;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.util.FileSystemUtils;

/**
 * squawk, the PostgreSQL migration linter, when it is on the PATH: each pending script, substituted and masked, is
 * linted with {@code squawk --reporter json}, whose output is an array of findings with {@code rule_name},
 * {@code level}, {@code line} (from 0), {@code message} and {@code help}. squawk exits 1 when it finds something;
 * a squawk that cannot run or answers otherwise costs the plan its findings, never the run.
 */
final class Squawk {

	static final String NOT_ON_PATH = "squawk not on PATH";

	private static final Log logger = LogFactory.getLog(Squawk.class);

	private final Path executable;

	private final Path folder;

	private String problem;

	private Squawk(Path executable, Path folder) {
		this.executable = executable;
		this.folder = folder;
	}

	/** squawk from the PATH, or {@code null} when it is not there. */
	static Squawk onPath(String path) {
		if (path == null) {
			return null;
		}
		for (String directory : path.split(File.pathSeparator)) {
			if (directory.isEmpty()) {
				continue;
			}
			Path candidate = Path.of(directory, "squawk");
			if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
				try {
					return new Squawk(candidate, Files.createTempDirectory("ferry-squawk-"));
				}
				catch (IOException ex) {
					logger.warn("squawk is on the PATH but Ferry cannot make a folder for it: " + ex.getMessage());
					return null;
				}
			}
		}
		return null;
	}

	/** squawk's findings for one script's text, which is already masked. */
	List<SquawkFinding> lint(String fileName, String maskedScript) {
		if (this.problem != null) {
			return List.of();
		}
		try {
			Path file = this.folder.resolve(fileName.replaceAll("[^A-Za-z0-9._-]", "_"));
			Files.writeString(file, maskedScript, StandardCharsets.UTF_8);
			Path output = this.folder.resolve("squawk-output.json");
			Process process = new ProcessBuilder(this.executable.toString(), "--reporter", "json", file.toString())
				.redirectErrorStream(false)
				.redirectOutput(output.toFile())
				.redirectError(ProcessBuilder.Redirect.DISCARD)
				.start();
			if (!process.waitFor(60, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				return failed("squawk did not answer within 60 s");
			}
			if (process.exitValue() > 1) {
				return failed("squawk exited with " + process.exitValue());
			}
			return parse(Files.readString(output, StandardCharsets.UTF_8));
		}
		catch (IOException | JsonParseException | ClassCastException ex) {
			return failed("squawk could not lint the scripts: " + ex.getMessage());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return failed("interrupted while squawk ran");
		}
	}

	/** Why squawk's findings are missing, if they are. */
	String problem() {
		return this.problem;
	}

	void close() {
		FileSystemUtils.deleteRecursively(this.folder.toFile());
	}

	private List<SquawkFinding> failed(String why) {
		this.problem = why;
		logger.warn(why + "; the plan goes on without its findings");
		return List.of();
	}

	static List<SquawkFinding> parse(String json) {
		if (json.isBlank()) {
			return List.of();
		}
		List<SquawkFinding> findings = new ArrayList<>();
		for (Object item : JsonParserFactory.getJsonParser().parseList(json)) {
			Map<?, ?> finding = (Map<?, ?>) item;
			Object line = finding.get("line");
			findings.add(new SquawkFinding(text(finding.get("rule_name")), text(finding.get("level")),
					(line instanceof Number number) ? number.intValue() + 1 : null, text(finding.get("message")),
					text(finding.get("help"))));
		}
		return findings;
	}

	private static String text(Object value) {
		return (value != null) ? value.toString() : null;
	}

}
