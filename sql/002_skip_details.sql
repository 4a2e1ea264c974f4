-- Skips span a range for audio chunks and may carry a short detail (the error message, the breaker state).
ALTER TABLE skips ADD COLUMN IF NOT EXISTS end_us bigint;
ALTER TABLE skips ADD COLUMN IF NOT EXISTS detail text;
