-- Code sets: reference data that every environment shares (its rows live in R__code_set_values.sql).
CREATE TABLE app.code_set (
    code        text PRIMARY KEY,
    description text NOT NULL
);

CREATE TABLE app.code_value (
    code_set    text NOT NULL REFERENCES app.code_set (code),
    code        text NOT NULL,
    label       text NOT NULL,
    sort_order  integer NOT NULL DEFAULT 0,
    active      boolean NOT NULL DEFAULT true,
    PRIMARY KEY (code_set, code)
);

ALTER TABLE app.app_user ADD COLUMN status text NOT NULL DEFAULT 'ACTIVE';
