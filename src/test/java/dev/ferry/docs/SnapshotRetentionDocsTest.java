package dev.ferry.docs;

import dev.ferry.snapshot.PreMigrationSnapshot;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** README says how long a snapshot can be in flight before it counts as a killed run's, from the one constant. */
@Tag("unit")
class SnapshotRetentionDocsTest {

	@Test
	void readmeStatesHowLongASnapshotCanBeInFlight() {
		GeneratedSection.in("README.md", "snapshot-in-flight")
			.assertUpToDate("A snapshot still tagged `ferry:run=in-flight` " + PreMigrationSnapshot.IN_FLIGHT_AT_MOST.toHours()
					+ " hours after it was taken is a killed run's (kill -9, a lost host),\nand counts as finished.\n");
	}

}
