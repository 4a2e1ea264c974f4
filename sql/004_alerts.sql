-- Alerts fired by rules, and every webhook delivery attempt for them. alert_id is the idempotency key a
-- receiver sees (stable per stream, rule and moment), so an alert fired twice is stored and delivered once.
CREATE TABLE IF NOT EXISTS alerts (
  alert_id    text PRIMARY KEY,
  stream_id   text NOT NULL,
  ts          timestamptz NOT NULL,
  pts_us      bigint NOT NULL,
  rule        text NOT NULL,
  kind        text NOT NULL,
  payload     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS alerts_stream_ts ON alerts (stream_id, ts DESC);

-- One row per HTTP attempt: target is the webhook URL without userinfo or query (tokens live there).
CREATE TABLE IF NOT EXISTS deliveries (
  alert_id    text NOT NULL,
  target      text NOT NULL,
  attempt     integer NOT NULL CHECK (attempt >= 1),
  ts          timestamptz NOT NULL,
  status      integer,                       -- HTTP status; null when no answer came
  ok          boolean NOT NULL,
  final       boolean NOT NULL,              -- the last attempt for this alert and target
  error       text,
  latency_ms  real NOT NULL,
  PRIMARY KEY (alert_id, target, attempt)
);
