package dev.ferry.drift;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.SecretLeaks;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drift as an attacker or an unlucky operator meets it: a short secret in a view that a report must not let anyone
 * recover offline, two runners recording at once, a huge catalog, a record an older Ferry wrote in clear. (A secret
 * rotated out of band, Ferry knowing only the new one, is in the leak suite, {@code SecretsNeverLeakTest}.)
 */
@Tag("fault")
class DriftAdversarialTest {

	private static final String RECORD = "public.ferry_catalog_record";

	private static final String SHORT_SECRET = "k9Zq";

	private final TestDatabase database = PostgresServer.get().createDatabase();

	@TempDir
	Path folder;

	/**
	 * The attack: a view embeds a 4-character secret and is changed by hand; before, the drift line showed
	 * {@code definition 281384d162b8}, an unkeyed hash that gave the secret away in seconds. Now nothing a report
	 * shows derives from the view's text, and the record's digest is keyed by a key only the server holds: the same
	 * view in another database has another digest.
	 */
	@Test
	void aShortSecretInAViewCannotBeRecoveredFromAnythingAReportShows() {
		Scripts.in(this.folder).write("V1__view.sql", "CREATE VIEW v AS SELECT '${api_key}'::text AS s;");
		FerryRun first = ferry(this.database).run();
		String definition = this.database.single("SELECT pg_get_viewdef('public.v'::regclass)");
		this.database.execute("CREATE OR REPLACE VIEW v AS SELECT '" + SHORT_SECRET + "x'::text AS s");
		String changed = this.database.single("SELECT pg_get_viewdef('public.v'::regclass)");

		FerryRun check = ferry(this.database).run("drift");

		assertThat(first.exitCode()).as(first.toString()).isZero();
		List<Map<String, String>> drift = check.report("$.drift");
		assertThat(drift).as(check.toString()).singleElement().satisfies((d) -> {
			assertThat(d.get("object")).isEqualTo("definition of view public.v");
			assertThat(d.get("before")).isNull();
			assertThat(d.get("after")).isNull();
			assertThat(d.get("line")).isEqualTo("definition of view public.v changed");
		});
		for (String text : List.of(definition, changed)) {
			for (String hash : List.of("md5", "sha256")) {
				String digest = this.database.single("SELECT " + (hash.equals("md5") ? "md5(?)" : "encode(sha256(convert_to(?, 'UTF8')), 'hex')")
					.replace("?", quote(text)));
				for (String shown : new String[] { check.output(), check.report(), check.summary() }) {
					assertThat(shown).as("an unkeyed " + hash + " of the view's text").doesNotContain(digest.substring(0, 8));
				}
			}
		}
		assertThat(drift.toString()).as("no digest at all in what the report says of drift")
			.doesNotContainPattern("[0-9a-f]{8}");
		String recorded = this.database.single("SELECT catalog ->> 'definition of view public.v' FROM " + RECORD);
		assertThat(recorded).startsWith("keyed:")
			.isEqualTo(this.database.single("SELECT 'keyed:' || encode(sha256(convert_to(digest_key || " + quote(definition)
					+ ", 'UTF8')), 'hex') FROM " + RECORD))
			.isNotEqualTo("keyed:" + this.database.single("SELECT encode(sha256(convert_to(" + quote(definition)
					+ ", 'UTF8')), 'hex')"));
		TestDatabase other = PostgresServer.get().createDatabase();
		assertThat(ferry(other).run().exitCode()).isZero();
		assertThat(other.single("SELECT catalog ->> 'definition of view public.v' FROM " + RECORD))
			.as("the same view, another key").isNotEqualTo(recorded);
	}

	@Test
	void twoRunnersRecordingAtOnceLeaveOneRecordThatTheNextCheckFindsNoDriftIn() {
		Scripts.in(this.folder)
			.write("V1__table.sql", "CREATE TABLE t (v text DEFAULT '${api_key}' CHECK (v <> ''));")
			.write("R__view.sql", "CREATE OR REPLACE VIEW v AS SELECT v FROM t;");

		FerryProcess.Started one = ferry(this.database).start();
		FerryProcess.Started two = ferry(this.database).start();
		FerryRun first = one.await();
		FerryRun second = two.await();
		FerryRun check = ferry(this.database).env("FERRY_DRIFT", "fail").run("drift");

		assertThat(first.exitCode()).as(first.toString()).isZero();
		assertThat(second.exitCode()).as(second.toString()).isZero();
		assertThat(this.database.single("SELECT count(*) || ' ' || count(DISTINCT digest_key) FROM " + RECORD))
			.isEqualTo("1 1");
		assertThat(check.exitCode()).as(check.toString()).isZero();
		assertThat(check.<String>report("$.driftCheck")).startsWith("no drift");
	}

	/** A 2 MB view and a table of 800 columns: the record keeps a digest, and a change is one short line. */
	@Test
	void aHugeCatalogDescriptionIsRecordedSmallAndItsDriftIsOneShortLine() {
		StringBuilder columns = new StringBuilder();
		for (int i = 0; i < 800; i++) {
			columns.append((i > 0) ? ", " : "").append("c").append(i).append(" text DEFAULT 'value-").append(i).append("'");
		}
		Scripts.in(this.folder)
			.write("V1__huge.sql", "CREATE TABLE wide (" + columns + ");\nCREATE VIEW big AS SELECT '"
					+ "x".repeat(2_000_000) + "'::text AS s;");
		FerryRun first = ferry(this.database).run();
		this.database.execute("CREATE OR REPLACE VIEW big AS SELECT 'y'::text AS s");

		FerryRun check = ferry(this.database).run("drift");

		assertThat(first.exitCode()).as(first.toString()).isZero();
		assertThat(Integer.parseInt(this.database.single("SELECT octet_length(catalog::text) FROM " + RECORD)))
			.isLessThan(400_000);
		assertThat(check.<List<String>>report("$.drift[*].line")).containsExactly("definition of view public.big changed");
		assertThat(check.report().length()).isLessThan(20_000);
		assertThat(check.output().length()).isLessThan(200_000);
	}

	/**
	 * A record written by an older Ferry (format 1: defaults and the rest in clear, no key) is not compared word by
	 * word: the first run after the upgrade says so, prints nothing of it, and records anew, which also removes the
	 * clear text from the database; the run after compares again.
	 */
	@Test
	void anOldFormatRecordIsNotComparedPrintsNothingOfItAndIsReplaced() {
		String old = "old-format-Secr3t-in-clear";
		Scripts.in(this.folder).write("V1__table.sql", "CREATE TABLE t (v text DEFAULT '${api_key}');");
		assertThat(ferry(this.database).run().exitCode()).isZero();
		this.database.execute("ALTER TABLE " + RECORD + " DROP COLUMN digest_key; UPDATE " + RECORD
				+ " SET format = 1, catalog = catalog - 'default of column public.t.v' || jsonb_build_object("
				+ "'column public.t.v', 'text default ''" + old + "''::text', 'view public.gone', 'view, definition"
				+ " 281384d162b8')");

		FerryRun upgrade = ferry(this.database).env("FERRY_DRIFT", "fail").run();
		FerryRun next = ferry(this.database).env("FERRY_DRIFT", "fail").run("drift");

		assertThat(upgrade.exitCode()).as(upgrade.toString()).isZero();
		assertThat(upgrade.<String>report("$.driftCheck")).contains("describes the schema differently");
		assertThat(upgrade.<List<?>>report("$.drift")).isEmpty();
		SecretLeaks.assertNoneOf(old, upgrade);
		assertThat(this.database.single("SELECT format || ' ' || (digest_key IS NOT NULL) || ' '"
				+ " || (catalog::text LIKE '%" + old + "%') FROM " + RECORD)).isEqualTo("2 true false");
		assertThat(next.exitCode()).as(next.toString()).isZero();
		assertThat(next.<String>report("$.driftCheck")).startsWith("no drift");
	}

	private FerryProcess ferry(TestDatabase database) {
		return FerryProcess.against(database)
			.locations(this.folder)
			.env("FERRY_PLACEHOLDER_api_key", SHORT_SECRET)
			.env("LOGGING_LEVEL_DEV_FERRY", "debug");
	}

	private static String quote(String text) {
		return "'" + text.replace("'", "''") + "'";
	}

}
