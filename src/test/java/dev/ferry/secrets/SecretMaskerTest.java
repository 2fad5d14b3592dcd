package dev.ferry.secrets;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import dev.ferry.testing.SecretLeaks;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
class SecretMaskerTest {

	private final SecretMasker masker = new SecretMasker();

	@Test
	void masksEveryOccurrenceOfEveryRegisteredValue() {
		this.masker.register("hunter2");
		this.masker.register("s3cr3t");

		assertThat(this.masker.mask("a hunter2 b s3cr3t c hunter2")).isEqualTo("a **** b **** c ****");
	}

	@Test
	void masksALongerSecretWholeWhenItContainsAShorterOne() {
		this.masker.register("abc");
		this.masker.register("xxabcxx");

		assertThat(this.masker.mask("value=xxabcxx")).isEqualTo("value=****");
	}

	@Test
	void masksAShortValueOnlyWhereItStandsAlone() {
		this.masker.register("12");

		assertThat(this.masker.mask("min length '12', host 127.0.0.1, checksum 9512760, v=12"))
			.isEqualTo("min length '****', host 127.0.0.1, checksum 9512760, v=****");
	}

	@Test
	void masksASecretInEachFormItCanBePrintedIn() {
		this.masker.register("say \"hi\" it's\\me\nsecond-line");

		assertThat(this.masker.mask("json: say \\\"hi\\\" it's\\\\me\\nsecond-line")).isEqualTo("json: ****");
		assertThat(this.masker.mask("sql: 'say \"hi\" it''s\\me\nsecond-line'")).isEqualTo("sql: '****'");
		assertThat(this.masker.mask("logged a line at a time: say \"hi\" it's\\me")).isEqualTo("logged a line at a time: ****");
		assertThat(this.masker.mask("and: second-line")).isEqualTo("and: ****");
	}

	@Test
	void masksASecretAsPostgresqlPrintsItAsByteaInHex() {
		this.masker.register("Cu-s3cret");

		assertThat(this.masker.mask("default '\\x43752d733363726574'::bytea")).isEqualTo("default '****'::bytea");
		assertThat(this.masker.mask("within other bytes: \\x0043752d733363726574ff")).isEqualTo("within other bytes: \\x00****ff");
		assertThat(this.masker.mask("upper case: 43752D733363726574")).isEqualTo("upper case: ****");
	}

	@Test
	void masksASecretAsPostgresqlPrintsItAsByteaInTheEscapeFormat() {
		this.masker.register("caf\u00e9\\tab\tend");

		assertThat(this.masker.mask("bytea: 'caf\\303\\251\\\\tab\\011end'")).isEqualTo("bytea: '****'");
	}

	@Test
	void masksASecretWrittenInAnEscapeStringWithBackslashEscapesHexOrOctal() {
		this.masker.register("it's\\a\nsecret");

		assertThat(this.masker.mask("E'it\\'s\\\\a\\nsecret'")).isEqualTo("E'****'");
		assertThat(this.masker.mask("E'\\x69\\x74\\x27\\x73\\x5c\\x61\\x0a\\x73\\x65\\x63\\x72\\x65\\x74'")).isEqualTo("E'****'");
		assertThat(this.masker.mask("E'\\x69\\x74\\x27\\x73\\x5C\\x61\\x0A\\x73\\x65\\x63\\x72\\x65\\x74'")).isEqualTo("E'****'");
		assertThat(this.masker.mask("E'\\151\\164\\047\\163\\134\\141\\012\\163\\145\\143\\162\\145\\164'")).isEqualTo("E'****'");
	}

	@Test
	void masksASecretWithQuotesDoubledInALiteralAndInsideDollarQuotes() {
		this.masker.register("o'brien's-key");

		assertThat(this.masker.mask("DEFAULT 'o''brien''s-key'::text")).isEqualTo("DEFAULT '****'::text");
		assertThat(this.masker.mask("AS $$ SELECT 'o''brien''s-key' $$")).isEqualTo("AS $$ SELECT '****' $$");
		assertThat(this.masker.mask("AS $body$o'brien's-key$body$")).isEqualTo("AS $body$****$body$");
	}

	@Test
	void masksASecretJsonEscapedWithQuotesBackslashesAndUnicodeEscapes() {
		this.masker.register("q\"b\\\u00fcber\u0001");

		assertThat(this.masker.mask("{\"m\":\"q\\\"b\\\\\u00fcber\\u0001\"}")).isEqualTo("{\"m\":\"****\"}");
		assertThat(this.masker.mask("{\"m\":\"q\\\"b\\\\\\u00fcber\\u0001\"}")).isEqualTo("{\"m\":\"****\"}");
		assertThat(this.masker.mask("{\"m\":\"q\\\"b\\\\\\u00FCber\\u0001\"}")).isEqualTo("{\"m\":\"****\"}");
	}

	@Test
	void masksEveryFormTheLeakSuiteLooksFor() {
		String secret = "every-F0rm\"'\\\n\u00e9\tx";
		this.masker.register(secret);

		String afterTheQuote = secret.substring(secret.indexOf('\'') + 1);
		for (String form : SecretLeaks.formsOf(secret)) {
			// The piece after a quote is a secret's only where PostgreSQL names it as the place of a syntax error.
			String text = form.equals(afterTheQuote) ? "syntax error at or near \"" + form + "\"" : "<" + form + ">";
			assertThat(this.masker.mask(text)).as(form).doesNotContain(form);
		}
	}

	@Test
	void masksThePieceOfASecretThatPostgresqlNamesWhereAQuoteInItBrokeTheStatement() {
		this.masker.register("abc'defghij");

		assertThat(this.masker.mask("ERROR: syntax error at or near \"defghij\"")).isEqualTo("ERROR: syntax error at or near \"****\"");
		assertThat(this.masker.mask("ERROR: syntax error at or near \"SELECT\"")).isEqualTo("ERROR: syntax error at or near \"SELECT\"");
	}

	@Test
	void ignoresEmptyAndMissingValues() {
		this.masker.register("");
		this.masker.register(null);

		assertThat(this.masker.hasSecrets()).isFalse();
		assertThat(this.masker.mask("nothing to hide")).isEqualTo("nothing to hide");
	}

	@Test
	void theConsoleMasksASecretThatArrivesSplitAcrossWrites() {
		this.masker.register("split-secret-value");
		ByteArrayOutputStream target = new ByteArrayOutputStream();
		PrintStream console = new PrintStream(
				new MaskingConsole.MaskingOutputStream(target, this.masker, StandardCharsets.UTF_8), true,
				StandardCharsets.UTF_8);

		console.print("password: split-");
		console.flush();
		console.print("secret-value and more");
		console.println();
		console.print("no newline at the end: split-secret-value");
		console.close();

		assertThat(target.toString(StandardCharsets.UTF_8))
			.isEqualTo("password: **** and more\nno newline at the end: ****");
	}

}
