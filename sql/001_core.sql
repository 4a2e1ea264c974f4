-- Core schema. Every time-series table carries stream_id, ts (wall clock = stream time base + pts) and
-- pts_us (integer media microseconds, never a float key). Unique indexes are the idempotency keys: a re-run
-- or a redelivered bus message inserts with ON CONFLICT DO NOTHING. They include ts because TimescaleDB
-- requires every unique index of a hypertable to contain the time column; ts is deterministic per
-- (stream, pts) because a stream's time base is stored once and reused on re-runs.

CREATE TABLE IF NOT EXISTS streams (
  stream_id   text PRIMARY KEY,
  source      text NOT NULL,
  started_at  timestamptz NOT NULL,          -- the time base: ts = started_at + pts
  metadata    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS frames (
  stream_id   text NOT NULL,
  ts          timestamptz NOT NULL,
  pts_us      bigint NOT NULL,
  width       integer NOT NULL,
  height      integer NOT NULL,
  bytes       integer,
  scene_score real
);
CREATE UNIQUE INDEX IF NOT EXISTS frames_key ON frames (stream_id, pts_us, ts);
CREATE INDEX IF NOT EXISTS frames_stream_ts ON frames (stream_id, ts DESC);

CREATE TABLE IF NOT EXISTS detections (
  stream_id   text NOT NULL,
  ts          timestamptz NOT NULL,
  pts_us      bigint NOT NULL,
  det_idx     integer NOT NULL,              -- position in the frame's result list: the per-frame key
  class_id    integer NOT NULL,
  class_name  text NOT NULL,
  confidence  real NOT NULL,
  bbox        real[] NOT NULL CHECK (cardinality(bbox) = 4),  -- x1,y1,x2,y2 in pixels
  track_id    integer
);
CREATE UNIQUE INDEX IF NOT EXISTS detections_key ON detections (stream_id, pts_us, det_idx, ts);
CREATE INDEX IF NOT EXISTS detections_stream_ts ON detections (stream_id, ts DESC);
CREATE INDEX IF NOT EXISTS detections_track ON detections (stream_id, track_id, ts);

CREATE TABLE IF NOT EXISTS emotions (
  stream_id   text NOT NULL,
  ts          timestamptz NOT NULL,
  pts_us      bigint NOT NULL,
  face_idx    integer NOT NULL,
  emotion     text NOT NULL,
  confidence  real NOT NULL,
  scores      jsonb NOT NULL DEFAULT '{}'::jsonb,
  bbox        real[] CHECK (bbox IS NULL OR cardinality(bbox) = 4),
  track_id    integer
);
CREATE UNIQUE INDEX IF NOT EXISTS emotions_key ON emotions (stream_id, pts_us, face_idx, ts);
CREATE INDEX IF NOT EXISTS emotions_stream_ts ON emotions (stream_id, ts DESC);

CREATE TABLE IF NOT EXISTS audio_segments (
  stream_id   text NOT NULL,
  ts          timestamptz NOT NULL,
  pts_us      bigint NOT NULL,               -- = start_us
  start_us    bigint NOT NULL,
  end_us      bigint NOT NULL CHECK (end_us >= start_us),
  text        text NOT NULL DEFAULT '',
  confidence  real,
  speaker_id  text,
  prosody     jsonb,
  is_silence  boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX IF NOT EXISTS audio_segments_key ON audio_segments (stream_id, pts_us, ts);
CREATE INDEX IF NOT EXISTS audio_segments_stream_ts ON audio_segments (stream_id, ts DESC);

CREATE TABLE IF NOT EXISTS events (
  stream_id   text NOT NULL,
  ts          timestamptz NOT NULL,
  pts_us      bigint NOT NULL,               -- = start_us
  start_us    bigint NOT NULL,
  end_us      bigint NOT NULL CHECK (end_us >= start_us),
  description text NOT NULL,
  tags        text[] NOT NULL DEFAULT '{}',
  clip_worthy_score real NOT NULL CHECK (clip_worthy_score >= 0 AND clip_worthy_score <= 1),
  model       text NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_key ON events (stream_id, pts_us, end_us, ts);
CREATE INDEX IF NOT EXISTS events_stream_ts ON events (stream_id, ts DESC);
CREATE INDEX IF NOT EXISTS events_score ON events (clip_worthy_score DESC, ts DESC);

CREATE TABLE IF NOT EXISTS highlights (
  stream_id   text NOT NULL,
  ts          timestamptz NOT NULL,
  pts_us      bigint NOT NULL,               -- = start_us
  start_us    bigint NOT NULL,
  end_us      bigint NOT NULL CHECK (end_us >= start_us),
  score       real NOT NULL,
  title       text NOT NULL DEFAULT '',
  clip_uri    text
);
CREATE UNIQUE INDEX IF NOT EXISTS highlights_key ON highlights (stream_id, pts_us, end_us, ts);
CREATE INDEX IF NOT EXISTS highlights_stream_ts ON highlights (stream_id, ts DESC);

-- Text by time range (transcripts, event descriptions) for full-text search.
CREATE TABLE IF NOT EXISTS memory_chunks (
  stream_id   text NOT NULL,
  ts          timestamptz NOT NULL,
  pts_us      bigint NOT NULL,               -- = start_us
  start_us    bigint NOT NULL,
  end_us      bigint NOT NULL CHECK (end_us >= start_us),
  kind        text NOT NULL,                 -- 'transcript' | 'event' | ...
  text        text NOT NULL,
  tsv         tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED
);
CREATE UNIQUE INDEX IF NOT EXISTS memory_chunks_key ON memory_chunks (stream_id, kind, pts_us, ts);
CREATE INDEX IF NOT EXISTS memory_chunks_stream_ts ON memory_chunks (stream_id, ts DESC);
CREATE INDEX IF NOT EXISTS memory_chunks_tsv ON memory_chunks USING gin (tsv);

-- Which frames/chunks a stage skipped and why (degradation is queryable, not only logged).
CREATE TABLE IF NOT EXISTS skips (
  stream_id   text NOT NULL,
  ts          timestamptz NOT NULL,
  pts_us      bigint NOT NULL,
  stage       text NOT NULL,
  reason      text NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS skips_key ON skips (stream_id, stage, pts_us, ts);
CREATE INDEX IF NOT EXISTS skips_stream_ts ON skips (stream_id, ts DESC);

-- One row per endpoint call, for the summary's calls / GPU seconds / cost.
CREATE TABLE IF NOT EXISTS endpoint_calls (
  stream_id   text NOT NULL,
  ts          timestamptz NOT NULL,
  pts_us      bigint,                        -- first item of the batch, when the call is tied to media
  call_id     text NOT NULL,                 -- RunPod job id or a caller-made id: the idempotency key
  model       text NOT NULL,
  endpoint    text NOT NULL,
  ms          real NOT NULL,
  gpu_seconds real NOT NULL DEFAULT 0,
  cost_usd    double precision NOT NULL DEFAULT 0,
  ok          boolean NOT NULL,
  error       text
);
CREATE UNIQUE INDEX IF NOT EXISTS endpoint_calls_key ON endpoint_calls (call_id, ts);
CREATE INDEX IF NOT EXISTS endpoint_calls_stream_ts ON endpoint_calls (stream_id, ts DESC);
