package dev.ferry.failure;

/**
 * The one error root of Ferry: every expected failure carries the exit status that the pipeline sees. Messages
 * must already be free of secret values when this is constructed.
 */
public class FerryException extends RuntimeException {

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

	/** The first Ferry exception in a cause chain, if any. */
	public static FerryException find(Throwable throwable) {
		return CauseChain.find(throwable, FerryException.class);
	}

}
