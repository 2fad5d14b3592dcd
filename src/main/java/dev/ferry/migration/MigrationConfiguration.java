package dev.ferry.migration;

import dev.ferry.session.BlockingSessions;
import dev.ferry.session.SessionWatcher;
import dev.ferry.stop.GracefulStop;

import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Wires Ferry into Spring Boot's Flyway auto-configuration: Boot builds the {@code Flyway} from
 * {@code spring.flyway.*}, Ferry's customizer adds its settings, and Ferry's runner runs the command.
 */
@Configuration(proxyBeanMethods = false)
class MigrationConfiguration {

	/** Ferry runs the command itself, after its own checks, instead of Boot migrating at start-up. */
	@Bean
	FlywayMigrationStrategy deferredMigration() {
		return (flyway) -> {
		};
	}

	@Bean
	GracefulStop gracefulStop() {
		return GracefulStop.jvm();
	}

	/** First of Ferry's callbacks, so that it watches also what the others do before a migration (an index drop). */
	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	SessionWatcher sessionWatcher(GracefulStop stop, BlockingSessions blockers) {
		return new SessionWatcher(stop, blockers);
	}

	@Bean
	InvalidIndexCleanup invalidIndexCleanup() {
		return new InvalidIndexCleanup();
	}

}
