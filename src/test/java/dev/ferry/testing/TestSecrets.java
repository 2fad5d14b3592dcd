package dev.ferry.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * Secret values the tests hand to Ferry. None of them may ever appear in anything Ferry prints or writes.
 */
public final class TestSecrets {

	public static final String API_DB_USERNAME = "ferry_api";

	public static final String API_DB_PASSWORD = "Api-Pa55word-never-printed";

	public static final String OTHER_SECRET = "token-Zq81-never-printed";

	private TestSecrets() {
	}

	/** Every value that must not leak, including the test server's admin password when it has one. */
	public static List<String> all() {
		List<String> secrets = new ArrayList<>(List.of(API_DB_PASSWORD, OTHER_SECRET));
		String admin = PostgresServer.get().password();
		if (admin != null && admin.length() >= 8) {
			secrets.add(admin);
		}
		return secrets;
	}

}
