package dev.ferry.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.testing.AuroraCloneStandIn;
import dev.ferry.testing.CatalogDump;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.FerryRun;
import dev.ferry.testing.MotoServer;
import dev.ferry.testing.PostgresServer;
import dev.ferry.testing.Scripts;
import dev.ferry.testing.SqlQueries;
import dev.ferry.testing.TestDatabase;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM wherever it lands outside a migration's statement (SigtermDuringMigrationTest has those): in the drift
 * check, in the drift record's write and its wait for the record's lock, in the snapshot wait, in the rehearsal and
 * in a plan, and with any FERRY_STOP_TIMEOUT. Each ends with exit 11, a report that records the stop, and nothing of
 * Ferry's on the server: no session, no advisory lock. The moment is found on the server, from pg_stat_activity
 * (the backend's wait), or from what Ferry asked of RDS.
 */
@Tag("fault")
@ExtendWith(FaultLedger.class)
class SigtermEverywhereTest {

	private static final FaultLedger.Scenario scenario = FaultLedger.scenario(9,
			"SIGTERM in drift, record, snapshot, rehearsal and plan");

	/** What the whole stop may take here; ECS sends SIGKILL 30 s after SIGTERM. */
	private static final Duration STOP_BOUND = Duration.ofSeconds(10);

	/** "Ferr" and the record's table: the drift record's advisory lock. */
	private static final String RECORD_LOCK = "pg_advisory_lock(1181053554, hashtext('ferry:\"public\".\"ferry_catalog_record\"'))";

	private static final String WAITING_ON_A_LOCK = "application_name = 'ferry' AND wait_event_type = 'Lock'";

	@TempDir
	Path folder;

	@Test
	@Timeout(120)
	void sigtermWhileTheDriftRecordWaitsForItsLockExits11WithAReportAndLeavesNoSessionBehind() throws Exception {
		stopInTheRecordsLockWait("20s");
	}

	@Test
	@Timeout(120)
	void aStopTimeoutOfZeroStillWritesTheReportAndLeavesNoSessionBehind() throws Exception {
		stopInTheRecordsLockWait("0");
	}

	@Test
	@Timeout(120)
	void aStopTimeoutOfZeroMidStatementStillWritesTheReportAndLeavesNoSessionBehind() throws Exception {
		Database database = withV1Applied("fault_stop_zero");
		try {
			Scripts.in(this.folder).write("V2__more.sql", "CREATE TABLE more (id int);\nSELECT pg_sleep(60);\n");
			FerryProcess.Started started = ferry(database).env("FERRY_STOP_TIMEOUT", "0").start();
			database.awaitActive("pg_sleep", Duration.ofSeconds(60));
			FerryRun stopped = sigterm(started);

			assertReportedTheStop(stopped);
			assertNothingLeft(database);
			assertThat(database.history(CatalogDump.HISTORY_TABLE)).as("V2 rolled back").containsExactly("1:true");
			assertThat(database.tableExists("public.more")).isFalse();
			scenario.converged.incrementAndGet();
		}
		finally {
			database.drop();
		}
	}

	@Test
	@Timeout(120)
	void sigtermWhileTheDriftCheckWaitsOnALockedRecordExits11AppliesNothingAndLeavesNoSession() throws Exception {
		Database database = withV1Applied("fault_stop_check");
		try (Connection locker = database.connect()) {
			locker.setAutoCommit(false);
			locker.createStatement().execute("LOCK TABLE public.ferry_catalog_record IN ACCESS EXCLUSIVE MODE");
			FerryProcess.Started started = ferry(database).env("FERRY_LOCK_TIMEOUT", "60s").start();
			database.awaitSession(WAITING_ON_A_LOCK + " AND query LIKE '%ferry_catalog_record%'",
					Duration.ofSeconds(60));
			FerryRun stopped = sigterm(started);

			assertReportedTheStop(stopped);
			assertThat(ferrySessions(database)).as("Ferry's sessions while the record is still locked").isEmpty();
			locker.rollback();
			assertThat(database.history(CatalogDump.HISTORY_TABLE)).as("V2 was not applied").containsExactly("1:true");
			assertNothingLeft(database);
			scenario.converged.incrementAndGet();
		}
		finally {
			database.drop();
		}
	}

	@Test
	@Timeout(120)
	void sigtermDuringAPlanExits11WithAReportAndLeavesNoSession() throws Exception {
		Database database = withV1Applied("fault_stop_plan");
		try (Connection locker = database.connect()) {
			locker.setAutoCommit(false);
			locker.createStatement()
				.execute("LOCK TABLE public." + CatalogDump.HISTORY_TABLE + " IN ACCESS EXCLUSIVE MODE");
			FerryProcess.Started started = ferry(database).env("FERRY_LOCK_TIMEOUT", "60s").start("plan");
			database.awaitSession(WAITING_ON_A_LOCK + " AND query LIKE '%" + CatalogDump.HISTORY_TABLE + "%'",
					Duration.ofSeconds(60));
			FerryRun stopped = sigterm(started);

			assertReportedTheStop(stopped);
			assertThat(stopped.<String>report("$.command")).isEqualTo("plan");
			assertThat(ferrySessions(database)).as("Ferry's sessions while the history is still locked").isEmpty();
			locker.rollback();
			assertNothingLeft(database);
			scenario.converged.incrementAndGet();
		}
		finally {
			database.drop();
		}
	}

	@Test
	@Timeout(120)
	void sigtermWhileWaitingForTheSnapshotExits11AppliesNothingAndLeavesNoSession() throws Exception {
		MotoServer moto = MotoServer.get();
		RdsClient rds = moto.rds();
		String cluster = "aurora-" + UUID.randomUUID().toString().substring(0, 8);
		MotoServer.createAuroraCluster(rds, cluster, null);
		Database database = withV1Applied("fault_stop_snapshot");
		try (SnapshotsStayCreating rdsProxy = new SnapshotsStayCreating(moto.endpoint())) {
			FerryProcess.Started started = ferry(database).aws(moto)
				.env("AWS_ENDPOINT_URL", rdsProxy.endpoint())
				.env("FERRY_ENVIRONMENT", "dev")
				.env("FERRY_SNAPSHOT_CLUSTER_ID", cluster)
				.start();
			rdsProxy.awaitPolled(Duration.ofSeconds(60));
			FerryRun stopped = sigterm(started);

			assertReportedTheStop(stopped);
			assertThat(database.history(CatalogDump.HISTORY_TABLE)).as("nothing applied without the snapshot")
				.containsExactly("1:true");
			assertNothingLeft(database);
			scenario.converged.incrementAndGet();
		}
		finally {
			database.drop();
		}
	}

	@Test
	@Timeout(120)
	void sigtermDuringTheRehearsalExits11WithAReportAndLeavesNoSessionOnTheCloneOrProduction() throws Exception {
		MotoServer moto = MotoServer.get();
		RdsClient rds = moto.rds();
		TestDatabase production = PostgresServer.get().createDatabase();
		String cluster = "aurora-" + UUID.randomUUID().toString().substring(0, 8);
		String environment = "prod-" + UUID.randomUUID().toString().substring(0, 6);
		try (AuroraCloneStandIn clone = new AuroraCloneStandIn(production, rds, this.folder.resolve("hosts"))) {
			MotoServer.createAuroraCluster(rds, cluster, clone.port());
			Scripts scripts = Scripts.in(this.folder.resolve("db"));
			scripts.folder().toFile().mkdirs();
			scripts.write("V1__slow.sql", "CREATE TABLE slow (id int);\nSELECT pg_sleep(30);");
			clone.copyProduction();
			FerryProcess.Started started = FerryProcess.against(production)
				.aws(moto)
				.locations(scripts.folder())
				.env("FERRY_ENVIRONMENT", environment)
				.env("FERRY_DB_SSL_MODE", "prefer")
				.env("FERRY_REHEARSE", "clone")
				.env("FERRY_REHEARSAL_CLUSTER_ID", cluster)
				.systemProperty("jdk.net.hosts.file", clone.hostsFile().toString())
				.systemProperty("sun.net.inetaddr.negative.ttl", "0")
				.start();
			clone.copy().awaitActive("pg_sleep(30)", Duration.ofSeconds(60));
			FerryRun stopped = sigterm(started);

			assertReportedTheStop(stopped);
			assertThat(stopped.<Boolean>report("$.rehearsal.passed")).isFalse();
			assertThat(ferrySessionsAfter(clone.copy(), Duration.ofSeconds(2))).as("on the clone").isEmpty();
			assertThat(ferrySessionsAfter(production, Duration.ofSeconds(2))).as("on production").isEmpty();
			assertThat(rds.describeDBClusters().dbClusters().stream().map(DBCluster::dbClusterIdentifier))
				.as("the clone is deleted").noneMatch((id) -> id.startsWith("ferry-rehearsal-" + environment));
			scenario.converged.incrementAndGet();
		}
		finally {
			production.drop();
		}
	}

	/** The migration succeeded; its drift record waits for the lock another session holds, and the stop comes. */
	private void stopInTheRecordsLockWait(String stopTimeout) throws Exception {
		Database database = withV1Applied("fault_stop_record");
		try (Connection otherRunner = database.connect()) {
			otherRunner.createStatement().execute("SELECT " + RECORD_LOCK);
			FerryProcess.Started started = ferry(database).env("FERRY_LOCK_TIMEOUT", "60s")
				.env("FERRY_STOP_TIMEOUT", stopTimeout)
				.start();
			database.awaitSession(WAITING_ON_A_LOCK + " AND query LIKE 'SELECT pg_advisory_lock(%'",
					Duration.ofSeconds(60));
			FerryRun stopped = sigterm(started);

			assertReportedTheStop(stopped);
			// Right after the process ended, while the other session still holds the lock Ferry waited for.
			assertThat(ferrySessions(database)).as("Ferry's sessions right after it ended").isEmpty();
			assertThat(database.history(CatalogDump.HISTORY_TABLE)).as("V2 committed before the stop")
				.containsExactly("1:true", "2:true");
			otherRunner.createStatement().execute("SELECT pg_advisory_unlock_all()");
			assertNothingLeft(database);
			FerryRun rerun = scenario.check(ferry(database).run());
			assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
			assertThat(rerun.output()).as("the record of V1 is stale, not drift").doesNotContain("Drift: ");
			scenario.converged.incrementAndGet();
		}
		finally {
			database.drop();
		}
	}

	private static FerryRun sigterm(FerryProcess.Started started) {
		scenario.trials.incrementAndGet();
		return scenario.sigterm(started, STOP_BOUND);
	}

	private static void assertReportedTheStop(FerryRun stopped) {
		assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(11);
		assertThat(stopped.output()).contains("SIGTERM: stopping the run")
			.contains("Ferry failed (exit 11, stopped by SIGTERM): stopped by SIGTERM");
		assertThat(stopped.<String>report("$.outcome")).isEqualTo("failed");
		assertThat(stopped.<Integer>report("$.exitCode")).isEqualTo(11);
		assertThat(stopped.<String>report("$.error.status")).isEqualTo("stopped by SIGTERM");
		assertThat(stopped.summary()).contains("exit code 11");
	}

	private static void assertNothingLeft(Database database) throws InterruptedException {
		assertThat(database.ferryLeftoversAfter(Duration.ofSeconds(2))).as("Ferry's sessions and locks on the server")
			.isEmpty();
	}

	private static List<String> ferrySessions(SqlQueries database) {
		return database.column("SELECT pid || ' ' || state || ' ' || coalesce(wait_event, '') || ': ' || query FROM"
				+ " pg_stat_activity WHERE datname = current_database() AND application_name = 'ferry'");
	}

	private static List<String> ferrySessionsAfter(SqlQueries database, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		List<String> left = ferrySessions(database);
		while (!left.isEmpty() && System.nanoTime() < deadline) {
			Thread.sleep(100);
			left = ferrySessions(database);
		}
		return left;
	}

	/** V1 applied and recorded by a first run, as in production; V2 pending. */
	private Database withV1Applied(String prefix) {
		Scripts.in(this.folder)
			.write("V1__ledger.sql", "CREATE TABLE ledger (id int PRIMARY KEY);\nINSERT INTO ledger VALUES (1);\n")
			.write("V2__more.sql", "CREATE TABLE more (id int);\n");
		Database database = Database.create(prefix);
		FerryRun first = scenario.check(ferry(database).env("FLYWAY_TARGET", "1").run());
		assertThat(first.exitCode()).as(first.toString()).isZero();
		assertThat(database.tableExists("public.ferry_catalog_record")).as("the drift record").isTrue();
		return database;
	}

	private FerryProcess ferry(Database database) {
		return database.ferry().locations(this.folder);
	}

	/**
	 * RDS in moto, where every cluster snapshot stays "creating": moto makes them available at once. The SDK's waiter
	 * then sleeps between its polls, and the stop lands there.
	 */
	private static final class SnapshotsStayCreating implements AutoCloseable {

		private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "connection", "expect",
				"upgrade", "transfer-encoding");

		private final HttpServer server;

		private final HttpClient client = HttpClient.newHttpClient();

		private final AtomicInteger polls = new AtomicInteger();

		SnapshotsStayCreating(String moto) throws IOException {
			this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
			this.server.createContext("/", (exchange) -> forward(exchange, moto));
			this.server.start();
		}

		String endpoint() {
			return "http://127.0.0.1:" + this.server.getAddress().getPort();
		}

		void awaitPolled(Duration timeout) throws InterruptedException {
			long deadline = System.nanoTime() + timeout.toNanos();
			while (this.polls.get() == 0) {
				assertThat(System.nanoTime()).as("Ferry asked for its snapshot's status").isLessThan(deadline);
				Thread.sleep(50);
			}
			// Into the waiter's sleep before its next poll.
			Thread.sleep(300);
		}

		private void forward(HttpExchange exchange, String moto) throws IOException {
			try (exchange; InputStream in = exchange.getRequestBody()) {
				byte[] body = in.readAllBytes();
				HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(moto + exchange.getRequestURI()))
					.method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
				exchange.getRequestHeaders().forEach((name, values) -> {
					if (!NOT_FORWARDED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
						values.forEach((value) -> request.header(name, value));
					}
				});
				HttpResponse<String> response = this.client.send(request.build(),
						HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
				String answer = response.body();
				if (answer.contains("DescribeDBClusterSnapshotsResult")) {
					this.polls.incrementAndGet();
					answer = answer.replace("<Status>available</Status>", "<Status>creating</Status>");
				}
				byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
				response.headers().firstValue("content-type")
					.ifPresent((type) -> exchange.getResponseHeaders().set("Content-Type", type));
				exchange.sendResponseHeaders(response.statusCode(), (bytes.length == 0) ? -1 : bytes.length);
				if (bytes.length > 0) {
					try (OutputStream out = exchange.getResponseBody()) {
						out.write(bytes);
					}
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		@Override
		public void close() {
			this.server.stop(0);
		}

	}

}
