package dev.ferry.session;

import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import org.springframework.util.StringUtils;

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
		String state = (this.state != null && this.stateAgeMs != null)
				? this.state + " for " + duration(this.stateAgeMs) : this.state;
		String details = Stream
			.of((this.user != null) ? this.user : "unknown user",
					StringUtils.hasLength(this.applicationName) ? "application \"" + this.applicationName + "\"" : null,
					state,
					(this.transactionAgeMs != null) ? "transaction open " + duration(this.transactionAgeMs) : null,
					(this.waitEvent != null) ? "itself waiting on " + this.waitEvent : null)
			.filter(Objects::nonNull)
			.collect(Collectors.joining(", "));
		String query = StringUtils.hasLength(this.query) ? ": \"" + this.query + "\"" : "";
		return "pid " + this.pid + " (" + details + query + ")";
	}

	private static String duration(long millis) {
		return (millis < 1000) ? millis + " ms" : (millis / 1000) + " s";
	}

}
