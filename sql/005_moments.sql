-- Moments: why a highlight was chosen, the clips cut from the media, and rules kept by the server.

-- The second of the peak and each signal's weighted share of the score (they sum to it).
ALTER TABLE highlights ADD COLUMN IF NOT EXISTS peak_us bigint;
ALTER TABLE highlights ADD COLUMN IF NOT EXISTS contributions jsonb NOT NULL DEFAULT '{}';
CREATE INDEX IF NOT EXISTS highlights_stream_score ON highlights (stream_id, score DESC);

-- One row per exported clip (MP4 with faststart, plus a poster JPEG) in the object store.
CREATE TABLE IF NOT EXISTS clips (
  clip_id       text PRIMARY KEY,
  stream_id     text NOT NULL,
  ts            timestamptz NOT NULL,              -- wall time of start_us
  pts_us        bigint NOT NULL,                   -- = start_us (requested)
  start_us      bigint NOT NULL,
  end_us        bigint NOT NULL CHECK (end_us > start_us),
  highlight_pts_us bigint,                         -- the highlight it was cut for, when any
  object_key    text NOT NULL,
  url           text NOT NULL,                     -- presigned GET or file:// (never with credentials)
  poster_key    text,
  size_bytes    bigint NOT NULL CHECK (size_bytes >= 0),
  duration_s    real NOT NULL,
  mode          text NOT NULL,                     -- remux | reencode
  source        text NOT NULL,                     -- file | recording
  export_ms     real NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS clips_stream_start ON clips (stream_id, start_us);
-- A highlight's clip (the highlights list looks it up per row).
CREATE INDEX IF NOT EXISTS clips_stream_highlight ON clips (stream_id, highlight_pts_us);

-- Rules added over the API (config-file rules live in the config); one row per rule id.
CREATE TABLE IF NOT EXISTS rules (
  rule_id     text PRIMARY KEY,
  stream_id   text,                                -- null: every stream
  spec        jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
