/**
 * Wall-clock encoding. `ts` values are epoch milliseconds that may carry a fraction (stream start +
 * pts_us / 1000); Date.toISOString() would truncate to milliseconds, so the microseconds are appended
 * explicitly. Deterministic: the same (time base, pts) always encodes to the same timestamptz, which the
 * unique keys rely on.
 */
export function isoMicros(epochMs: number): string {
  const totalUs = Math.round(epochMs * 1000);
  const ms = Math.floor(totalUs / 1000);
  const us = totalUs - ms * 1000;
  const iso = new Date(ms).toISOString(); // 2026-01-01T00:00:00.123Z
  return `${iso.slice(0, -1)}${String(us).padStart(3, '0')}Z`;
}

/** ts for a media time on a stream's time base. */
export function wallClockMs(startedAtMs: number, ptsUs: number): number {
  return startedAtMs + ptsUs / 1000;
}
