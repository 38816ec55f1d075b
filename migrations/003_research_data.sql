-- Research data: historical bars fetched through the venue adapters (reused by backtests instead of fetching again),
-- binary-market results, and the untrusted texts the research sources fetched with the screening verdict on each.

CREATE TABLE market_bars (
  venue       text        NOT NULL CHECK (venue IN ('kalshi', 'coinbase')),
  market      text        NOT NULL CHECK (length(market) BETWEEN 1 AND 200),
  -- The venue's bar size, e.g. ONE_MINUTE, ONE_HOUR (Coinbase) or 60 (Kalshi candlestick minutes).
  granularity text        NOT NULL CHECK (length(granularity) BETWEEN 1 AND 40),
  bar_time    timestamptz NOT NULL,
  open        numeric,
  high        numeric,
  low         numeric,
  close       numeric     NOT NULL CHECK (close > 0),
  volume      numeric     NOT NULL CHECK (volume >= 0),
  bid         numeric,
  ask         numeric,
  fetched_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (venue, market, granularity, bar_time)
);

CREATE TABLE market_results (
  venue      text        NOT NULL CHECK (venue = 'kalshi'),
  market     text        NOT NULL,
  result_yes boolean     NOT NULL,
  settled_at timestamptz NOT NULL,
  PRIMARY KEY (venue, market)
);

CREATE TABLE research_documents (
  -- sha256 of source and external id: a text fetched twice is stored once.
  id           char(64)    PRIMARY KEY,
  source       text        NOT NULL,
  external_id  text        NOT NULL,
  url          text,
  author       text,
  published_at timestamptz,
  title        text,
  body         text        NOT NULL,
  verdict      text        NOT NULL CHECK (verdict IN ('clean', 'suspicious', 'injection')),
  -- Quarantined texts are kept as evidence and never handed to the analyst.
  status       text        NOT NULL CHECK (status IN ('accepted', 'quarantined')),
  findings     jsonb       NOT NULL,
  fetched_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX research_documents_source_idx ON research_documents (source, fetched_at);

-- Facts once written are not rewritten: the application may add rows and read them.
GRANT SELECT, INSERT ON market_bars, market_results, research_documents TO nemo_app;
