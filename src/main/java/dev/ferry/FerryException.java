package dev.ferry;

import org.springframework.boot.ExitCodeGenerator;

/**
 * The one error root of Ferry: every expected failure carries the exit status that the pipeline sees. Messages
 * must already be free of secret values when this is constructed.
 */
public class FerryException extends RuntimeException implements ExitCodeGenerator {

	private final ExitStatus status;

	public FerryException(ExitStatus status, String message) {
		this(status, message, null);
	}

	public FerryException(ExitStatus status, String message, Throwable cause) {
		super(message, cause);
		this.status = status;
	}

	public ExitStatus status() {
		return this.status;
	}

	@Override
	public int getExitCode() {
		return this.status.code();
	}

	/** The first Ferry exception in a cause chain, if any. */
	public static FerryException find(Throwable throwable) {
		return CauseChain.find(throwable, FerryException.class);
	}

}
