/**
 * Runs one export pipeline through src/gst's Pipeline: preroll, seek, play, then either wait for EOS
 * or take the first sample of one appsink. Bounded by a deadline; GStreamer's errors become clip errors.
 */
import { VideoAgentError } from '../errors';
import { GstError, Pipeline, type Sample, type SeekFlags } from '../gst';

export interface RunOptions {
  /** `element`: seek from that element (upstream of the muxer) rather than from the sinks. */
  seek?: { startNs: number; stopNs: number; flags: SeekFlags; element?: string };
  /** Epoch ms by which the pipeline must be done (the export's budget). */
  deadline: number;
  /** What errors name: the source file. */
  subject: string;
}

/** A GStreamer failure in terms of the clip: missing or unreadable source, missing plugin, or an export failure. */
export function clipError(err: unknown, subject: string): VideoAgentError {
  if (err instanceof VideoAgentError && err.code.startsWith('E_CLIP_')) return err;
  if (err instanceof GstError || err instanceof VideoAgentError) {
    const code = err.code;
    if (code === 'E_FILE_NOT_FOUND' || code === 'E_NOT_FOUND') {
      return new VideoAgentError('E_CLIP_SOURCE_NOT_FOUND', `clip source not found: ${subject}`, { kind: 'not_found', cause: err });
    }
    if (code === 'E_NOT_MEDIA' || code === 'E_CORRUPT_MEDIA' || code === 'E_FILE_UNREADABLE' || code === 'E_READ_FAILED' || code === 'E_ENCRYPTED_MEDIA') {
      return new VideoAgentError('E_CLIP_SOURCE_UNREADABLE', `cannot read the clip source ${subject}: ${err.message}`, { kind: 'bad_input', cause: err });
    }
    if (code === 'E_MISSING_PLUGIN' || (err instanceof GstError && err.reason === 'no_such_element')) {
      return new VideoAgentError('E_CLIP_MISSING_PLUGIN', `a GStreamer plugin the export needs is missing: ${err.message}`, { kind: 'config', cause: err });
    }
    if (err.kind === 'deadline') return timeoutError(subject, err);
    return new VideoAgentError('E_CLIP_EXPORT_FAILED', `clip export from ${subject} failed: ${err.message}`, { kind: 'internal', cause: err });
  }
  return new VideoAgentError('E_CLIP_EXPORT_FAILED', `clip export from ${subject} failed: ${(err as Error)?.message ?? String(err)}`, { kind: 'internal', cause: err });
}

function timeoutError(subject: string, cause?: unknown): VideoAgentError {
  return new VideoAgentError('E_CLIP_TIMEOUT', `clip export from ${subject} did not finish in time`, { kind: 'deadline', cause });
}

function untilDeadline<T>(deadline: number, subject: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError(subject)), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

async function started(p: Pipeline, o: RunOptions): Promise<void> {
  if (o.seek) {
    await p.pauseAndPreroll(Math.max(1, o.deadline - Date.now()));
    if (!p.seek(o.seek.startNs, o.seek.stopNs, o.seek.flags, o.seek.element)) {
      throw new VideoAgentError('E_CLIP_EXPORT_FAILED', `${o.subject} refused a seek to ${o.seek.startNs / 1e9} s`, { kind: 'internal' });
    }
  }
  p.start();
}

function create(launch: string, o: RunOptions): Pipeline {
  try {
    return Pipeline.create(launch, { label: 'clip', subject: { kind: 'file', name: o.subject } });
  } catch (err) {
    throw clipError(err, o.subject);
  }
}

/** Plays the pipeline (after the seek, if any) until EOS. */
export async function runToEos(launch: string, o: RunOptions): Promise<void> {
  const p = create(launch, o);
  try {
    await untilDeadline(o.deadline, o.subject, (async () => {
      await started(p, o);
      await p.done;
    })());
  } catch (err) {
    throw clipError(err, o.subject);
  } finally {
    await p.stop();
  }
}

/** The first sample of appsink `sink` after the seek, or null when the stream ended before one came. */
export async function firstSample(launch: string, sink: string, o: RunOptions): Promise<Sample | null> {
  const p = create(launch, o);
  const stream = p.sink(sink);
  try {
    return await untilDeadline(o.deadline, o.subject, (async () => {
      await started(p, o);
      for await (const s of stream) return s;
      await p.done;
      return null;
    })());
  } catch (err) {
    throw clipError(err, o.subject);
  } finally {
    await p.stop();
  }
}
