#!/usr/bin/env python3
"""Ferry's benchmark: Ferry, Flyway's command line, dbmate and psql side by side on one PostgreSQL.

Started by bench/run.sh, which builds what is measured, starts a throwaway PostgreSQL and passes everything in
as options. Prints the machine and one Markdown table of medians, and writes the same to --out.

Each measured process is started under GNU time (/usr/bin/time), a tiny launcher: a process forked from this
Python inherits its resident set into ru_maxrss, so the peak RSS reported is the one GNU time reads from wait4()
of its own child. Wall time is taken here around the launch; CPU seconds are user+sys from os.wait4() of the
launcher, which includes its child (GNU time's own share is about a millisecond).

Exit codes: 0 done, 1 a run failed or a check did not hold, 2 bad usage.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
USER = "postgres"
FLYWAY_HISTORY = "flyway_schema_history"


class BenchError(Exception):
    pass


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# Migration sets
# ---------------------------------------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


@dataclass
class MigrationSet:
    """One project in four shapes: Flyway's folder (with ${placeholders}), dbmate's folder and psql's single file
    (both with the placeholders substituted), and a DDL prologue dbmate and psql need where Flyway creates the
    schemas itself (schemas=flyway,app)."""
    name: str
    flyway_dir: Path
    dbmate_dir: Path
    psql_file: Path
    count: int                      # migrations Flyway applies (versioned + repeatable)
    history_table: str              # where Flyway's history lands, schema-qualified
    schemas: str | None             # Flyway's schemas setting, or None for the default (public)
    object_schema: str              # the schema whose objects are compared after an apply
    placeholders: dict = field(default_factory=dict)


def substitute(sql, values):
    def repl(m):
        if m.group(1) not in values:
            raise BenchError(f"placeholder ${{{m.group(1)}}} has no value")
        return values[m.group(1)]
    return PLACEHOLDER.sub(repl, sql)


def write_set(root, name, files, placeholders, history_table, schemas, object_schema, prologue=None):
    """files: [(flyway file name, sql)] in the order they apply. Writes the three shapes under root/name."""
    base = root / name
    flyway_dir, dbmate_dir = base / "flyway", base / "dbmate"
    for d in (flyway_dir, dbmate_dir):
        d.mkdir(parents=True, exist_ok=True)
    chunks = []
    n = 0
    if prologue:
        n += 1
        (dbmate_dir / f"{n:05d}_prologue.sql").write_text(f"-- migrate:up\n{prologue}\n-- migrate:down\n")
        chunks.append(prologue)
    for fname, sql in files:
        (flyway_dir / fname).write_text(sql)
        plain = substitute(sql, placeholders)
        n += 1
        desc = re.sub(r"^(V\d+|R)__", "", fname)[:-4]
        (dbmate_dir / f"{n:05d}_{desc}.sql").write_text(f"-- migrate:up\n{plain}\n-- migrate:down\n")
        chunks.append(f"-- {fname}\n{plain}")
    psql_file = base / "all.sql"
    psql_file.write_text("\n".join(chunks))
    return MigrationSet(name, flyway_dir, dbmate_dir, psql_file, len(files), history_table, schemas,
                        object_schema, placeholders)


def small_files(count):
    """count small migrations: a table and a row each."""
    return [(f"V{i}__small_{i}.sql",
             f"CREATE TABLE t_{i:05d} (id integer PRIMARY KEY, name text NOT NULL);\n"
             f"INSERT INTO t_{i:05d} (id, name) VALUES (1, 'row {i}');\n")
            for i in range(1, count + 1)]


# The team-shaped project: a shop's database grown over ~100 migrations. Placeholder values as a pipeline sets them.
TEAM_PLACEHOLDERS = {
    "api_role": "shop_api", "api_role_password": "s3cret-api-pw", "readonly_role": "shop_readonly",
    "batch_role": "shop_batch", "reporting_role": "shop_reporting", "support_role": "shop_support",
    "audit_role": "shop_audit",
    "env_name": "bench", "company_name": "Example Shop GmbH", "company_vat_id": "DE123456789",
    "support_email": "support@example.com", "noreply_email": "noreply@example.com",
    "billing_email": "billing@example.com", "app_base_url": "https://shop.example.com",
    "api_base_url": "https://api.example.com", "cdn_base_url": "https://cdn.example.com",
    "default_currency": "EUR", "default_country": "DE", "default_locale": "de_DE",
    "default_language": "de", "default_timezone": "Europe/Berlin", "currency_precision": "2",
    "retention_days_audit": "400", "retention_days_events": "90", "retention_days_sessions": "30",
    "max_login_attempts": "5", "lockout_minutes": "15", "session_timeout_minutes": "30",
    "passphrase_min_length": "12", "passphrase_max_age_days": "365", "page_size_default": "25",
    "page_size_max": "200", "name_max_length": "200",
    "invoice_prefix": "INV", "order_prefix": "ORD", "customer_prefix": "CUS", "ticket_prefix": "TCK",
    "shipment_prefix": "SHP", "return_prefix": "RET",
    "vat_rate_standard": "19.00", "vat_rate_reduced": "7.00", "vat_rate_zero": "0.00",
    "shipping_free_threshold": "50.00", "payment_terms_days": "14", "reminder_days_first": "7",
    "reminder_days_second": "21", "credit_limit_default": "5000.00", "coupon_max_discount_pct": "50",
    "stats_target": "500", "fillfactor_hot": "80", "batch_size": "1000",
    "export_bucket": "shop-exports-bench", "export_prefix": "exports/bench",
    "sla_hours_p1": "4", "sla_hours_p2": "8", "sla_hours_p3": "24", "sla_hours_p4": "72",
    "feature_new_checkout": "true", "feature_loyalty": "false", "feature_gift_cards": "true",
    "feature_subscriptions": "false", "feature_reviews": "true", "feature_wishlist": "true",
    "feature_multi_currency": "false", "feature_b2b": "true",
}

ROLES = ["api_role", "readonly_role", "batch_role", "reporting_role", "support_role", "audit_role"]

# (table, label, number of code values, extra column DDL, extra column value for row i, extra placeholders note)
CODE_SETS = [
    ("currency", "Currencies accepted by ${company_name}", 30,
     "minor_units smallint NOT NULL DEFAULT ${currency_precision}", lambda i: "${currency_precision}"),
    ("country", "Countries of addresses and suppliers; default ${default_country}", 60,
     "vat_rate numeric(5, 2) NOT NULL DEFAULT ${vat_rate_standard}", lambda i: "${vat_rate_standard}" if i % 3 else "${vat_rate_zero}"),
    ("language", "Languages of the user interface; default ${default_language}", 24,
     "locale text NOT NULL DEFAULT '${default_locale}'", lambda i: "'${default_locale}'" if i == 1 else f"'xx_{i:02d}'"),
    ("order_status", "Life cycle of a sales order", 12, None, None),
    ("payment_method", "How customers pay", 12,
     "terms_days integer NOT NULL DEFAULT ${payment_terms_days}", lambda i: "${payment_terms_days}" if i % 2 else "0"),
    ("shipment_carrier", "Carriers that ship from our warehouses", 15,
     "tracking_url text", lambda i: f"'${{app_base_url}}/track/{i}'"),
    ("ticket_priority", "Support ticket priorities and their SLA", 4,
     "sla_hours integer NOT NULL", lambda i: "${sla_hours_p%d}" % i),
    ("unit_of_measure", "Units products are sold in", 25, None, None),
    ("tax_class", "VAT classes", 6,
     "rate numeric(5, 2) NOT NULL", lambda i: ["${vat_rate_standard}", "${vat_rate_reduced}", "${vat_rate_zero}"][i % 3]),
    ("return_reason", "Why customers send goods back", 14, None, None),
    ("product_type", "Kinds of products", 16, None, None),
    ("customer_segment", "Customer segments for pricing and reporting", 8,
     "credit_limit numeric(14, 2) NOT NULL DEFAULT ${credit_limit_default}", lambda i: "${credit_limit_default}"),
    ("department_type", "Kinds of departments", 10, None, None),
    ("document_type", "Kinds of business documents", 15,
     "number_prefix text NOT NULL", lambda i: ["'${invoice_prefix}'", "'${order_prefix}'", "'${shipment_prefix}'",
                                               "'${return_prefix}'", "'${ticket_prefix}'"][i % 5]),
    ("address_type", "Billing, shipping and other addresses", 5, None, None),
]

# (entity, parents as (column, referenced table, code-set?)), in creation order.
ENTITIES = [
    ("customer", [("segment_code", "customer_segment", True), ("country_code", "country", True),
                  ("language_code", "language", True)]),
    ("customer_address", [("customer_id", "customer", False), ("address_type_code", "address_type", True),
                          ("country_code", "country", True)]),
    ("customer_contact", [("customer_id", "customer", False)]),
    ("user_account", [("customer_id", "customer", False), ("language_code", "language", True)]),
    ("user_session", [("user_account_id", "user_account", False)]),
    ("department", [("department_type_code", "department_type", True)]),
    ("employee", [("department_id", "department", False)]),
    ("supplier", [("country_code", "country", True), ("currency_code", "currency", True)]),
    ("product_category", [("parent_id", "product_category", False)]),
    ("product", [("category_id", "product_category", False), ("product_type_code", "product_type", True),
                 ("unit_code", "unit_of_measure", True), ("tax_class_code", "tax_class", True),
                 ("supplier_id", "supplier", False)]),
    ("product_price", [("product_id", "product", False), ("currency_code", "currency", True)]),
    ("warehouse", [("country_code", "country", True)]),
    ("stock_item", [("product_id", "product", False), ("warehouse_id", "warehouse", False)]),
    ("sales_order", [("customer_id", "customer", False), ("status_code", "order_status", True),
                     ("currency_code", "currency", True), ("payment_method_code", "payment_method", True)]),
    ("sales_order_line", [("sales_order_id", "sales_order", False), ("product_id", "product", False),
                          ("unit_code", "unit_of_measure", True)]),
    ("invoice", [("sales_order_id", "sales_order", False), ("customer_id", "customer", False),
                 ("currency_code", "currency", True), ("document_type_code", "document_type", True)]),
    ("invoice_line", [("invoice_id", "invoice", False), ("product_id", "product", False),
                      ("tax_class_code", "tax_class", True)]),
    ("payment", [("invoice_id", "invoice", False), ("payment_method_code", "payment_method", True),
                 ("currency_code", "currency", True)]),
    ("shipment", [("sales_order_id", "sales_order", False), ("carrier_code", "shipment_carrier", True),
                  ("warehouse_id", "warehouse", False)]),
    ("shipment_item", [("shipment_id", "shipment", False), ("sales_order_line_id", "sales_order_line", False)]),
    ("return_request", [("sales_order_id", "sales_order", False), ("reason_code", "return_reason", True)]),
    ("support_ticket", [("customer_id", "customer", False), ("priority_code", "ticket_priority", True),
                        ("assignee_id", "employee", False)]),
    ("ticket_comment", [("support_ticket_id", "support_ticket", False), ("author_id", "employee", False)]),
    ("coupon", [("currency_code", "currency", True)]),
    ("audit_event", []),
]

# Entity-specific columns (some with placeholders), and settings for hot tables.
ENTITY_COLUMNS = {
    "customer": ["customer_number text NOT NULL UNIQUE DEFAULT '${customer_prefix}-' || substr(md5(random()::text), 1, 10)",
                 "email text NOT NULL", "credit_limit numeric(14, 2) NOT NULL DEFAULT ${credit_limit_default}",
                 "vat_id text"],
    "customer_address": ["street text NOT NULL", "postal_code text NOT NULL", "city text NOT NULL"],
    "customer_contact": ["email text NOT NULL DEFAULT '${noreply_email}'", "phone text"],
    "user_account": ["email text NOT NULL", "password_hash text NOT NULL",
                     "failed_logins integer NOT NULL DEFAULT 0 CHECK (failed_logins <= ${max_login_attempts})",
                     "locked_until timestamptz", "password_changed_at timestamptz NOT NULL DEFAULT now()"],
    "user_session": ["token_hash text NOT NULL UNIQUE",
                     "expires_at timestamptz NOT NULL DEFAULT now() + interval '${session_timeout_minutes} minutes'"],
    "department": ["cost_center text"],
    "employee": ["email text NOT NULL", "hired_on date NOT NULL DEFAULT current_date"],
    "supplier": ["vat_id text", "payment_terms_days integer NOT NULL DEFAULT ${payment_terms_days}"],
    "product_category": ["path text NOT NULL DEFAULT ''"],
    "product": ["sku text NOT NULL UNIQUE", "image_url text DEFAULT '${cdn_base_url}/img/placeholder.png'",
                "weight_grams integer CHECK (weight_grams >= 0)"],
    "product_price": ["amount numeric(14, 2) NOT NULL CHECK (amount >= 0)", "valid_from date NOT NULL",
                      "valid_to date"],
    "warehouse": ["timezone text NOT NULL DEFAULT '${default_timezone}'"],
    "stock_item": ["quantity integer NOT NULL DEFAULT 0", "reorder_level integer NOT NULL DEFAULT 0"],
    "sales_order": ["order_number text NOT NULL UNIQUE DEFAULT '${order_prefix}-' || substr(md5(random()::text), 1, 10)",
                    "total numeric(14, 2) NOT NULL DEFAULT 0", "free_shipping boolean GENERATED ALWAYS AS (total >= ${shipping_free_threshold}) STORED"],
    "sales_order_line": ["quantity integer NOT NULL CHECK (quantity > 0)", "unit_price numeric(14, 2) NOT NULL"],
    "invoice": ["invoice_number text NOT NULL UNIQUE", "due_on date NOT NULL DEFAULT current_date + ${payment_terms_days}",
                "first_reminder_on date GENERATED ALWAYS AS (due_on + ${reminder_days_first}) STORED",
                "second_reminder_on date GENERATED ALWAYS AS (due_on + ${reminder_days_second}) STORED"],
    "invoice_line": ["quantity integer NOT NULL", "net_amount numeric(14, 2) NOT NULL", "tax_amount numeric(14, 2) NOT NULL"],
    "payment": ["amount numeric(14, 2) NOT NULL", "paid_at timestamptz NOT NULL DEFAULT now()"],
    "shipment": ["shipment_number text NOT NULL UNIQUE DEFAULT '${shipment_prefix}-' || substr(md5(random()::text), 1, 10)",
                 "shipped_at timestamptz"],
    "shipment_item": ["quantity integer NOT NULL"],
    "return_request": ["return_number text NOT NULL UNIQUE DEFAULT '${return_prefix}-' || substr(md5(random()::text), 1, 10)"],
    "support_ticket": ["ticket_number text NOT NULL UNIQUE DEFAULT '${ticket_prefix}-' || substr(md5(random()::text), 1, 10)",
                       "subject text NOT NULL", "due_at timestamptz"],
    "ticket_comment": ["body text NOT NULL"],
    "coupon": ["code text NOT NULL UNIQUE", "discount_pct integer NOT NULL CHECK (discount_pct BETWEEN 1 AND ${coupon_max_discount_pct})"],
    "audit_event": ["occurred_at timestamptz NOT NULL DEFAULT now()", "actor text NOT NULL DEFAULT app.current_actor()",
                    "action text NOT NULL", "payload jsonb"],
}
HOT_TABLES = {"stock_item", "sales_order", "user_session", "product_price", "payment"}
API_WRITES = {"customer", "customer_address", "customer_contact", "user_account", "user_session", "sales_order",
              "sales_order_line", "payment", "support_ticket", "ticket_comment", "return_request", "audit_event"}


def team_files():
    files = []

    def add(desc, sql):
        files.append((f"V{len(files) + 1}__{desc}.sql", sql))

    roles = "\n".join(
        f"  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${{{r}}}') THEN\n"
        f"    CREATE ROLE \"${{{r}}}\" {'LOGIN PASSWORD ' + repr('${api_role_password}') if r == 'api_role' else 'NOLOGIN'};\n"
        f"  END IF;" for r in ROLES)
    add("application_roles", f"-- Roles are cluster-wide: create them once, whatever the database.\nDO $$\nBEGIN\n{roles}\nEND\n$$;\n")
    all_roles = ", ".join(f'"${{{r}}}"' for r in ROLES)
    add("schema_privileges", f"""COMMENT ON SCHEMA app IS '${{company_name}} shop data (${{env_name}})';
GRANT USAGE ON SCHEMA app TO {all_roles};
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "${{api_role}}";
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO "${{readonly_role}}", "${{reporting_role}}";
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT, INSERT, UPDATE ON TABLES TO "${{batch_role}}";
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT USAGE, SELECT ON SEQUENCES TO "${{api_role}}", "${{batch_role}}";
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT EXECUTE ON FUNCTIONS TO "${{api_role}}";
""")
    add("common_functions", """CREATE TYPE app.record_state AS ENUM ('draft', 'active', 'suspended', 'archived');
COMMENT ON TYPE app.record_state IS 'Life cycle of most business records';

CREATE FUNCTION app.set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION app.set_updated_at() IS 'Trigger: keeps updated_at current';

CREATE FUNCTION app.current_actor() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('app.actor', true), session_user::text)
$$;
""")
    settings = [("company.name", "${company_name}"), ("company.vat_id", "${company_vat_id}"),
                ("mail.support", "${support_email}"), ("mail.noreply", "${noreply_email}"),
                ("mail.billing", "${billing_email}"), ("url.app", "${app_base_url}"), ("url.api", "${api_base_url}"),
                ("url.cdn", "${cdn_base_url}"), ("locale.default", "${default_locale}"),
                ("currency.default", "${default_currency}"), ("country.default", "${default_country}"),
                ("timezone.default", "${default_timezone}"), ("security.max_login_attempts", "${max_login_attempts}"),
                ("security.lockout_minutes", "${lockout_minutes}"),
                ("security.session_timeout_minutes", "${session_timeout_minutes}"),
                ("security.passphrase_min_length", "${passphrase_min_length}"),
                ("security.passphrase_max_age_days", "${passphrase_max_age_days}"),
                ("paging.default", "${page_size_default}"), ("paging.max", "${page_size_max}"),
                ("retention.audit_days", "${retention_days_audit}"),
                ("retention.event_days", "${retention_days_events}"),
                ("retention.session_days", "${retention_days_sessions}"), ("batch.size", "${batch_size}"),
                ("export.bucket", "${export_bucket}"), ("export.prefix", "${export_prefix}")]
    rows = ",\n".join(f"  ('{k}', '{v}', 'Set by the ${{env_name}} pipeline')" for k, v in settings)
    add("settings", f"""CREATE TABLE app.setting (
  key text PRIMARY KEY,
  value text NOT NULL,
  description text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE app.setting IS 'Run-time settings of the application, one row each';
GRANT SELECT ON app.setting TO "${{support_role}}";
INSERT INTO app.setting (key, value, description) VALUES
{rows};
""")
    add("feature_flags", """CREATE TABLE app.feature_flag (
  name text PRIMARY KEY,
  enabled boolean NOT NULL,
  description text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE app.feature_flag IS 'Feature switches; R__feature_flag_defaults keeps them in line with the pipeline';
""")

    # Code sets: a table, its comments, trigger, grants and the code values.
    for table, comment, count, extra_ddl, extra_value in CODE_SETS:
        cols = [f"code text PRIMARY KEY CHECK (code ~ '^[A-Z0-9_]{{1,20}}$')", "label text NOT NULL",
                "description text", "sort_order integer NOT NULL DEFAULT 0", "active boolean NOT NULL DEFAULT true",
                "valid_from date NOT NULL DEFAULT DATE '2020-01-01'",
                "created_at timestamptz NOT NULL DEFAULT now()", "updated_at timestamptz NOT NULL DEFAULT now()"]
        if extra_ddl:
            cols.insert(4, extra_ddl)
        extra_col = extra_ddl.split()[0] if extra_ddl else None
        values = []
        for i in range(1, count + 1):
            code = f"{table[:3].upper()}_{i:02d}"
            v = [f"'{code}'", f"'{table.replace('_', ' ').title()} {i}'",
                 f"'{comment.split(';')[0]}: value {i}'", str(i * 10)]
            if extra_col:
                v.append(extra_value(i))
            values.append(f"  ({', '.join(v)})")
        insert_cols = "code, label, description, sort_order" + (f", {extra_col}" if extra_col else "")
        body = ",\n  ".join(cols)
        value_rows = ",\n".join(values)
        add(f"code_set_{table}", f"""CREATE TABLE app.{table} (
  {body}
);
COMMENT ON TABLE app.{table} IS '{comment}';
COMMENT ON COLUMN app.{table}.code IS 'Stable code, referenced by other tables and the API';
COMMENT ON COLUMN app.{table}.active IS 'Inactive codes stay for history but are not offered';
CREATE TRIGGER {table}_updated_at BEFORE UPDATE ON app.{table} FOR EACH ROW EXECUTE FUNCTION app.set_updated_at();
GRANT SELECT ON app.{table} TO "${{support_role}}", "${{audit_role}}";
INSERT INTO app.{table} ({insert_cols}) VALUES
{value_rows};
""")

    # Business entities: table, indexes and tuning, then relations, in three migrations each.
    for entity, parents in ENTITIES:
        cols = ["id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                "public_id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE",
                f"name text NOT NULL CHECK (char_length(name) <= ${{name_max_length}})",
                "state app.record_state NOT NULL DEFAULT 'active'"]
        cols += ENTITY_COLUMNS[entity]
        cols += ["attributes jsonb NOT NULL DEFAULT '{}'::jsonb", "notes text",
                 "created_at timestamptz NOT NULL DEFAULT now()", "created_by text NOT NULL DEFAULT app.current_actor()",
                 "updated_at timestamptz NOT NULL DEFAULT now()"]
        grants = (f'GRANT SELECT ON app.{entity} TO "${{support_role}}";\n' if entity not in API_WRITES else
                  f'GRANT SELECT, INSERT, UPDATE ON app.{entity} TO "${{support_role}}";\n')
        body = ",\n  ".join(cols)
        add(f"create_{entity}", f"""CREATE TABLE app.{entity} (
  {body}
);
COMMENT ON TABLE app.{entity} IS '{entity.replace('_', ' ').capitalize()} records of ${{company_name}}';
COMMENT ON COLUMN app.{entity}.public_id IS 'Identifier exposed by ${{api_base_url}}; never reused';
COMMENT ON COLUMN app.{entity}.state IS 'draft, active, suspended or archived';
COMMENT ON COLUMN app.{entity}.attributes IS 'Free-form attributes, at most a few kB';
CREATE TRIGGER {entity}_updated_at BEFORE UPDATE ON app.{entity} FOR EACH ROW EXECUTE FUNCTION app.set_updated_at();
{grants}""")
        idx = [f"CREATE INDEX {entity}_created_at_idx ON app.{entity} (created_at);",
               f"CREATE INDEX {entity}_active_name_idx ON app.{entity} (lower(name)) WHERE state = 'active';",
               f"CREATE INDEX {entity}_attributes_idx ON app.{entity} USING gin (attributes jsonb_path_ops);"]
        if any(c.startswith("email ") for c in ENTITY_COLUMNS[entity]):
            idx.append(f"CREATE UNIQUE INDEX {entity}_email_uidx ON app.{entity} (lower(email));")
        if entity in HOT_TABLES:
            idx.append(f"ALTER TABLE app.{entity} SET (fillfactor = ${{fillfactor_hot}});")
            idx.append(f"ALTER TABLE app.{entity} ALTER COLUMN created_at SET STATISTICS ${{stats_target}};")
        add(f"index_{entity}", "\n".join(idx) + "\n")
        rel = []
        for col, ref, is_code in parents:
            if not is_code or col not in " ".join(ENTITY_COLUMNS[entity]):
                rel.append(f"ALTER TABLE app.{entity} ADD COLUMN {col} {'text' if is_code else 'bigint'};")
            key = "code" if is_code else "id"
            rel.append(f"ALTER TABLE app.{entity} ADD CONSTRAINT {entity}_{col}_fk FOREIGN KEY ({col}) "
                       f"REFERENCES app.{ref} ({key}){' ON DELETE CASCADE' if col.endswith('_id') and ref != entity and entity.startswith(ref) else ''};")
            rel.append(f"CREATE INDEX {entity}_{col}_idx ON app.{entity} ({col});")
            rel.append(f"COMMENT ON COLUMN app.{entity}.{col} IS 'References app.{ref}';")
        if not parents:
            rel.append(f"ALTER TABLE app.{entity} ADD COLUMN source text NOT NULL DEFAULT '${{env_name}}';")
            rel.append(f"COMMENT ON COLUMN app.{entity}.source IS 'Where the row came from';")
        rel.append(f'GRANT SELECT ON app.{entity} TO "${{audit_role}}";')
        add(f"relations_{entity}", "\n".join(rel) + "\n")

    add("invoice_numbers", """CREATE SEQUENCE app.invoice_number_seq START 1000;
CREATE FUNCTION app.next_invoice_number() RETURNS text LANGUAGE sql AS $$
  SELECT '${invoice_prefix}-' || to_char(now(), 'YYYY') || '-' || lpad(nextval('app.invoice_number_seq')::text, 8, '0')
$$;
ALTER TABLE app.invoice ALTER COLUMN invoice_number SET DEFAULT app.next_invoice_number();
GRANT USAGE ON SEQUENCE app.invoice_number_seq TO "${api_role}", "${batch_role}";
""")
    add("retention", """CREATE FUNCTION app.purge_expired() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  removed integer := 0;
  n integer;
BEGIN
  DELETE FROM app.audit_event WHERE occurred_at < now() - interval '${retention_days_audit} days';
  GET DIAGNOSTICS n = ROW_COUNT; removed := removed + n;
  DELETE FROM app.user_session WHERE expires_at < now() - interval '${retention_days_sessions} days';
  GET DIAGNOSTICS n = ROW_COUNT; removed := removed + n;
  RETURN removed;
END
$$;
COMMENT ON FUNCTION app.purge_expired() IS 'Deletes audit events and sessions older than their retention (${retention_days_events} days for events)';
GRANT EXECUTE ON FUNCTION app.purge_expired() TO "${batch_role}";
""")
    add("lockout", """CREATE FUNCTION app.lock_account(account bigint) RETURNS void LANGUAGE sql AS $$
  UPDATE app.user_account
     SET locked_until = now() + interval '${lockout_minutes} minutes'
   WHERE id = account AND failed_logins >= ${max_login_attempts}
$$;
ALTER TABLE app.user_account ADD CONSTRAINT user_account_password_hash_len CHECK (char_length(password_hash) >= ${passphrase_min_length});
CREATE INDEX user_account_locked_idx ON app.user_account (id) WHERE failed_logins >= ${max_login_attempts};
COMMENT ON COLUMN app.user_account.password_changed_at IS 'Passwords expire after ${passphrase_max_age_days} days';
""")
    add("default_rows", """INSERT INTO app.department (name, department_type_code, cost_center) VALUES
  ('Customer care', 'DEP_01', 'CC-100'), ('Logistics', 'DEP_02', 'CC-200'), ('Finance', 'DEP_03', 'CC-300'),
  ('Engineering', 'DEP_04', 'CC-400'), ('Sales', 'DEP_05', 'CC-500');
INSERT INTO app.warehouse (name, country_code, timezone) VALUES
  ('Main warehouse', 'COU_01', '${default_timezone}'), ('Overflow', 'COU_02', '${default_timezone}');
INSERT INTO app.product_category (name, path) VALUES
  ('All products', '/'), ('Apparel', '/apparel'), ('Electronics', '/electronics'), ('Home', '/home');
""")
    add("grants_audit", f"""GRANT SELECT ON ALL TABLES IN SCHEMA app TO "${{audit_role}}";
GRANT SELECT ON ALL TABLES IN SCHEMA app TO "${{reporting_role}}";
REVOKE ALL ON app.user_session FROM "${{reporting_role}}", "${{readonly_role}}";
REVOKE ALL ON app.setting FROM "${{readonly_role}}";
""")

    files.append(("R__feature_flag_defaults.sql", """-- Desired state of the feature switches; rerun whenever a value changes.
INSERT INTO app.feature_flag (name, enabled, description) VALUES
  ('new_checkout', ${feature_new_checkout}, 'One-page checkout'),
  ('loyalty', ${feature_loyalty}, 'Loyalty points'),
  ('gift_cards', ${feature_gift_cards}, 'Gift cards'),
  ('subscriptions', ${feature_subscriptions}, 'Subscriptions'),
  ('reviews', ${feature_reviews}, 'Product reviews'),
  ('wishlist', ${feature_wishlist}, 'Wish lists'),
  ('multi_currency', ${feature_multi_currency}, 'Prices in several currencies'),
  ('b2b', ${feature_b2b}, 'Business customers')
ON CONFLICT (name) DO UPDATE SET enabled = EXCLUDED.enabled, description = EXCLUDED.description;
"""))
    files.append(("R__reporting_views.sql", """CREATE OR REPLACE VIEW app.v_open_orders AS
  SELECT o.id, o.order_number, o.total, o.currency_code, c.name AS customer, o.created_at
    FROM app.sales_order o JOIN app.customer c ON c.id = o.customer_id
   WHERE o.state = 'active';
CREATE OR REPLACE VIEW app.v_overdue_invoices AS
  SELECT i.id, i.invoice_number, i.due_on, i.customer_id
    FROM app.invoice i
   WHERE i.due_on < current_date AND i.state = 'active';
CREATE OR REPLACE VIEW app.v_stock_below_reorder AS
  SELECT s.product_id, s.warehouse_id, s.quantity, s.reorder_level
    FROM app.stock_item s WHERE s.quantity < s.reorder_level;
GRANT SELECT ON app.v_open_orders, app.v_overdue_invoices, app.v_stock_below_reorder TO "${reporting_role}";
"""))
    return files


def generate_sets(root):
    root.mkdir(parents=True, exist_ok=True)
    small = {n: write_set(root, f"small{n}", small_files(n), {}, f"public.{FLYWAY_HISTORY}", None, "public")
             for n in (1000, 5000)}
    files = team_files()
    used = set()
    for _, sql in files:
        used.update(PLACEHOLDER.findall(sql))
    unused = set(TEAM_PLACEHOLDERS) - used
    if unused or len(used) < 50:
        raise BenchError(f"team project: {len(used)} placeholders used, unused values {sorted(unused)}")
    team = write_set(root, "team", files, TEAM_PLACEHOLDERS, f"flyway.{FLYWAY_HISTORY}", "flyway,app", "app",
                     prologue="CREATE SCHEMA IF NOT EXISTS app;")
    return small[1000], small[5000], team


def flyway_checksum(text):
    """Flyway's checksum of a script: CRC32 over its lines (without line ends), as a signed int."""
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    crc = 0
    for i, line in enumerate(lines):
        if i == 0 and line.startswith("\ufeff"):
            line = line[1:]
        crc = zlib.crc32(line.encode("utf-8"), crc)
    return crc - (1 << 32) if crc >= 1 << 31 else crc


def flyway_history_sql(mset):
    """The schema history table as Flyway 11 creates it, with a row per versioned migration of the set."""
    schema, table = mset.history_table.split(".")
    rows = []
    for rank, path in enumerate(sorted(mset.flyway_dir.glob("V*.sql"), key=lambda p: int(p.name[1:].split("__")[0])), 1):
        version, desc = path.name[1:-4].split("__", 1)
        rows.append(f"({rank}, '{version}', '{desc.replace('_', ' ')}', 'SQL', '{path.name}', "
                    f"{flyway_checksum(path.read_text())}, 'postgres', 1, true)")
    values = ",\n".join(rows)
    return f"""CREATE TABLE {schema}.{table} (
    installed_rank integer NOT NULL, version character varying(50), description character varying(200) NOT NULL,
    type character varying(20) NOT NULL, script character varying(1000) NOT NULL, checksum integer,
    installed_by character varying(100) NOT NULL, installed_on timestamp without time zone DEFAULT now() NOT NULL,
    execution_time integer NOT NULL, success boolean NOT NULL);
ALTER TABLE ONLY {schema}.{table} ADD CONSTRAINT {table}_pk PRIMARY KEY (installed_rank);
CREATE INDEX {table}_s_idx ON {schema}.{table} USING btree (success);
INSERT INTO {schema}.{table} (installed_rank, version, description, type, script, checksum, installed_by,
    execution_time, success) VALUES
{values};
"""


# ---------------------------------------------------------------------------------------------------------------
# Running and measuring
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Measure:
    wall: float
    cpu: float
    rss_mb: float


class Bench:
    def __init__(self, args):
        self.a = args
        self.work = Path(args.work)
        self.logs = self.work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.run_no = 0
        self.base_env = {k: v for k, v in os.environ.items()
                         if not k.startswith(("FERRY_", "FLYWAY_", "SPRING_", "AWS_", "ECS_", "PG", "DBMATE_",
                                              "DATABASE_URL", "REDGATE_"))
                         and k not in ("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")}
        self.empty_cwd = self.work / "cwd"       # no flyway.conf / flyway.toml / .env around the tools
        self.empty_cwd.mkdir(exist_ok=True)
        self.object_counts = {}
        self.image_options = image_jvm_options(Path(__file__).resolve().parent.parent / "Dockerfile")

    # -- database administration (not measured) --
    def psql(self, sql=None, db="postgres", file=None, single_tx=False):
        cmd = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", HOST, "-p", str(self.a.port), "-U", USER,
               "-d", db]
        if single_tx:
            cmd.append("-1")
        cmd += ["-f", str(file)] if file else ["-c", sql]
        env = dict(self.base_env, PGPASSWORD=self.a.password)
        p = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if p.returncode != 0:
            raise BenchError(f"psql on {db} failed: {p.stderr.strip()[:2000]}")
        return p.stdout.strip()

    def reset_db(self, db):
        self.psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        self.psql(f"CREATE DATABASE {db}")

    def jdbc(self, db):
        return f"jdbc:postgresql://{HOST}:{self.a.port}/{db}"

    def count_objects(self, db, schema):
        return int(self.psql(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            # Each tool's own bookkeeping (Flyway's history, Ferry's record of the schema for its drift check beside
            # it, dbmate's) does not count.
            f"WHERE n.nspname = '{schema}' AND c.relname NOT LIKE '{FLYWAY_HISTORY}%' "
            "AND c.relname NOT LIKE 'ferry\\_catalog\\_record%' "
            "AND c.relname NOT LIKE 'schema\\_migrations%'", db=db))

    # -- one measured process --
    def measure(self, cmd, env, label):
        self.run_no += 1
        logfile = self.logs / f"{self.run_no:04d}-{label}.log"
        rssfile = self.logs / f"{self.run_no:04d}-{label}.rss"
        full = ["/usr/bin/time", "-f", "%M", "-o", str(rssfile)] + cmd
        with open(logfile, "wb") as out:
            t0 = time.perf_counter()
            p = subprocess.Popen(full, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.empty_cwd)
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
        p.returncode = rc = os.waitstatus_to_exitcode(status)
        output = logfile.read_text(errors="replace")
        if rc != 0:
            raise BenchError(f"{label} exited {rc}; its output ({logfile}):\n{output[-3000:]}")
        rss_kb = int(rssfile.read_text().split()[-1])
        return Measure(wall, ru.ru_utime + ru.ru_stime, rss_kb / 1024), output

    # -- contenders --
    def ferry_env(self, mset, db, report):
        env = dict(self.base_env, FERRY_DB_URL=self.jdbc(db), FERRY_DB_USERNAME=USER,
                   FERRY_DB_PASSWORD=self.a.password, FERRY_LOCATIONS=f"filesystem:{mset.flyway_dir}",
                   FERRY_REPORT_FILE=str(report))
        if mset.schemas:
            env["FLYWAY_SCHEMAS"] = mset.schemas
        for k, v in mset.placeholders.items():
            env[f"FERRY_PLACEHOLDER_{k}"] = v
        return env

    def run_ferry(self, mset, db, kind, aot):
        report = self.work / "report.json"
        report.unlink(missing_ok=True)
        if aot:
            cmd = [self.a.aot_java] + self.aot_run_flags + ["-jar", str(Path(self.a.extracted) / "ferry.jar")]
        else:
            cmd = [self.a.java, "-jar", self.a.jar]
        m, out = self.measure(cmd, self.ferry_env(mset, db, report), "ferry-aot" if aot else "ferry")
        r = json.loads(report.read_text())
        if kind == "noop" and r.get("outcome") != "up to date":
            raise BenchError(f"Ferry no-op on {db} was not 'up to date': {r.get('outcome')} {r.get('message')}")
        if kind == "apply" and (r.get("outcome") != "applied" or len(r.get("applied", [])) != mset.count):
            raise BenchError(f"Ferry on {db} applied {len(r.get('applied', []))} of {mset.count}: {r.get('message')}")
        return m

    def run_flyway(self, mset, db, kind):
        cmd = [self.a.java, "-cp", self.flyway_cp, "org.flywaydb.commandline.Main", "-skipCheckForUpdate", "migrate",
               f"-url={self.jdbc(db)}", f"-user={USER}", f"-password={self.a.password}",
               f"-locations=filesystem:{mset.flyway_dir}",
               # The Flyway settings Ferry sets by default, so both do the same work.
               "-validateMigrationNaming=true", "-postgresql.transactional.lock=false"]
        if mset.schemas:
            cmd.append(f"-schemas={mset.schemas}")
        cmd += [f"-placeholders.{k}={v}" for k, v in mset.placeholders.items()]
        m, out = self.measure(cmd, self.base_env, "flyway")
        if kind == "noop" and "is up to date. No migration necessary" not in out:
            raise BenchError(f"Flyway CLI no-op on {db} did not report up to date")
        if kind == "apply" and f"Successfully applied {mset.count} migration" not in out:
            raise BenchError(f"Flyway CLI on {db} did not apply {mset.count} migrations")
        return m

    def dbmate_cmd(self, mset, db):
        return [self.a.dbmate, "--url", f"postgres://{USER}:{self.a.password}@{HOST}:{self.a.port}/{db}?sslmode=disable",
                "--migrations-dir", str(mset.dbmate_dir), "--no-dump-schema", "migrate"]

    def run_dbmate(self, mset, db, kind):
        m, out = self.measure(self.dbmate_cmd(mset, db), self.base_env, "dbmate")
        applied = sum(1 for line in out.splitlines() if line.startswith("Applying: "))
        expected = 0 if kind == "noop" else len(list(mset.dbmate_dir.iterdir()))
        if applied != expected:
            raise BenchError(f"dbmate on {db} applied {applied}, expected {expected}")
        return m

    def psql_cmd(self, db):
        return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", HOST, "-p", str(self.a.port), "-U", USER, "-d", db]

    def run_psql(self, mset, db, kind):
        env = dict(self.base_env, PGPASSWORD=self.a.password)
        if kind == "noop":
            m, out = self.measure(self.psql_cmd(db) + ["-At", "-c", f"select count(*) from {mset.history_table}"],
                                  env, "psql")
            if int(out.strip()) < mset.count:
                raise BenchError(f"psql: {mset.history_table} in {db} has {out.strip()} rows")
            return m
        m, _ = self.measure(self.psql_cmd(db) + ["-1", "-f", str(mset.psql_file)], env, "psql")
        return m

    # -- set-up --
    def setup(self, host=True):
        self.flyway_cp = Path(self.a.flyway_cp).read_text().strip()
        # Autovacuum after thousands of new tables would compete with the runs measured next.
        self.psql("ALTER SYSTEM SET autovacuum = off")
        self.psql("SELECT pg_reload_conf()")
        log("generating the migration sets")
        self.small1000, self.small5000, self.team = generate_sets(self.work / "sets")
        if not host:
            return
        for mset in (self.small1000, self.small5000):
            # Flyway's side: the same SQL and the history table Flyway would have written (Flyway validates the
            # checksums on every run, so a wrong row fails the no-op loudly).
            db = f"noop_{mset.name}_flyway"
            log(f"setting up {db}: {mset.count} migrations applied, with their Flyway history")
            self.reset_db(db)
            self.psql(db=db, file=mset.psql_file, single_tx=True)
            hist = self.work / f"{mset.name}-history.sql"
            hist.write_text(flyway_history_sql(mset))
            self.psql(db=db, file=hist, single_tx=True)
            # dbmate's side: a copy of that database with dbmate's history table in place of Flyway's (a wrong
            # row would make dbmate apply something, which fails the run).
            flyway_db, db = db, f"noop_{mset.name}_dbmate"
            log(f"setting up {db}: a copy with dbmate's history")
            self.psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
            self.psql(f"CREATE DATABASE {db} TEMPLATE {flyway_db}")
            versions = ",\n".join(f"('{p.name.split('_')[0]}')" for p in sorted(mset.dbmate_dir.iterdir()))
            hist = self.work / f"{mset.name}-dbmate-history.sql"
            hist.write_text(f"DROP TABLE {mset.history_table};\n"
                            "CREATE TABLE public.schema_migrations (version character varying(128) PRIMARY KEY);\n"
                            f"INSERT INTO public.schema_migrations (version) VALUES\n{versions};\n")
            self.psql(db=db, file=hist, single_tx=True)
        db = f"noop_{self.team.name}_dbmate"
        log(f"setting up {db} with dbmate")
        self.reset_db(db)
        self.setup_run(self.dbmate_cmd(self.team, db), self.base_env, f"setup-{db}")
        self.prepare_aot()
        # A pipeline runs Ferry on every deploy, so the no-op runs measured are the ones after a first Ferry run:
        # one untimed run per database records Ferry's state beside the history (the team database got it from the
        # training run).
        for mset in (self.small1000, self.small5000):
            db = f"noop_{mset.name}_flyway"
            log(f"a first, untimed Ferry run on {db}")
            self.run_ferry(mset, db, "noop", aot=False)

    def setup_run(self, cmd, env, label):
        with open(self.logs / f"{label}.log", "wb") as out:
            p = subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=self.empty_cwd)
        if p.returncode != 0:
            raise BenchError(f"{label} exited {p.returncode}; see {self.logs / (label + '.log')}")

    def prepare_aot(self):
        """Ferry's second row: the extracted jar with JDK 25's AOT cache, trained by applying the team project into
        the team no-op database (so start-up, Flyway's scan, validate and apply are all in the cache); JDK 17 CDS
        where that fails. The training run is what sets up the team project's no-op database."""
        db = f"noop_{self.team.name}_flyway"
        report = self.work / "report.json"
        ext = Path(self.a.extracted)
        attempts = []
        if self.a.java25:
            cache = self.work / "ferry.aot"
            attempts.append(("JDK 25 AOT cache", self.a.java25, [f"-XX:AOTCacheOutput={cache}"],
                             [f"-XX:AOTCache={cache}"], cache))
        cds = self.work / "ferry.jsa"
        attempts.append(("JDK 17 CDS archive", self.a.java, [f"-XX:ArchiveClassesAtExit={cds}"],
                         [f"-XX:SharedArchiveFile={cds}"], cds))
        for name, java, train, run, artefact in attempts:
            log(f"training Ferry's {name} (applies the team project into {db})")
            self.reset_db(db)
            report.unlink(missing_ok=True)
            cmd = [java] + self.image_options + train + ["-jar", str(ext / "ferry.jar")]
            with open(self.logs / "aot-training.log", "ab") as out:
                p = subprocess.run(cmd, env=self.ferry_env(self.team, db, report), stdout=out,
                                   stderr=subprocess.STDOUT, cwd=self.empty_cwd)
            if p.returncode == 0 and artefact.exists() and artefact.stat().st_size > 0:
                # Prove the cache is usable as is: AOTMode=on / Xshare:on refuse to start otherwise.
                strict = ["-XX:AOTMode=on"] if artefact.suffix == ".aot" else ["-Xshare:on"]
                check = subprocess.run([java] + self.image_options + run + strict + ["-jar", str(ext / "ferry.jar")],
                                       env=self.ferry_env(self.team, db, report), capture_output=True,
                                       cwd=self.empty_cwd)
                if check.returncode == 0:
                    self.a.aot_java, self.aot_run_flags, self.aot_name = java, self.image_options + run, name
                    return
                log(f"{name} is not usable: {check.stdout.decode(errors='replace')[-500:]}")
            else:
                log(f"{name} training failed (exit {p.returncode}); see {self.logs / 'aot-training.log'}")
        raise BenchError("neither the JDK 25 AOT cache nor JDK 17 CDS could be trained")

    # -- the scenarios --
    def scenarios(self):
        s1, s5, t = self.small1000, self.small5000, self.team
        return [
            ("No-op, 1,000 applied", "noop", s1),
            ("No-op, 5,000 applied", "noop", s5),
            ("Apply 1,000 small migrations", "apply", s1),
            (f"Team project: apply {t.count} migrations", "apply", t),
            (f"Team project: no-op ({t.count} applied)", "noop", t),
        ]

    def contenders(self):
        return [
            ("Ferry (fat jar, JDK 17)", "ferry"),
            (f"Ferry as in the image (extracted + {'AOT, JDK 25' if 'AOT' in self.aot_name else 'CDS, JDK 17'})", "ferry-aot"),
            ("Flyway CLI 11.14.1 (JDK 17)", "flyway"),
            ("dbmate 2.36", "dbmate"),
            ("psql (floor)", "psql"),
        ]

    def run_one(self, key, kind, mset):
        if kind == "noop":
            db = f"noop_{mset.name}_{'dbmate' if key == 'dbmate' else 'flyway'}"
        else:
            db = f"apply_{key.replace('-', '_')}"
            self.reset_db(db)
        if key == "ferry":
            m = self.run_ferry(mset, db, kind, aot=False)
        elif key == "ferry-aot":
            m = self.run_ferry(mset, db, kind, aot=True)
        elif key == "flyway":
            m = self.run_flyway(mset, db, kind)
        elif key == "dbmate":
            m = self.run_dbmate(mset, db, kind)
        else:
            m = self.run_psql(mset, db, kind)
        if kind == "apply":
            # All contenders must leave the same objects behind.
            n = self.count_objects(db, mset.object_schema)
            expected = self.object_counts.setdefault(mset.name, n)
            if n != expected:
                raise BenchError(f"{key} left {n} objects in {mset.object_schema} of {db}, others {expected}")
        return m

    def run(self):
        results = {}
        contenders = self.contenders()
        for title, kind, mset in self.scenarios():
            log(f"{title}: {self.a.reps} repetition(s) of {len(contenders)} contenders")
            for rep in range(self.a.reps):
                # Rotate the order each repetition so that a noisy neighbour does not always hit the same one.
                order = contenders[rep % len(contenders):] + contenders[:rep % len(contenders)]
                for name, key in order:
                    m = self.run_one(key, kind, mset)
                    results.setdefault((title, name), []).append(m)
                    log(f"  {name}: {m.wall:.2f} s wall, {m.cpu:.2f} s CPU, {m.rss_mb:.0f} MB")
        return results


# ---------------------------------------------------------------------------------------------------------------
# Containers: Ferry's image and Flyway's CLI on the same base runtime image, at Fargate-like limits
# ---------------------------------------------------------------------------------------------------------------

# Fargate's smallest task (the module's default until issue 19) and a whole vCPU; memory as Fargate gives it.
# (Fargate's 1 vCPU comes with 2 GB at least.)
CONTAINER_LIMITS = [("--cpus=0.25 --memory=512m", ["--cpus=0.25", "--memory=512m"]),
                    ("--cpus=1 --memory=2g", ["--cpus=1", "--memory=2g"])]
PROJECT_MOUNT = "/bench/project"
OUT_MOUNT = "/bench/out"


@dataclass
class ContainerMeasure:
    wall: float
    cpu: float | None               # CPU seconds of the container's processes (cgroup cpuacct), None if unreadable
    ferry_ms: int | None = None     # Ferry's own duration (its report), start-up not included


class Containers:
    """Runs Ferry's image (its own ENTRYPOINT) and Flyway's command line (a base-image + the CLI's jars, JVM
    defaults, as its `flyway` launcher starts it) with `podman run --network host --read-only --tmpfs /tmp`, the
    team project mounted read-only at the same path in both, against the bench's PostgreSQL.

    CPU comes from a cgroup made for each run (`--cgroup-parent`, cgroup v1's cpuacct, which counts a removed
    child's time in its parent): the parent's usage minus that of podman's monitor (conmon), which podman puts in a
    child of the same parent. That leaves the container's processes (the JVM, and runc's few milliseconds of set-up).
    """

    def __init__(self, bench, ferry_image, flyway_image, quick):
        self.b = bench
        self.quick = quick
        self.ferry_image = ferry_image
        self.flyway_image = flyway_image
        self.out_dir = bench.work / "container-out"
        self.out_dir.mkdir(exist_ok=True)
        self.out_dir.chmod(0o777)          # the image runs as uid 10001
        self.cgroup_root = Path("/sys/fs/cgroup")
        self.ferry_entrypoint = self.inspect(ferry_image, "{{json .Config.Entrypoint}}")

    def pod(self):
        # the global flags of .ci/image/podman-env.sh's pod(); its CONTAINERS_CONF comes in through the environment
        return ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"]

    def inspect(self, image, fmt):
        p = subprocess.run(self.pod() + ["image", "inspect", "--format", fmt, image], capture_output=True, text=True)
        if p.returncode != 0:
            raise BenchError(f"podman image inspect {image}: {p.stderr.strip()}")
        return json.loads(p.stdout) if fmt.startswith("{{json") else p.stdout.strip()

    def describe(self):
        size = {}
        for image in (self.ferry_image, self.flyway_image):
            size[image] = int(self.inspect(image, "{{.Size}}")) / 1e6
        return size

    def compressed_mb(self, image):
        """What a registry stores and a task pulls: every layer as gzip (level 6, as podman and docker push)."""
        with tempfile.TemporaryDirectory(prefix="ferry-bench-layers.") as tmp:
            archive = Path(tmp) / "image"
            p = subprocess.run(self.pod() + ["save", "-q", "--format", "oci-dir", "--uncompressed", "-o", str(archive),
                                             image], capture_output=True, text=True)
            if p.returncode != 0:
                raise BenchError(f"podman save {image}: {p.stderr.strip()}")
            manifest_digest = json.loads((archive / "index.json").read_text())["manifests"][0]["digest"]
            manifest = json.loads((archive / "blobs" / "sha256" / manifest_digest.split(":")[1]).read_text())
            total = 0
            for layer in manifest["layers"]:
                blob = archive / "blobs" / "sha256" / layer["digest"].split(":")[1]
                with open(blob, "rb") as raw:
                    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
                    while chunk := raw.read(1 << 20):
                        total += len(compressor.compress(chunk))
                    total += len(compressor.flush())
            return total / 1e6

    def cgroup_usage(self, parent):
        try:
            total = int((self.cgroup_root / "cpuacct" / parent / "cpuacct.usage").read_text())
            conmon_file = self.cgroup_root / "cpuacct" / parent / "conmon" / "cpuacct.usage"
            conmon = int(conmon_file.read_text()) if conmon_file.exists() else 0
            return (total - conmon) / 1e9
        except (OSError, ValueError):
            return None

    def cgroup_remove(self, parent):
        # conmon may outlive `podman run` by a moment; a cgroup with a process in it cannot be removed yet.
        for controller in self.cgroup_root.iterdir():
            d = controller / parent
            if not d.is_dir():
                continue
            for sub in sorted((x for x in d.rglob("*") if x.is_dir()), key=lambda x: -len(x.parts)) + [d]:
                for _ in range(50):
                    try:
                        sub.rmdir()
                        break
                    except OSError:
                        time.sleep(0.1)

    def run(self, tool, limits, kind, db):
        b, mset = self.b, self.b.team
        b.run_no += 1
        label = f"{tool}-{kind}-{limits[0].strip('-').replace('=', '')}"
        logfile = b.logs / f"{b.run_no:04d}-container-{label}.log"
        parent = f"ferry-bench-{os.getpid()}-{b.run_no}"
        report = self.out_dir / "report.json"
        report.unlink(missing_ok=True)
        env = dict(b.base_env)
        cmd = self.pod() + ["run", "--rm", "--network", "host", "--ulimit", "nofile=1024:1024",
                            "--ulimit", "nproc=1024:1024", "--read-only", "--tmpfs", "/tmp",
                            f"--cgroup-parent=/{parent}", "-v", f"{mset.flyway_dir}:{PROJECT_MOUNT}:ro"] + limits
        if tool == "ferry":
            env.update(FERRY_DB_URL=b.jdbc(db), FERRY_DB_USERNAME=USER, FERRY_DB_PASSWORD=b.a.password,
                       FERRY_LOCATIONS=f"filesystem:{PROJECT_MOUNT}", FERRY_REPORT_FILE=f"{OUT_MOUNT}/report.json",
                       FERRY_LOG_FORMAT="text")
            if mset.schemas:
                env["FLYWAY_SCHEMAS"] = mset.schemas
            for k, v in mset.placeholders.items():
                env[f"FERRY_PLACEHOLDER_{k}"] = v
            names = [k for k in env if k.startswith(("FERRY_", "FLYWAY_"))]
            cmd += ["-v", f"{self.out_dir}:{OUT_MOUNT}"] + [x for k in names for x in ("-e", k)] + [self.ferry_image]
        else:
            cmd += [self.flyway_image, "-skipCheckForUpdate", "migrate", f"-url={b.jdbc(db)}", f"-user={USER}",
                    f"-password={b.a.password}", f"-locations=filesystem:{PROJECT_MOUNT}",
                    "-validateMigrationNaming=true", "-postgresql.transactional.lock=false"]
            if mset.schemas:
                cmd.append(f"-schemas={mset.schemas}")
            cmd += [f"-placeholders.{k}={v}" for k, v in mset.placeholders.items()]
        try:
            with open(logfile, "wb") as out:
                t0 = time.perf_counter()
                p = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=b.empty_cwd)
                wall = time.perf_counter() - t0
            cpu = self.cgroup_usage(parent)
        finally:
            self.cgroup_remove(parent)
        output = logfile.read_text(errors="replace")
        if p.returncode != 0:
            raise BenchError(f"{label} exited {p.returncode}; its output ({logfile}):\n{output[-3000:]}")
        m = ContainerMeasure(wall, cpu)
        if tool == "ferry":
            r = json.loads(report.read_text())
            want = "up to date" if kind == "noop" else "applied"
            if r.get("outcome") != want or (kind == "apply" and len(r.get("applied", [])) != mset.count):
                raise BenchError(f"{label}: Ferry's outcome was {r.get('outcome')}: {r.get('message')}")
            m.ferry_ms = r.get("durationMs")
        elif kind == "noop" and "is up to date. No migration necessary" not in output:
            raise BenchError(f"{label}: Flyway's CLI did not report up to date ({logfile})")
        elif kind == "apply" and f"Successfully applied {mset.count} migration" not in output:
            raise BenchError(f"{label}: Flyway's CLI did not apply {mset.count} migrations ({logfile})")
        if kind == "apply":
            n = b.count_objects(db, mset.object_schema)
            expected = b.object_counts.setdefault(mset.name, n)
            if n != expected:
                raise BenchError(f"{label} left {n} objects in {mset.object_schema} of {db}, others {expected}")
        return m

    def setup(self):
        """The no-op database: the team project applied by Ferry's image, then one untimed no-op (the run a
        pipeline sees is the one after Ferry's previous run, which left its drift record)."""
        db = f"cnoop_{self.b.team.name}"
        log(f"containers: setting up {db} with Ferry's image")
        self.b.reset_db(db)
        self.run("ferry", CONTAINER_LIMITS[-1][1], "apply", db)
        self.run("ferry", CONTAINER_LIMITS[-1][1], "noop", db)
        return db

    def scenarios(self):
        t = self.b.team
        noop = [(f"Team project: no-op ({t.count} applied)", "noop")]
        # A quick pass (CI) measures the no-op only: an apply at 0.25 vCPU takes 20-30 s per contender here.
        return noop if self.quick else noop + [(f"Team project: apply {t.count}", "apply")]

    def measure_all(self, reps):
        results = {}
        tools = [("ferry", "Ferry image"), ("flyway", "Flyway CLI")]
        noop_db = self.setup()
        for limit_name, limits in CONTAINER_LIMITS:
            for title, kind in self.scenarios():
                log(f"containers {limit_name}, {title}: {reps} repetition(s)")
                for rep in range(reps):
                    for tool, name in (tools if rep % 2 == 0 else tools[::-1]):
                        db = noop_db if kind == "noop" else f"capply_{tool}"
                        if kind == "apply":
                            self.b.reset_db(db)
                        m = self.run(tool, limits, kind, db)
                        results.setdefault((limit_name, title, tool), []).append(m)
                        cpu = f"{m.cpu:.2f} s CPU" if m.cpu is not None else "CPU unknown"
                        log(f"  {name}: {m.wall:.2f} s wall, {cpu}"
                            + (f", Ferry's own {m.ferry_ms} ms" if m.ferry_ms is not None else ""))
        return results

    def table(self, results):
        out = ["| Limits | Scenario | Ferry image wall s | Flyway CLI wall s | wall ratio | Ferry CPU s | Flyway CPU s "
               "| CPU ratio | Ferry's own ms |",
               "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for limit_name, _ in CONTAINER_LIMITS:
            for title, _ in self.scenarios():
                f, w = results[(limit_name, title, "ferry")], results[(limit_name, title, "flyway")]
                fw, ww = median([m.wall for m in f]), median([m.wall for m in w])
                cpus = [m.cpu for m in f + w]
                if None in cpus:
                    fc = wc = "?"
                    cr = "?"
                else:
                    fcv, wcv = median([m.cpu for m in f]), median([m.cpu for m in w])
                    fc, wc, cr = f"{fcv:.2f}", f"{wcv:.2f}", ratio(fcv / wcv)
                own = median([m.ferry_ms for m in f])
                out.append(f"| `{limit_name}` | {title} | {fw:.2f} | {ww:.2f} | {ratio(fw / ww)} | {fc} | {wc} | {cr} "
                           f"| {own:.0f} |")
        return out


# ---------------------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------------------

def image_jvm_options(dockerfile):
    """The JVM options of the image's ENTRYPOINT, so that Ferry's second row runs as the image does; the cache
    option is left out (the row trains a cache of its own), and so are the container's paths."""
    text = Path(dockerfile).read_text()
    m = re.search(r"^ENTRYPOINT\s+(\[.*?\])", text.replace("\\\n", " "), re.M | re.S)
    if not m:
        raise BenchError(f"no ENTRYPOINT in {dockerfile}")
    args = json.loads(m.group(1))
    return [a for a in args[1:args.index("-jar")]
            if (a.startswith("-XX:") and not a.startswith("-XX:AOTCache")) or a.startswith(("-Dspring.", "-Xm", "-Xs"))]


def first_line(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True)
        return (p.stdout + p.stderr).strip().splitlines()[0]
    except (OSError, IndexError):
        return "?"


def machine(a, bench):
    cpu = "?"
    mem = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    java = first_line([a.java, "-version"])
    java_rt = subprocess.run([a.java, "-version"], capture_output=True, text=True).stderr.strip().splitlines()
    root = Path(__file__).resolve().parent.parent
    rev = first_line(["git", "-C", str(root), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "src/main", "pom.xml"],
                           capture_output=True, text=True).stdout.strip()
    lines = [
        f"- Ferry: target/ferry.jar built from {rev}{' with uncommitted changes to src/main or pom.xml' if dirty else ''}",
        f"- CPU: {os.cpu_count()} × {cpu} (nproc {first_line(['nproc'])}), memory {mem}, {platform.system()} {platform.release()}",
        f"- java: {java}; {java_rt[1] if len(java_rt) > 1 else ''}",
    ]
    if a.java25:
        lines.append(f"- JDK 25 (AOT row): {first_line([a.java25, '-version'])}")
    lines.append(f"- PostgreSQL: {bench.psql('select version()').split(' on ')[0]} (fsync off, autovacuum off), "
                 f"on loopback TCP")
    lines.append(f"- dbmate: {first_line([a.dbmate, '--version'])}; psql: {first_line(['psql', '--version'])}")
    return lines


def median(xs):
    return statistics.median(xs)


def ratio(x):
    return f"{x:.2f}×" if x >= 0.1 else f"{x:.3f}×"


def table(results, contenders):
    ferry_name = contenders[0][0]
    out = ["| Scenario | Contender | Wall s | CPU s | Peak RSS MB | Wall vs Ferry | CPU vs Ferry |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    scenarios = list(dict.fromkeys(s for s, _ in results))
    for s in scenarios:
        base = results[(s, ferry_name)]
        bw, bc = median([m.wall for m in base]), median([m.cpu for m in base])
        for name, _ in contenders:
            ms = results[(s, name)]
            w, c, r = median([m.wall for m in ms]), median([m.cpu for m in ms]), median([m.rss_mb for m in ms])
            out.append(f"| {s} | {name} | {w:.2f} | {c:.2f} | {r:.0f} | {ratio(w / bw)} | {ratio(c / bc)} |")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--work", required=True, help="scratch directory (migration sets, logs, caches)")
    ap.add_argument("--jar", required=True, help="Ferry's fat jar")
    ap.add_argument("--extracted", required=True, help="the jar extracted with -Djarmode=tools")
    ap.add_argument("--java", required=True, help="the JDK 17 java of the plain rows")
    ap.add_argument("--java25", default="", help="JDK 25 java for the AOT cache (empty: JDK 17 CDS)")
    ap.add_argument("--flyway-cp", required=True, help="file holding the Flyway CLI's classpath")
    ap.add_argument("--dbmate", required=True, help="dbmate binary")
    ap.add_argument("--out", required=True, help="where to write the Markdown results")
    ap.add_argument("--label", default="", help="how the run was started, for the results header")
    ap.add_argument("--t0", type=float, default=0, help="when run.sh started (epoch seconds), for the total time")
    ap.add_argument("--no-host", action="store_true", help="only the container section")
    ap.add_argument("--ferry-image", default="", help="Ferry's image for the container section (empty: no section)")
    ap.add_argument("--flyway-image", default="", help="Flyway's CLI on the same base image")
    ap.add_argument("--ferry-training", default="", help="how the Ferry image's AOT cache was trained, for the header")
    ap.add_argument("--container-reps", type=int, default=0, help="repetitions of the container section (0: --reps)")
    a = ap.parse_args()
    if a.reps < 1:
        ap.error("--reps must be at least 1")
    if a.no_host and not a.ferry_image:
        ap.error("--no-host needs --ferry-image")
    started = a.t0 or time.time()
    load_before = os.getloadavg()
    bench = Bench(a)
    results = container_results = None
    try:
        bench.setup(host=not a.no_host)
        if not a.no_host:
            results = bench.run()
        if a.ferry_image:
            containers = Containers(bench, a.ferry_image, a.flyway_image, quick=a.reps == 1)
            container_results = containers.measure_all(a.container_reps or a.reps)
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1
    elapsed = time.time() - started
    load_after = os.getloadavg()
    md = [f"### Ferry benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}", ""]
    md += machine(a, bench)
    md.append(f"- Load average (1 min) before / after: {load_before[0]:.2f} / {load_after[0]:.2f}; "
              f"{a.reps} repetition(s) per row, medians; whole run {elapsed / 60:.1f} min incl. build and set-up{(' (' + a.label + ')') if a.label else ''}")
    if results is not None:
        md.append(f"- Ferry's second row: {bench.aot_name}, trained by applying the team project, and the JVM options of the"
                  f" image's ENTRYPOINT: `{' '.join(bench.image_options)}`")
        md.append("")
        md += table(results, bench.contenders())
        md.append("")
        md.append("Wall and CPU (user+sys of the process and its children, not PostgreSQL's) are medians; "
                  "\"vs Ferry\" divides by Ferry's fat-jar row. Peak RSS is the process's ru_maxrss (for Java, the JVM).")
    if container_results is not None:
        sizes = containers.describe()
        compressed = containers.compressed_mb(a.ferry_image)
        md += ["", "#### In containers: Ferry's image and Flyway's CLI on the same base runtime image", "",
               f"- Ferry: `{a.ferry_image}` ({sizes[a.ferry_image]:.0f} MB, {compressed:.1f} MB compressed: its layers "
               f"as gzip, as a registry stores them; AOT cache trained {a.ferry_training or '?'}), "
               "its own ENTRYPOINT; Flyway: "
               f"`{a.flyway_image}` ({sizes[a.flyway_image]:.0f} MB: the base runtime image + the CLI's "
               f"{len(bench.flyway_cp.split(':'))} jars, `java -cp ... org.flywaydb.commandline.Main` with the JVM's "
               "defaults, as Flyway's `flyway` launcher starts it)",
               "- `podman run --rm --network host --read-only --tmpfs /tmp` + the limits; the team project mounted "
               "read-only in both; the same PostgreSQL; "
               f"{a.container_reps or a.reps} repetition(s), medians; the order of the two alternates", ""]
        md += containers.table(container_results)
        md += ["", "Wall: `podman run` from start to exit (container set-up included, about 0.2-0.3 s here). CPU: "
               "the container's processes (cgroup cpuacct; podman's conmon not counted). Ratio: Ferry / Flyway. "
               "Ferry's own ms: the duration in its report, from its `main` to the end (the JVM's start not "
               "included)."]
    text = "\n".join(md) + "\n"
    print(text)
    Path(a.out).write_text(text)
    log(f"done in {elapsed:.0f} s; written to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
