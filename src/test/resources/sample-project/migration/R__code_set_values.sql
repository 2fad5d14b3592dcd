-- Reference data as desired state: edit the rows here and the next run upserts them (Flyway reruns a
-- repeatable script whenever its checksum changes). Rows removed here are deactivated, not deleted, because
-- other rows may point at them.
INSERT INTO app.code_set (code, description) VALUES
    ('USER_STATUS', 'Lifecycle state of a user account'),
    ('AUDIT_ACTION', 'Kinds of audited actions')
ON CONFLICT (code) DO UPDATE SET description = EXCLUDED.description;

CREATE TEMPORARY TABLE desired_code_value (code_set text, code text, label text, sort_order integer) ON COMMIT DROP;
INSERT INTO desired_code_value (code_set, code, label, sort_order) VALUES
    ('USER_STATUS', 'ACTIVE', 'Active', 10),
    ('USER_STATUS', 'SUSPENDED', 'Suspended', 20),
    ('USER_STATUS', 'CLOSED', 'Closed', 30),
    ('AUDIT_ACTION', 'LOGIN', 'Signed in', 10),
    ('AUDIT_ACTION', 'ROLE_GRANTED', 'Role granted', 20),
    ('AUDIT_ACTION', 'ROLE_REVOKED', 'Role revoked', 30);

INSERT INTO app.code_value (code_set, code, label, sort_order, active)
SELECT code_set, code, label, sort_order, true FROM desired_code_value
ON CONFLICT (code_set, code) DO UPDATE
    SET label = EXCLUDED.label, sort_order = EXCLUDED.sort_order, active = true;

UPDATE app.code_value v SET active = false
WHERE v.active AND NOT EXISTS (
    SELECT FROM desired_code_value d WHERE d.code_set = v.code_set AND d.code = v.code);

INSERT INTO app.application (code, name) VALUES ('ACCESS', 'Access management')
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name;

INSERT INTO app.role (application_id, code, description)
SELECT a.id, r.code, r.description
FROM app.application a
CROSS JOIN (VALUES ('ADMIN', 'Administers users and roles'),
                   ('VIEWER', 'Reads users and roles')) AS r (code, description)
WHERE a.code = 'ACCESS'
ON CONFLICT (application_id, code) DO UPDATE SET description = EXCLUDED.description;
