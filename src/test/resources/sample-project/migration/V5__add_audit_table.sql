-- Who did what: written by the API, read by auditors.
CREATE TABLE app.audit_event (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL,
    detail      jsonb
);

GRANT SELECT, INSERT ON app.audit_event TO "${api_db_username}";
