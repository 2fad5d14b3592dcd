package dev.ferry;

import org.springframework.boot.SpringBootExceptionReporter;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Keeps Spring Boot from reporting a failed start itself: {@link FerryApplication#run} classifies every failure and
 * logs it once, masked. Spring's failure analyzers would print a setting's raw value ({@code Value: "..."}), which may
 * be a secret given to the wrong setting, and Spring's "Application run failed" would repeat the line.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class FerryFailureReporter implements SpringBootExceptionReporter {

	@Override
	public boolean reportException(Throwable failure) {
		return true;
	}

}
