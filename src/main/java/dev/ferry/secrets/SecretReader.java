package dev.ferry.secrets;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

import org.springframework.boot.json.JsonParserFactory;
import org.springframework.stereotype.Component;

/**
 * Reads secrets from AWS Secrets Manager, always their current version, so a rotated secret just works. A secret's
 * whole text is registered with the masker before it is handed out; failures name the secret and the key, never a
 * value. The client, its credentials and region come from Spring Cloud AWS's auto-configuration (the SDK's default
 * chains; {@code AWS_ENDPOINT_URL} and {@code spring.cloud.aws.*} are honoured), made only when a run reads a secret.
 */
@Component
public record SecretReader(SecretsManagerClient client, SecretMasker masker) {

	/** The secret's text, plain or JSON. */
	public String read(String secretId) {
		GetSecretValueResponse response;
		try {
			response = this.client.getSecretValue((request) -> request.secretId(secretId));
		}
		catch (ResourceNotFoundException ex) {
			throw failure(secretId, "not found", ex);
		}
		catch (SecretsManagerException ex) {
			String code = (ex.awsErrorDetails() != null) ? ex.awsErrorDetails().errorCode() : null;
			String reason = ("AccessDeniedException".equals(code) || ex.statusCode() == 403) ? "access denied"
					: (code != null) ? code : "could not be read";
			throw failure(secretId, reason + " (" + ex.getClass().getSimpleName() + ", HTTP " + ex.statusCode() + ")",
					ex);
		}
		catch (SdkException ex) {
			throw failure(secretId, "Secrets Manager not reachable: " + ex.getMessage(), ex);
		}
		String text = (response.secretString() != null) ? response.secretString()
				: (response.secretBinary() != null) ? response.secretBinary().asUtf8String() : null;
		if (text == null) {
			throw failure(secretId, "has no value", null);
		}
		this.masker.register(text);
		return text;
	}

	/**
	 * The keys and values of a secret's text; a text that is not a JSON object fails. Which of them are secret is the caller's to say: an admin secret's
	 * host is not, its password is.
	 */
	public Map<String, String> parseJson(String secretId, String text) {
		if (!text.trim().startsWith("{")) {
			throw failure(secretId, "is not JSON, so it has no keys", null);
		}
		try {
			Map<String, String> values = new LinkedHashMap<>();
			JsonParserFactory.getJsonParser().parseMap(text).forEach((key, value) -> {
				if (value != null) {
					values.put(key, String.valueOf(value));
				}
			});
			return values;
		}
		catch (IllegalArgumentException ex) {
			throw failure(secretId, "is not valid JSON", null);
		}
	}

	/** A failure to read a secret: exit 3, naming the secret and what is wrong. */
	public static FerryException failure(String secretId, String reason, Throwable cause) {
		// The SDK's message names the secret and the request, never its value; drop the cause all the same.
		return new FerryException(ExitStatus.SECRET_UNREADABLE, "secret " + secretId + " " + reason,
				(cause != null) ? new IllegalStateException(cause.getClass().getName()) : null);
	}

}
