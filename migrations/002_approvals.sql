-- Operator approvals (live trades of new strategies, credit purchases, upgrades, incidents): one row per request,
-- decided once, through the CLI or an authenticated SMS reply. The decision in this table is what a workflow acts on:
-- a signal only tells the workflow to look (activities/approvals/approval-activities.ts), so a Temporal client alone cannot approve.

CREATE TABLE approvals (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The one-time code the operator replies with ("YES 4821"); unique among pending requests (index below).
  code         char(4)     NOT NULL CHECK (code ~ '^[0-9]{4}$'),
  kind         text        NOT NULL CHECK (kind ~ '^[a-z][a-z0-9-]*$'),
  subject      text        NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
  summary      text        NOT NULL CHECK (length(summary) BETWEEN 1 AND 500),
  -- What is asked, why, and within which limits: shown to the operator as is.
  details      jsonb       NOT NULL CHECK (jsonb_typeof(details) = 'object'),
  workflow_id  text        NOT NULL,
  run_id       text        NOT NULL,
  -- The requesting activity (workflow run + activity id): a retried request lands once.
  request_key  text        NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL CHECK (expires_at > created_at),
  status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
  decided_at   timestamptz,
  decided_by   text,
  channel      text        CHECK (channel IN ('cli', 'sms', 'timeout')),
  reason       text        CHECK (length(reason) <= 500),
  CHECK ((status = 'pending') = (decided_at IS NULL)),
  CHECK (status IN ('pending', 'expired') OR (decided_by IS NOT NULL AND channel IN ('cli', 'sms'))),
  CHECK (status <> 'rejected' OR length(reason) > 0)
);

CREATE UNIQUE INDEX approvals_pending_code ON approvals (code) WHERE status = 'pending';
CREATE INDEX approvals_pending_idx ON approvals (expires_at) WHERE status = 'pending';

-- A request is decided once: only a pending row may change, and only its decision columns.
CREATE FUNCTION approvals_decide_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'pending' THEN
    RAISE EXCEPTION 'approval % was already %: a decision is final', OLD.id, OLD.status
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF (NEW.id, NEW.code, NEW.kind, NEW.subject, NEW.summary, NEW.details, NEW.workflow_id, NEW.run_id, NEW.request_key,
      NEW.created_at, NEW.expires_at) IS DISTINCT FROM
     (OLD.id, OLD.code, OLD.kind, OLD.subject, OLD.summary, OLD.details, OLD.workflow_id, OLD.run_id, OLD.request_key,
      OLD.created_at, OLD.expires_at) THEN
    RAISE EXCEPTION 'approval %: only the decision may change', OLD.id USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER approvals_decided_once BEFORE UPDATE ON approvals FOR EACH ROW EXECUTE FUNCTION approvals_decide_once();

CREATE FUNCTION approvals_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'approvals are kept: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER approvals_no_delete BEFORE DELETE OR TRUNCATE ON approvals
  FOR EACH STATEMENT EXECUTE FUNCTION approvals_refuse_delete();

REVOKE ALL ON approvals FROM PUBLIC;
GRANT SELECT, INSERT ON approvals TO nemo_app;
GRANT UPDATE (status, decided_at, decided_by, channel, reason) ON approvals TO nemo_app;
