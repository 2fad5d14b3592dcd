-- The access-management schema: applications, their roles, users and the roles granted to them.
CREATE SCHEMA IF NOT EXISTS app;

CREATE TABLE app.application (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app.role (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id  bigint NOT NULL REFERENCES app.application (id),
    code            text NOT NULL,
    description     text NOT NULL,
    UNIQUE (application_id, code)
);

CREATE TABLE app.app_user (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username    text NOT NULL UNIQUE,
    email       text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app.user_role (
    user_id     bigint NOT NULL REFERENCES app.app_user (id),
    role_id     bigint NOT NULL REFERENCES app.role (id),
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, role_id)
);

CREATE INDEX user_role_role_id_idx ON app.user_role (role_id);
