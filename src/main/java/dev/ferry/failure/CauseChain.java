package dev.ferry.failure;

import java.util.function.Predicate;

/**
 * Looks through an exception and its causes, where drivers, Flyway and Spring wrap what actually went wrong.
 */
public final class CauseChain {

	private CauseChain() {
	}

	/** The first exception in the chain of the given type, or null. */
	public static <T extends Throwable> T find(Throwable throwable, Class<T> type) {
		return find(throwable, type, (t) -> true);
	}

	/** The first exception in the chain of the given type that matches, or null. */
	public static <T extends Throwable> T find(Throwable throwable, Class<T> type, Predicate<? super T> matches) {
		for (Throwable t = throwable; t != null; t = t.getCause()) {
			if (type.isInstance(t) && matches.test(type.cast(t))) {
				return type.cast(t);
			}
		}
		return null;
	}

}
