package dev.ferry.database;

import javax.sql.DataSource;

/**
 * Ferry's connection settings (database name, credentials, TLS, timeouts, IAM authentication) at the configured
 * endpoint, or at another endpoint that serves the same data: an Aurora clone of the cluster, whose users and
 * passwords are the cluster's own.
 */
@FunctionalInterface
public interface EndpointDataSources {

	/**
	 * @param host the host, null for the configured host and port
	 * @param port the port
	 * @return a DataSource for the endpoint
	 */
	DataSource at(String host, int port);

}
