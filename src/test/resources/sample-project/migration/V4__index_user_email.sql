-- flyway:executeInTransaction=false
-- Built without blocking writers. CONCURRENTLY cannot run inside a transaction; Flyway runs this script outside
-- one, and Ferry's session-level Flyway lock keeps it from waiting on itself.
CREATE INDEX CONCURRENTLY IF NOT EXISTS app_user_email_idx ON app.app_user (lower(email));
