package dev.ferry;

import org.springframework.boot.ExitCodeExceptionMapper;
import org.springframework.boot.context.properties.bind.BindException;

/**
 * Maps a failed run to its exit code: Ferry's own status when the failure is one of ours, 2 for a setting that
 * cannot be bound to its type, 1 for anything else.
 */
public class FerryExitCodes implements ExitCodeExceptionMapper {

	@Override
	public int getExitCode(Throwable exception) {
		FerryException ferry = FerryException.find(exception);
		if (ferry != null) {
			return ferry.getExitCode();
		}
		if (invalidSetting(exception) != null) {
			return ExitStatus.CONFIGURATION_INVALID.code();
		}
		return ExitStatus.UNEXPECTED.code();
	}

	static BindException invalidSetting(Throwable exception) {
		return CauseChain.find(exception, BindException.class);
	}

}
