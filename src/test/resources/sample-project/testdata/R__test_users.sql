-- Test data: only dev and test get it (FERRY_TESTDATA_ENVIRONMENTS); prod never sees this folder.
-- Idempotent like reference data, so a rerun changes nothing.
INSERT INTO app.app_user (username, email) VALUES
    ('alice', 'alice@example.test'),
    ('bob', 'bob@example.test'),
    ('carol', 'carol@example.test')
ON CONFLICT (username) DO NOTHING;

INSERT INTO app.user_role (user_id, role_id)
SELECT u.id, r.id
FROM app.app_user u
JOIN app.role r ON r.code = CASE WHEN u.username = 'alice' THEN 'ADMIN' ELSE 'VIEWER' END
WHERE u.username IN ('alice', 'bob', 'carol')
ON CONFLICT DO NOTHING;
