package dev.ferry;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.SpringBootExceptionReporter;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.convert.ConversionException;

/**
 * Reports an expected failure as one clear line instead of Spring Boot's stack trace; an expected failure is a
 * verdict about the database or the settings, not a bug. Unexpected failures fall through to Spring Boot.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class FerryFailureReporter implements SpringBootExceptionReporter {

	private static final Log logger = LogFactory.getLog(FerryApplication.class);

	@Override
	public boolean reportException(Throwable failure) {
		FerryException ferry = FerryException.find(failure);
		if (ferry != null) {
			if (ferry.status() == ExitStatus.UNEXPECTED) {
				logger.error(line(ferry.status(), ferry.getMessage()), ferry.getCause());
			}
			else {
				logger.error(line(ferry.status(), ferry.getMessage()));
			}
			return true;
		}
		BindException bind = CauseChain.find(failure, BindException.class);
		if (bind != null) {
			logger.error(line(ExitStatus.CONFIGURATION_INVALID, invalidSetting(bind)));
			return true;
		}
		return false;
	}

	/**
	 * What is wrong with a setting that cannot be bound, for the log and the report alike. The masker, which sees
	 * every line and report, keeps a secret value out of it.
	 */
	static String invalidSetting(BindException bind) {
		String origin = (bind.getProperty() != null && bind.getProperty().getOrigin() != null)
				? " from " + bind.getProperty().getOrigin() : "";
		return "setting " + bind.getName() + origin + " is invalid: " + expected(bind);
	}

	/**
	 * What the setting must be. A value that does not convert is left out: it may be a secret given to the wrong
	 * setting, which the masker does not know.
	 */
	private static String expected(BindException bind) {
		Class<?> type = bind.getTarget().getType().resolve();
		if (CauseChain.find(bind, ConversionException.class) == null || type == null) {
			Throwable cause = (bind.getCause() != null) ? bind.getCause() : bind;
			return rootMessage(cause);
		}
		if (type.isEnum()) {
			return "it must be one of " + Arrays.stream(type.getEnumConstants())
				.map((constant) -> constant.toString().toLowerCase(Locale.ROOT))
				.collect(Collectors.joining(", "));
		}
		return "it must be a " + ((type == Duration.class) ? "duration such as 500ms, 5s or 10m" : type.getSimpleName());
	}

	private static String line(ExitStatus status, String message) {
		return "Ferry failed (exit " + status.code() + ", " + status.meaning() + "): " + message;
	}

	private static String rootMessage(Throwable throwable) {
		Throwable root = throwable;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getClass().getSimpleName() + ((root.getMessage() != null) ? ": " + root.getMessage() : "");
	}

}
