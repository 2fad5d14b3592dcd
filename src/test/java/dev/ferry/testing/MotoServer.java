package dev.ferry.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * {@code moto_server}, the AWS API emulator, on a loopback port of its own, for real SDK calls over HTTP. Started
 * once per JVM (or once per {@link #startExtra}) and stopped with it. Where moto is not installed the AWS tests
 * are skipped, unless {@code FERRY_TEST_REQUIRE_MOTO=true} (as in CI) makes that a failure.
 */
public final class MotoServer {

	public static final String REGION = "eu-west-1";

	private static MotoServer shared;

	private final String endpoint;

	private MotoServer(String endpoint) {
		this.endpoint = endpoint;
	}

	public static synchronized MotoServer get() {
		if (shared == null) {
			shared = start(Map.of());
		}
		return shared;
	}

	/** Another moto with its own state and environment, such as IAM enforcement. */
	public static MotoServer startExtra(Map<String, String> environment) {
		return start(environment);
	}

	private static MotoServer start(Map<String, String> environment) {
		String executable = findExecutable();
		if (executable == null) {
			if (Boolean.parseBoolean(System.getenv("FERRY_TEST_REQUIRE_MOTO"))) {
				throw new IllegalStateException("moto_server is not on the PATH");
			}
			Assumptions.abort("moto_server is not installed: AWS tests skipped");
		}
		try {
			int port = LoopbackPorts.unused();
			Path log = Files.createTempFile("moto", ".log");
			ProcessBuilder builder = new ProcessBuilder(executable, "-H", "127.0.0.1", "-p", String.valueOf(port))
				.redirectErrorStream(true)
				.redirectOutput(log.toFile());
			builder.environment().putAll(environment);
			Process process = builder.start();
			Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
			String endpoint = "http://127.0.0.1:" + port;
			HttpClient http = HttpClient.newHttpClient();
			long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
			while (true) {
				try {
					http.send(HttpRequest.newBuilder(URI.create(endpoint + "/moto-api/")).build(),
							HttpResponse.BodyHandlers.discarding());
					return new MotoServer(endpoint);
				}
				catch (IOException ex) {
					if (System.nanoTime() > deadline || !process.isAlive()) {
						throw new IllegalStateException("moto_server did not start: " + Files.readString(log), ex);
					}
					Thread.sleep(200);
				}
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static String findExecutable() {
		String path = System.getenv("PATH");
		if (path == null) {
			return null;
		}
		for (String dir : path.split(java.io.File.pathSeparator)) {
			Path candidate = Path.of(dir, "moto_server");
			if (Files.isExecutable(candidate)) {
				return candidate.toString();
			}
		}
		return null;
	}

	public String endpoint() {
		return this.endpoint;
	}

	/** The environment that points Ferry's SDK at this moto, with dummy credentials. */
	public Map<String, String> environment() {
		return environment("test", "test");
	}

	public Map<String, String> environment(String accessKey, String secretKey) {
		Map<String, String> env = new HashMap<>();
		env.put("AWS_ENDPOINT_URL", this.endpoint);
		env.put("AWS_REGION", REGION);
		env.put("AWS_ACCESS_KEY_ID", accessKey);
		env.put("AWS_SECRET_ACCESS_KEY", secretKey);
		env.put("AWS_EC2_METADATA_DISABLED", "true");
		return env;
	}

	public SecretsManagerClient secretsManager() {
		return client(SecretsManagerClient.builder(), Region.of(REGION));
	}

	/** Creates an Aurora PostgreSQL cluster in moto, its endpoint at this port (moto's default where null). */
	public static void createAuroraCluster(RdsClient rds, String id, Integer port) {
		rds.createDBCluster((r) -> r.dbClusterIdentifier(id)
			.engine("aurora-postgresql")
			.port(port)
			.masterUsername("admin_user")
			.masterUserPassword("moto-only-password"));
	}

	/** When the lease on a rehearsal clone runs out: its {@code ferry:lease-until} tag. */
	public static Instant leaseOf(RdsClient rds, String clusterId) {
		return rds.describeDBClusters((r) -> r.dbClusterIdentifier(clusterId))
			.dbClusters()
			.get(0)
			.tagList()
			.stream()
			.filter((tag) -> tag.key().equals("ferry:lease-until"))
			.map((tag) -> Instant.parse(tag.value()))
			.findFirst()
			.orElseThrow(() -> new AssertionError(clusterId + " has no ferry:lease-until tag"));
	}

	public RdsClient rds() {
		return client(RdsClient.builder(), Region.of(REGION));
	}

	/** A client of this moto with the dummy credentials. */
	public <B extends AwsClientBuilder<B, C>, C> C client(B builder, Region region) {
		return builder.endpointOverride(URI.create(this.endpoint))
			.region(region)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
			.build();
	}

}
