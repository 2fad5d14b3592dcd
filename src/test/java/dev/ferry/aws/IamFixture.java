package dev.ferry.aws;

import dev.ferry.testing.MotoServer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKey;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * An IAM user in a moto that enforces IAM, allowed to read one secret and nothing else. Exactly six calls run
 * before enforcement starts (the moto is started with {@code INITIAL_NO_AUTH_ACTION_COUNT=6}).
 */
final class IamFixture {

	private final MotoServer moto;

	private final AccessKey key;

	private IamFixture(MotoServer moto, AccessKey key) {
		this.moto = moto;
		this.key = key;
	}

	static IamFixture userAllowedToRead(MotoServer moto, String allowedSecretName) {
		try (IamClient iam = moto.client(IamClient.builder(), Region.AWS_GLOBAL)) {
			iam.createUser((r) -> r.userName("ferry-task"));
			AccessKey key = iam.createAccessKey((r) -> r.userName("ferry-task")).accessKey();
			String policy = """
					{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue",
					"Resource":"arn:aws:secretsmanager:*:*:secret:%s-*"}]}""".formatted(allowedSecretName);
			String arn = iam.createPolicy((r) -> r.policyName("ferry-read-one").policyDocument(policy)).policy().arn();
			iam.attachUserPolicy((r) -> r.userName("ferry-task").policyArn(arn));
			return new IamFixture(moto, key);
		}
	}

	String createSecret(String name, String value) {
		try (SecretsManagerClient secrets = this.moto.secretsManager()) {
			secrets.createSecret((r) -> r.name(name).secretString(value));
		}
		return name;
	}

	String accessKeyId() {
		return this.key.accessKeyId();
	}

	String secretAccessKey() {
		return this.key.secretAccessKey();
	}

}
