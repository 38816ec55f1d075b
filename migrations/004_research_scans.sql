-- Research scans: each scan snapshots the open markets it pages through, so its batches read a fixed list (and a
-- 5,000-market listing never travels through a Temporal payload).

CREATE TABLE scan_markets (
  scan_id    text        NOT NULL CHECK (length(scan_id) BETWEEN 1 AND 200),
  position   integer     NOT NULL CHECK (position >= 0),
  venue      text        NOT NULL CHECK (venue IN ('kalshi', 'coinbase')),
  market     text        NOT NULL CHECK (length(market) BETWEEN 1 AND 200),
  title      text        NOT NULL,
  best_bid   numeric,
  best_ask   numeric,
  last_price numeric,
  closes_at  timestamptz,
  scanned_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scan_id, position)
);

CREATE INDEX scan_markets_scanned_idx ON scan_markets (scanned_at);

GRANT SELECT, INSERT, DELETE ON scan_markets TO nemo_app;
