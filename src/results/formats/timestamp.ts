/** Media seconds → `HH:MM:SS<sep>mmm` (hours grow past 99 rather than wrap). */
export function clockTime(seconds: number, sep: ',' | '.'): string {
  const totalMs = Math.max(0, Math.round(seconds * 1000));
  const ms = totalMs % 1000;
  const s = Math.floor(totalMs / 1000) % 60;
  const m = Math.floor(totalMs / 60_000) % 60;
  const h = Math.floor(totalMs / 3_600_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(h)}:${two(m)}:${two(s)}${sep}${String(ms).padStart(3, '0')}`;
}

/** `[HH:]MM:SS(,|.)mmm` → seconds; NaN when it is not one. */
export function parseClockTime(text: string): number {
  const m = /^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)[,.](\d{3})$/.exec(text.trim());
  if (!m) return Number.NaN;
  return (Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3])) + Number(m[4]) / 1000;
}
