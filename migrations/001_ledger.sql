-- The ledger of record: append-only and hash-chained (seed: "All trades logged to append-only database").

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nemo_app') THEN
    CREATE ROLE nemo_app NOLOGIN;
  END IF;
END
$$;

-- The migrating (owner) role may act as nemo_app; the application's connections run as nemo_app.
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'nemo_app', 'MEMBER') THEN
    EXECUTE format('GRANT nemo_app TO %I', current_user);
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO nemo_app;

CREATE TABLE ledger_entries (
  seq             bigint      PRIMARY KEY CHECK (seq > 0),
  kind            text        NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.-]*$'),
  domain          text        NOT NULL CHECK (domain IN ('research', 'paper', 'live', 'upgrade', 'control', 'operator')),
  account         text        NOT NULL CHECK (length(account) > 0),
  payload         jsonb       NOT NULL,
  recorded_at     timestamptz NOT NULL,
  idempotency_key text        NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 300),
  prev_hash       char(64)    NOT NULL,
  hash            char(64)    NOT NULL UNIQUE
);

CREATE INDEX ledger_entries_kind_idx ON ledger_entries (kind, recorded_at);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account, recorded_at);

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entries is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'append a correcting entry instead';
END
$$;

CREATE TRIGGER ledger_entries_no_update_or_delete
  BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Row triggers do not fire on TRUNCATE.
CREATE TRIGGER ledger_entries_no_truncate
  BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

REVOKE ALL ON ledger_entries FROM PUBLIC;
REVOKE ALL ON ledger_entries FROM nemo_app;
GRANT SELECT, INSERT ON ledger_entries TO nemo_app;
