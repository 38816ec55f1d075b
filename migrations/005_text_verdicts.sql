-- Screening verdicts keyed by content: the sha256 of the exact normalised text a model is shown (a market title, its
-- rules, a document's title and body). A renamed market or an edited document is new content and is screened again;
-- a quarantined text stays quarantined whatever id it arrives under.

CREATE TABLE text_verdicts (
  text_hash         char(64)    PRIMARY KEY CHECK (text_hash ~ '^[0-9a-f]{64}$'),
  -- The text as the model would see it: evidence for the operator and for audits (`nemo screen`).
  text              text        NOT NULL,
  verdict           text        NOT NULL CHECK (verdict IN ('clean', 'suspicious', 'injection')),
  status            text        NOT NULL CHECK (status IN ('accepted', 'quarantined')),
  rules             jsonb       NOT NULL,
  findings          jsonb       NOT NULL,
  review            text,
  first_source      text        NOT NULL,
  first_external_id text        NOT NULL,
  screened_at       timestamptz NOT NULL DEFAULT now(),
  quarantined_at    timestamptz
);

-- A verdict only tightens: an accepted text may later be quarantined (its item came with an attack), never the
-- reverse, and the text and where it was first seen never change.
CREATE FUNCTION text_verdicts_tighten_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'quarantined' THEN
    RAISE EXCEPTION 'text % is quarantined: a quarantine is never lifted', OLD.text_hash USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.status <> 'quarantined' OR (NEW.text_hash, NEW.text, NEW.first_source, NEW.first_external_id, NEW.screened_at)
     IS DISTINCT FROM (OLD.text_hash, OLD.text, OLD.first_source, OLD.first_external_id, OLD.screened_at) THEN
    RAISE EXCEPTION 'text %: a verdict may only change from accepted to quarantined', OLD.text_hash USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER text_verdicts_tighten BEFORE UPDATE ON text_verdicts FOR EACH ROW EXECUTE FUNCTION text_verdicts_tighten_only();

REVOKE ALL ON text_verdicts FROM PUBLIC;
GRANT SELECT, INSERT ON text_verdicts TO nemo_app;
GRANT UPDATE (status, verdict, rules, findings, review, quarantined_at) ON text_verdicts TO nemo_app;
