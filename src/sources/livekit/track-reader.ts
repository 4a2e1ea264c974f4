import type { I420Frame, PcmFrame } from './participant-stream';
import { rtc } from './rtc';
import { TRACK_KIND, type TrackLike } from './room-like';

export type TrackMedia = { kind: 'video'; frame: I420Frame; timestampUs: bigint } | { kind: 'audio'; frame: PcmFrame };

/** An open reader on one track; close() ends its iteration. */
export interface TrackMediaReader extends AsyncIterable<TrackMedia> {
  close(): Promise<void>;
}

export type TrackReaderFactory = (track: TrackLike, audio: { sampleRate: number; channels: number }) => TrackMediaReader;

/**
 * The SDK's streams on a track: VideoStream (frames converted to I420 when the decoder hands another
 * layout) or AudioStream asked for the template's rate and channel count (the FFI resamples).
 */
export const readTrack: TrackReaderFactory = (track, audio) => {
  const lk = rtc();
  const t = track as unknown as import('@livekit/rtc-node').Track;
  if (track.kind === TRACK_KIND.video) {
    const reader = new lk.VideoStream(t).getReader();
    return wrap(reader, (ev) => {
      const frame = ev.frame.type === lk.VideoBufferType.I420 ? ev.frame : ev.frame.convert(lk.VideoBufferType.I420);
      return { kind: 'video', frame: { width: frame.width, height: frame.height, data: frame.data }, timestampUs: ev.timestampUs };
    });
  }
  const reader = new lk.AudioStream(t, { sampleRate: audio.sampleRate, numChannels: audio.channels }).getReader();
  return wrap(reader, (f) => ({ kind: 'audio', frame: { data: f.data, sampleRate: f.sampleRate, channels: f.channels, samplesPerChannel: f.samplesPerChannel } }));
};

function wrap<T>(reader: ReadableStreamDefaultReader<T>, map: (v: T) => TrackMedia): TrackMediaReader {
  let closed = false;
  return {
    async *[Symbol.asyncIterator]() {
      try {
        while (!closed) {
          const r = await reader.read();
          if (r.done) return;
          yield map(r.value);
        }
      } finally {
        closed = true;
        reader.releaseLock();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await reader.cancel().catch(() => undefined);
    },
  };
}
