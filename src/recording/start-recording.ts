// zod-free: analyze loads this on every run; the config model (zod) loads only where a config is parsed.
import type { Logger } from 'pino';
import type { Session, SourceInfo } from '../ingest';
import type { RecordVariables } from '../pipelines';
import { recordFileSource } from './file-recording';
import type { RecordingConfig } from './recording-config';
import { recordingDir } from './recording-paths';
import { SegmentRecorder } from './segment-recorder';

/**
 * splitmuxsink's max-size-time for a segment length. It cuts before a key frame that would take a file
 * past the limit, so a GOP dividing segmentS exactly (1 s GOPs, 2 s segments) would give files one GOP
 * short: a quarter second of slack keeps them at segmentS.
 */
export function segmentNsFor(segmentS: number): number {
  return Math.round((segmentS + 0.25) * 1e9);
}

export interface RecordingOptions extends RecordingConfig {
  /** `recordings/<stream>/` goes under this (the data dir of `analyze --data-dir` or serve's `server.dataDir`). */
  dataDir: string;
}

/** One stream's recording, as `analyzeSource` drives it. */
export interface StreamRecording {
  readonly dir: string;
  /** For openSource: render the template's record branch (live RTSP sources only). */
  readonly branch?: Omit<RecordVariables, 'codec'>;
  /** Follow the session (create the recording before the session's pipeline starts). */
  attach(session: Session): void;
  /** After the session stopped (awaited: its EOS finalised the last segment): index what is left, that segment included, run retention. */
  stop(): Promise<void>;
}

/**
 * RTSP: splitmuxsink segments under `<dataDir>/recordings/<stream>/`, indexed and retained by a
 * SegmentRecorder. Files: the file itself, one index entry. Other sources (LiveKit, appsrc) are not
 * recorded: null.
 */
export function startRecording(args: { streamId: string; source: SourceInfo; options: RecordingOptions; clockStartMs: number; logger?: Logger }): StreamRecording | null {
  const { options } = args;
  const dir = recordingDir(options.dataDir, args.streamId);
  if (args.source.kind === 'rtsp') {
    const recorder = new SegmentRecorder({ streamId: args.streamId, dir, clockStartMs: args.clockStartMs, maxAgeS: options.maxAgeS, maxBytes: options.maxBytes, logger: args.logger });
    return {
      dir,
      branch: { location: recorder.location, segmentNs: segmentNsFor(options.segmentS), maxFiles: 0 },
      attach: (session) => recorder.attach(session),
      stop: () => recorder.stop(),
    };
  }
  if (args.source.kind === 'file') {
    const file = args.source.path;
    let pending: Promise<void> = Promise.resolve();
    return {
      dir,
      attach: (session) => {
        pending = recordFileSource(dir, file, session.probe.durationNs / 1000, args.clockStartMs);
        pending.catch(() => undefined); // surfaced by stop()
      },
      stop: () => pending,
    };
  }
  return null;
}
