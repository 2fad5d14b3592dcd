package dev.ferry.config;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

@Tag("unit")
class FerryCommandTest {

	@Test
	void noCommandMeansMigrate() {
		assertThat(FerryCommand.of(null)).isEqualTo(FerryCommand.MIGRATE);
		assertThat(FerryCommand.of(" ")).isEqualTo(FerryCommand.MIGRATE);
	}

	@Test
	void commandsAreReadWhateverTheirCase() {
		assertThat(FerryCommand.of("INFO")).isEqualTo(FerryCommand.INFO);
		assertThat(FerryCommand.of(" Validate ")).isEqualTo(FerryCommand.VALIDATE);
	}

	@Test
	void anUnknownCommandIsAConfigurationErrorListingTheKnownOnes() {
		assertThatExceptionOfType(FerryException.class).isThrownBy(() -> FerryCommand.of("undo"))
			.satisfies((ex) -> assertThat(ex.status()).isEqualTo(ExitStatus.CONFIGURATION_INVALID))
			.withMessageContaining("migrate, info, validate, repair, baseline, clean, plan, rehearse, drift");
	}

}
