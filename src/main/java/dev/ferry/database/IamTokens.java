package dev.ferry.database;

/**
 * Makes IAM database authentication tokens: the password of a connection with {@code FERRY_DB_IAM_AUTH=true}.
 */
@FunctionalInterface
public interface IamTokens {

	String token(String host, int port, String username);

}
