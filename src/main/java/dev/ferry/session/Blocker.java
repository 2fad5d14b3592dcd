package dev.ferry.session;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * A session that held a lock a migration waited for: whom the on-call engineer talks to.
 *
 * @param pid its backend process id ({@code 0} for a prepared transaction, which has no session)
 * @param user its database user
 * @param applicationName the application name it connected with
 * @param state its state, as {@code pg_stat_activity} says ({@code idle in transaction}, {@code active}, ...)
 * @param transactionAgeMs how long its transaction has been open, none outside a transaction
 * @param stateAgeMs how long it has been in that state
 * @param waitEvent what it waits for itself ({@code Lock:relation}), none when it does not wait
 * @param query the first line of its current or last query, secrets masked, cut short
 */
@JsonPropertyOrder({ "pid", "user", "applicationName", "state", "stateAgeMs", "transactionAgeMs", "waitEvent", "query" })
public record Blocker(int pid, String user, String applicationName, String state, Long transactionAgeMs,
		Long stateAgeMs, String waitEvent, String query) {

	/** One line: {@code pid 4242 (app_user, application "api", idle in transaction for 35 s, ...: "UPDATE ...")}. */
	public String label() {
		StringBuilder text = new StringBuilder("pid ").append(this.pid).append(" (");
		text.append((this.user != null) ? this.user : "unknown user");
		if (this.applicationName != null && !this.applicationName.isEmpty()) {
			text.append(", application \"").append(this.applicationName).append('"');
		}
		if (this.state != null) {
			text.append(", ").append(this.state);
			if (this.stateAgeMs != null) {
				text.append(" for ").append(duration(this.stateAgeMs));
			}
		}
		if (this.transactionAgeMs != null) {
			text.append(", transaction open ").append(duration(this.transactionAgeMs));
		}
		if (this.waitEvent != null) {
			text.append(", itself waiting on ").append(this.waitEvent);
		}
		if (this.query != null && !this.query.isEmpty()) {
			text.append(": \"").append(this.query).append('"');
		}
		return text.append(')').toString();
	}

	private static String duration(long millis) {
		return (millis < 1000) ? millis + " ms" : (millis / 1000) + " s";
	}

}
