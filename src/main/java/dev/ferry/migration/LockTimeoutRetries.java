package dev.ferry.migration;

import java.time.Duration;

import dev.ferry.config.FerryProperties;
import dev.ferry.failure.ExitStatus;
import dev.ferry.failure.FerryException;
import dev.ferry.failure.FlywayFailures;
import dev.ferry.secrets.SecretMasker;
import dev.ferry.session.BlockingSessions;
import dev.ferry.stop.GracefulStop;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

import org.springframework.stereotype.Component;

/**
 * Runs Flyway's migrate, and again with a growing pause when a migration hit {@code lock_timeout}: its transaction
 * was rolled back, so the next try starts from the same place. A lock timeout is a busy application, not a broken
 * script; after the last try it is exit 7.
 */
@Component
public record LockTimeoutRetries(Flyway flyway, FerryProperties properties, SecretMasker masker, GracefulStop stop,
		InvalidIndexCleanup indexes, BlockingSessions blockers) {

	private static final Log logger = LogFactory.getLog(LockTimeoutRetries.class);

	public void migrate() {
		Duration delay = this.properties.lockRetryDelay();
		int tries = this.properties.lockRetries() + 1;
		for (int attempt = 1;; attempt++) {
			try {
				this.flyway.migrate();
				return;
			}
			catch (FlywayException ex) {
				boolean cutShort = FlywayFailures.isLockTimeout(ex) || this.stop.requested();
				if (cutShort && this.indexes.failedOutsideTransaction()) {
					removeFailedRow();
				}
				if (!FlywayFailures.isLockTimeout(ex) || this.stop.requested()) {
					throw ex;
				}
				String blockedBy = BlockingSessions.describe(this.blockers.ofFailedMigration());
				if (attempt >= tries) {
					throw new FerryException(ExitStatus.LOCK_TIMEOUT,
							this.masker.mask("lock_timeout (" + this.properties.lockTimeout().toMillis() + " ms) hit "
									+ tries + " times; another session holds a lock the migration needs"
									+ (blockedBy.isEmpty() ? "" : ", " + blockedBy) + ": "
									+ FlywayFailures.firstLine(ex.getMessage())),
							FlywayFailures.masked(ex, this.masker::mask));
				}
				logger.warn(this.masker.mask("Lock timeout (try " + attempt + " of " + tries + "), retrying in "
						+ delay.toMillis() + " ms: another session holds a lock the migration needs"
						+ (blockedBy.isEmpty() ? "" : ", " + blockedBy)));
				sleep(delay);
				delay = delay.multipliedBy(2);
			}
		}
	}

	/**
	 * A migration outside a transaction that was cut short by a lock timeout or a stop left a failed history row,
	 * which would make every later run fail validation. Nothing is wrong with the script: remove the row the way
	 * Flyway's own repair does, so that the retry or the next run applies it again (its invalid index is dropped by
	 * {@link InvalidIndexCleanup}).
	 */
	private void removeFailedRow() {
		try {
			this.flyway.repair();
			logger.warn("Removed the failed history row of the migration that ran outside a transaction (Flyway's"
					+ " repair), so that it is applied again");
		}
		catch (FlywayException ex) {
			logger.warn("Could not remove the failed history row (" + this.masker.mask(FlywayFailures.firstLine(
					ex.getMessage())) + "); run the repair command before the next migrate");
		}
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new FerryException(ExitStatus.LOCK_TIMEOUT, "interrupted while waiting to retry a lock timeout");
		}
	}

}
