-- Speaker turns from the diarization stage: one row per turn of a stream-wide speaker (`S1`, `S2`, …,
-- linked across audio windows by embedding similarity). Idempotent on (stream_id, pts_us, speaker_id, ts):
-- a redelivered window writes the same rows again and they are ignored.
CREATE TABLE IF NOT EXISTS speaker_turns (
  stream_id   text NOT NULL,
  ts          timestamptz NOT NULL,
  pts_us      bigint NOT NULL,               -- = start_us
  start_us    bigint NOT NULL,
  end_us      bigint NOT NULL CHECK (end_us >= start_us),
  speaker_id  text NOT NULL,
  local_label text,                          -- the endpoint's label within its window, e.g. SPEAKER_00
  similarity  real,                          -- cosine similarity to the stream speaker's centroid when linked
  model       text
);
CREATE UNIQUE INDEX IF NOT EXISTS speaker_turns_key ON speaker_turns (stream_id, pts_us, speaker_id, ts);
CREATE INDEX IF NOT EXISTS speaker_turns_stream_speaker ON speaker_turns (stream_id, speaker_id, ts);
