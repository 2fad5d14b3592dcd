package dev.ferry.command;

import java.util.Map;

import dev.ferry.config.FerryCommand;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.run.RunRecord;
import dev.ferry.run.RunRecord.Kind;
import dev.ferry.run.RunRecord.Outcome;
import dev.ferry.secrets.SecretMasker;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.ValidateResult;

import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/** {@code validate}: every applied migration matches its script; exit 5 where one does not. */
@Component
record ValidateCommand(Flyway flyway, RunRecord record, SecretMasker masker) implements Command {

	@Override
	public FerryCommand name() {
		return FerryCommand.VALIDATE;
	}

	@Override
	public void run(Map<String, Resource> scripts) {
		ValidateResult result = this.flyway.validateWithResult();
		if (!result.validationSuccessful) {
			// Without a history table no migration is invalid, so the one reason is Flyway's error details.
			String reasons = result.getAllErrorMessages();
			throw new FerryException(ExitStatus.VALIDATION_FAILED, this.masker.mask((reasons != null && !reasons.isBlank())
					? reasons : (result.errorDetails != null) ? result.errorDetails.errorMessage : "validation failed"));
		}
		this.record.finished(new Outcome(Kind.OK, "validated: every applied migration matches its script"),
				this.flyway.info());
	}

}
