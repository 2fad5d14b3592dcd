package dev.ferry.testing.javamigration;

import java.sql.Statement;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * A Java migration, as a Flyway project may have beside its SQL scripts: Ferry finds it through the location
 * {@code classpath:dev/ferry/testing/javamigration} when the test classes are on its classpath.
 */
public class V10__java_table extends BaseJavaMigration {

	public static final String LOCATION = "classpath:dev/ferry/testing/javamigration";

	@Override
	public void migrate(Context context) throws Exception {
		try (Statement statement = context.getConnection().createStatement()) {
			statement.execute("CREATE TABLE made_by_java (id int PRIMARY KEY)");
			statement.execute("INSERT INTO made_by_java VALUES (10)");
		}
	}

}
