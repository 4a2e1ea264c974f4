import type { TrackLike } from '../room-like';
import type { TrackMedia, TrackMediaReader, TrackReaderFactory } from '../track-reader';

/** A track for the scripted reader: `frames` packed I420 frames of w×h every `intervalMs` (or PCM). */
export interface ScriptedTrack extends TrackLike {
  readonly script: { kind: 'video'; width: number; height: number } | { kind: 'audio'; sampleRate: number; channels: number };
  readonly intervalMs: number;
}

/**
 * Readers that produce synthetic media at a real-time pace until closed: the lifecycle tests need live
 * tracks without a LiveKit server. `open` counts the readers currently open per track sid.
 */
export function scriptedReaders(): { factory: TrackReaderFactory; open: Map<string, number> } {
  const open = new Map<string, number>();
  const factory: TrackReaderFactory = (track) => {
    const t = track as ScriptedTrack;
    const sid = t.sid ?? '?';
    let closed = false;
    let wake: (() => void) | null = null;
    open.set(sid, (open.get(sid) ?? 0) + 1);
    const reader: TrackMediaReader = {
      async *[Symbol.asyncIterator](): AsyncGenerator<TrackMedia> {
        let n = 0;
        try {
          while (!closed) {
            if (t.script.kind === 'video') {
              const { width, height } = t.script;
              const data = new Uint8Array(width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2)).fill(60 + (n % 100));
              yield { kind: 'video', frame: { width, height, data }, timestampUs: BigInt(5_000_000 + n * t.intervalMs * 1000) };
            } else {
              const samples = Math.round((t.script.sampleRate * t.intervalMs) / 1000);
              yield { kind: 'audio', frame: { data: new Int16Array(samples * t.script.channels), sampleRate: t.script.sampleRate, channels: t.script.channels, samplesPerChannel: samples } };
            }
            n++;
            await new Promise<void>((r) => { wake = r; setTimeout(r, t.intervalMs); });
          }
        } finally {
          open.set(sid, (open.get(sid) ?? 1) - 1);
        }
      },
      async close() {
        closed = true;
        wake?.();
      },
    };
    return reader;
  };
  return { factory, open };
}
