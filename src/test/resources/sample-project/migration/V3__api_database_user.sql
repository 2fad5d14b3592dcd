-- The API's own database user: least privilege, data access only. Its name and password are placeholders
-- (FERRY_PLACEHOLDER_api_db_username / _password, or FERRY_PLACEHOLDER_SECRETS=api_db=<secret>).
-- Roles are cluster-wide, so the script creates the role only where it does not exist yet and otherwise sets
-- its password: the same script is right for a fresh cluster and for a second database in an existing one.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${api_db_username}') THEN
        CREATE ROLE "${api_db_username}" LOGIN PASSWORD '${api_db_password}';
    ELSE
        ALTER ROLE "${api_db_username}" LOGIN PASSWORD '${api_db_password}';
    END IF;
END
$$;

GRANT CONNECT ON DATABASE "${flyway:database}" TO "${api_db_username}";
GRANT USAGE ON SCHEMA app TO "${api_db_username}";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA app TO "${api_db_username}";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA app TO "${api_db_username}";
-- Tables that later migrations create get the same grants without each script repeating them.
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "${api_db_username}";
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT USAGE, SELECT ON SEQUENCES TO "${api_db_username}";
