package dev.ferry.database;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import javax.sql.DataSource;

import dev.ferry.config.FerryProperties;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.secrets.SecretMasker;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How Ferry's settings become the DataSource's URL and TLS mode, without connecting: verify-full against AWS,
 * prefer locally, the URL's own sslmode kept, and the settings that can never work refused.
 */
@Tag("unit")
class ConnectionRulesTest {

	@Test
	void anRdsHostIsVerifiedInFull() throws IOException {
		Path ca = Files.createTempFile("rds-ca", ".pem");
		try {
			PGSimpleDataSource dataSource = dataSource(Map.of("db.host", "app.cluster-abc.eu-west-1.rds.amazonaws.com",
					"db.ssl-root-cert", ca.toString()));
			assertThat(dataSource.getSslMode()).isEqualTo("verify-full");
			assertThat(dataSource.getSslRootCert()).isEqualTo(ca.toAbsolutePath().toString());
		}
		finally {
			Files.delete(ca);
		}
	}

	@Test
	void aRequiredButUnverifiedTlsAgainstAnRdsHostNeedsNoCaBundle() {
		assertThat(dataSource(Map.of("db.host", "app.cluster-abc.eu-west-1.rds.amazonaws.com", "db.ssl-mode", "require"))
			.getSslMode()).isEqualTo("require");
	}

	@Test
	void aLocalHostPrefersTls() {
		assertThat(dataSource(Map.of("db.url", "jdbc:postgresql://127.0.0.1:5432/app")).getSslMode())
			.isEqualTo("prefer");
	}

	@Test
	void theUrlsOwnSslModeIsKept() {
		PGSimpleDataSource dataSource = dataSource(Map.of("db.url", "jdbc:postgresql://127.0.0.1/app?sslmode=disable"));
		assertThat(dataSource.getSslMode()).isEqualTo("disable");
	}

	@Test
	void hostPortAndNameMakeTheUrl() {
		PGSimpleDataSource dataSource = dataSource(Map.of("db.host", "db.internal", "db.port", "6432", "db.name", "app"));
		assertThat(dataSource.getURL()).startsWith("jdbc:postgresql://db.internal:6432/app");
	}

	@Test
	void anUnknownSslModeIsExitTwoNamingTheModesThereAre() {
		assertThatThrownBy(() -> dataSource(Map.of("db.url", "jdbc:postgresql://127.0.0.1/app", "db.ssl-mode", "bogus")))
			.isInstanceOfSatisfying(FerryException.class, (failure) -> {
				assertThat(failure.status()).isEqualTo(ExitStatus.CONFIGURATION_INVALID);
				assertThat(failure.getMessage()).contains("verify-full");
			});
	}

	@Test
	void iamAuthenticationWithoutGuaranteedTlsIsRefused() {
		assertThatThrownBy(() -> dataSource(Map.of("db.url", "jdbc:postgresql://127.0.0.1/app", "db.iam-auth", "true",
				"db.username", "ferry", "db.ssl-mode", "prefer")))
			.isInstanceOfSatisfying(FerryException.class,
					(failure) -> assertThat(failure.status()).isEqualTo(ExitStatus.CONFIGURATION_INVALID));
	}

	@Test
	void aUrlThatIsNotPostgresIsExitTwoWithThePasswordMasked() {
		assertThatThrownBy(() -> dataSource(Map.of("db.url", "jdbc:mysql://u:s3cret-pw@127.0.0.1/app")))
			.isInstanceOfSatisfying(FerryException.class, (failure) -> {
				assertThat(failure.status()).isEqualTo(ExitStatus.CONFIGURATION_INVALID);
				assertThat(failure.getMessage()).doesNotContain("s3cret-pw");
			});
	}

	@Test
	void noDatabaseSettingAtAllSaysWhatToSet() {
		assertThatThrownBy(() -> dataSource(Map.of()))
			.isInstanceOfSatisfying(FerryException.class,
					(failure) -> assertThat(failure.getMessage()).contains("FERRY_DB_URL"));
	}

	private static PGSimpleDataSource dataSource(Map<String, String> settings) {
		Map<String, String> ferry = new HashMap<>();
		settings.forEach((name, value) -> ferry.put("ferry." + name, value));
		FerryProperties properties = new Binder(new MapConfigurationPropertySource(ferry))
			.bindOrCreate("ferry", FerryProperties.class);
		DataSource dataSource = DatabaseConnection.dataSource(properties, new StandardEnvironment(), new SecretMasker(),
				(secretId) -> null, () -> null, null, 0);
		return (PGSimpleDataSource) dataSource;
	}

}
