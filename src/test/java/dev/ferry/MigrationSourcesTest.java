package dev.ferry;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nothing pending is ever skipped silently: a location Flyway cannot read, a folder it would walk in circles and a
 * script it cannot decode all stop the run before any SQL, with a message that says which.
 */
class MigrationSourcesTest {

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	@ParameterizedTest
	@ValueSource(strings = { "migrate", "info", "validate" })
	void aMissingFolderIsAConfigurationErrorNotUpToDate(String command) {
		FerryRun run = FerryProcess.against(this.database).locations(this.folder.resolve("no-such-folder")).run(command);

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.output()).contains("no-such-folder does not exist or is not a folder");
		assertThat(run.<String>report("$.outcome")).isEqualTo("failed");
		assertThat(this.database.tableExists("public.flyway_schema_history")).isFalse();
	}

	@Test
	void aMissingClasspathLocationIsAConfigurationError() {
		FerryRun run = FerryProcess.against(this.database).env("FERRY_LOCATIONS", "classpath:db/no_such_folder").run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.output()).contains("classpath:db/no_such_folder is not on the classpath");
	}

	@Test
	void aSymbolicLinkLoopIsNamedAsSuch() throws Exception {
		Scripts.in(this.folder).write("V1__one.sql", "CREATE TABLE one (id int);");
		Files.createSymbolicLink(this.folder.resolve("again"), this.folder);

		FerryRun run = FerryProcess.against(this.database).locations(this.folder).run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
		assertThat(run.output()).contains("symbolic-link loop").doesNotContain("more than one migration");
	}

	@Test
	void aScriptThatIsNotValidUtf8IsAValidationFailureNamingTheFile() throws Exception {
		Scripts.in(this.folder).write("V1__one.sql", "CREATE TABLE one (id int);");
		Files.write(this.folder.resolve("V2__latin1.sql"),
				"COMMENT ON TABLE one IS 'Gr\u00fc\u00dfe';".getBytes(StandardCharsets.ISO_8859_1));

		FerryRun run = FerryProcess.against(this.database).locations(this.folder).run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(5);
		assertThat(run.output()).contains("migration script V2__latin1.sql is not valid UTF-8");
		assertThat(this.database.tableExists("public.one")).as("nothing ran").isFalse();
	}

	@Test
	void aReadOnlyDatabaseIsAFailedMigrationThatSaysWhy() {
		Scripts.in(this.folder).write("V1__one.sql", "CREATE TABLE one (id int);");
		this.database.execute("ALTER DATABASE " + this.database.name() + " SET default_transaction_read_only = on");

		FerryRun run = FerryProcess.against(this.database).locations(this.folder).run();

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(6);
		assertThat(run.output()).contains("the database is read-only");
		assertThat(run.<String>report("$.error.sqlState")).isEqualTo("25006");
	}

	@Test
	void aPlaceholderValueKeepsItsCharactersWithoutALocale() {
		String value = "Zo\u00eb \u00dcn\u00efc\u00f6d\u00e9 \u20ac \u65e5\u672c";
		Scripts.in(this.folder)
			.write("V1__one.sql", "CREATE TABLE one (name text);\nINSERT INTO one VALUES ('${owner_name}');");

		FerryRun run = FerryProcess.against(this.database)
			.locations(this.folder)
			.withoutLocale()
			.env("FERRY_PLACEHOLDER_owner_name", value)
			.run();

		assertThat(run.exitCode()).as(run.toString()).isZero();
		assertThat(this.database.single("SELECT name FROM one")).isEqualTo(value);
	}

}
