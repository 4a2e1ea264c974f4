import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { discover } from '../gst';
import { mp4Durations } from './mp4-duration';
import { CLOSING_PREFIX, SEGMENT_NAME, WRITING_DIR, segmentName, writingLocation } from './recording-paths';
import { applyRetention, type RetentionLimits, type RetentionResult } from './retention';
import { appendSegment, type SegmentEntry } from './segment-index';

export interface SegmentRecorderOptions extends RetentionLimits {
  streamId: string;
  /** The stream's folder (recordingDir()). */
  dir: string;
  /** Wall clock of media time 0, epoch ms: the session's clock start (frames' `ts` = this + ptsUs). */
  clockStartMs: number;
  /** How often the writing folder is checked for closed segments (default 1 s). */
  pollMs?: number;
  /** How often retention runs besides on each segment close (default 60 s). */
  retentionEveryMs?: number;
  logger?: Logger;
  /** Called after each segment is indexed (tests). */
  onSegment?: (entry: SegmentEntry) => void;
}

/** One pipeline run's files: contiguous segments starting at the connection's first frame. */
interface Connection {
  dir: string;
  /** Media time of the next segment's start; unknown until the connection's first frame. */
  nextUs: number | undefined;
}

const DISCOVER_TIMEOUT_MS = 5_000;
const MAX_UNPLAYABLE_SCANS = 10;

/**
 * Turns splitmuxsink's files into the stream's segment index, without help from the pipeline: segments of
 * one connection are contiguous, so the first starts at the connection's first frame (the same media
 * clock as frames' ptsUs) and each closed segment's duration (GstDiscoverer) gives the next one's start.
 * The newest file of the writing folder is open and never touched. When a connection ends (reconnect)
 * its folder is moved aside at once, synchronously, so the next pipeline starts numbering in an empty
 * folder. The session ends a recording pipeline with EOS first (a graceful stop, or a reconnect out of a
 * stall; src/ingest/session.ts), so its last file is finalised before the recorder hears of the end and
 * is indexed like the others; only a pipeline that failed (no EOS, so no MP4 index) leaves a last file
 * that is dropped as unplayable. Closed segments get a permanent number, an index line, then retention runs.
 */
export class SegmentRecorder {
  readonly location: string;
  private readonly writing: string;
  private conn: Connection | null = null;
  private lastEndUs = 0;
  private seq: number;
  private closings = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private detach: (() => void) | null = null;
  /** Closed files that were not playable yet, and how many scans found them so. */
  private readonly unplayable = new Map<string, number>();

  constructor(private readonly opts: SegmentRecorderOptions) {
    this.writing = path.join(opts.dir, WRITING_DIR);
    this.location = writingLocation(opts.dir);
    fs.mkdirSync(opts.dir, { recursive: true });
    const names = fs.readdirSync(opts.dir);
    this.seq = names.filter((n) => SEGMENT_NAME.test(n)).reduce((m, n) => Math.max(m, Number(n.slice(0, 10)) + 1), 0);
    // A previous run that crashed left files behind: set aside now (before any pipeline writes), kept
    // unindexed when playable (their media time belongs to a session that is gone); retention ages them out.
    const leftovers = names.filter((n) => n.startsWith(CLOSING_PREFIX)).map((n) => path.join(opts.dir, n));
    const aside = this.setAside();
    if (aside) leftovers.push(aside);
    fs.mkdirSync(this.writing, { recursive: true });
    for (const dir of leftovers) this.enqueue(() => this.salvage(dir));
    this.timers.push(setInterval(() => this.enqueue(() => this.scan()), opts.pollMs ?? 1000));
    this.timers.push(setInterval(() => this.enqueue(() => this.retain()), opts.retentionEveryMs ?? 60_000));
    for (const t of this.timers) t.unref();
  }

  /**
   * Follows a Session: 'started' (a pipeline is playing: a new connection), its first 'frame' (where that
   * connection's media time begins), 'reconnecting' (the connection ended).
   */
  attach(session: EventEmitter): void {
    const onStarted = () => this.connectionStarted();
    const onFrame = (f: { ptsUs: number }) => this.frame(f.ptsUs);
    const onReconnecting = () => this.connectionEnded();
    session.on('started', onStarted);
    session.on('frame', onFrame);
    session.on('reconnecting', onReconnecting);
    this.detach = () => {
      session.off('started', onStarted);
      session.off('frame', onFrame);
      session.off('reconnecting', onReconnecting);
    };
  }

  connectionStarted(): void {
    if (this.conn) this.connectionEnded();
    this.conn = { dir: this.writing, nextUs: undefined };
  }

  frame(ptsUs: number): void {
    if (this.conn && this.conn.nextUs === undefined) this.conn.nextUs = Math.max(ptsUs, this.lastEndUs);
  }

  connectionEnded(): void {
    const conn = this.conn;
    if (!conn) return;
    this.conn = null;
    const aside = this.setAside();
    fs.mkdirSync(this.writing, { recursive: true });
    // Nothing written (a connection that failed early): nothing to index, and the writing folder is the
    // next connection's already.
    if (!aside) return;
    conn.dir = aside;
    this.enqueue(() => this.closeAll(conn));
  }

  /**
   * Call once the session has stopped (await session.stop(): its pipelines released, the last one after
   * its EOS finalised the segment being written): indexes what the last connection wrote, that segment
   * included, runs retention, stops the timers.
   */
  async stop(): Promise<void> {
    if (this.stopped) return this.chain;
    this.stopped = true;
    this.detach?.();
    for (const t of this.timers) clearInterval(t);
    const conn = this.conn;
    this.conn = null;
    if (conn) this.enqueue(() => this.closeAll(conn));
    this.enqueue(() => this.retain());
    return this.chain;
  }

  /** Runs retention now, in turn with indexing (tests, and an operator's "free space now"). */
  retention(limits: RetentionLimits = this.opts): Promise<RetentionResult> {
    return new Promise((resolve, reject) => this.enqueue(() => applyRetention(this.opts.dir, limits).then(resolve, reject)));
  }

  /** Resolves once everything queued so far is done. */
  idle(): Promise<void> {
    return this.chain;
  }

  private enqueue(job: () => Promise<unknown>): void {
    this.chain = this.chain.then(job).then(
      () => undefined,
      (err: unknown) => this.log.warn({ err: (err as Error).message }, 'recording: indexing failed'),
    );
  }

  private logger: Logger | undefined;

  /** pino loads on the first log line, not with the recorder. */
  private get log(): Logger {
    this.logger ??= this.opts.logger ?? (require('../obs/logger') as typeof import('../obs/logger')).childLogger({ component: 'recording', streamId: this.opts.streamId });
    return this.logger;
  }

  /** Renames a non-empty writing folder to a closing one (synchronously); its path, or null when empty. */
  private setAside(): string | null {
    let names: string[];
    try {
      names = fs.readdirSync(this.writing);
    } catch {
      return null;
    }
    if (names.length === 0) return null;
    const to = path.join(this.opts.dir, `${CLOSING_PREFIX}${Date.now()}-${process.pid}-${this.closings++}`);
    fs.renameSync(this.writing, to);
    return to;
  }

  private async scan(): Promise<void> {
    if (this.conn) await this.index(this.conn, false);
  }

  private async closeAll(conn: Connection): Promise<void> {
    await this.index(conn, true);
    if (conn.dir !== this.writing) await fs.promises.rm(conn.dir, { recursive: true, force: true });
  }

  /** Indexes a connection's closed files in order; `ended`: all are closed, the last maybe unplayable. */
  private async index(conn: Connection, ended: boolean): Promise<void> {
    const files = (await fs.promises.readdir(conn.dir).catch(() => [] as string[])).filter((n) => n.endsWith('.mp4')).sort();
    const closed = ended ? files : files.slice(0, -1);
    let added = false;
    for (const name of closed) {
      const file = path.join(conn.dir, name);
      const durationUs = await playableDurationUs(file);
      if (durationUs === null) {
        // Not finalized yet: try again on the next scan (a file that never becomes playable is dropped).
        const tries = (this.unplayable.get(file) ?? 0) + 1;
        this.unplayable.set(file, tries);
        if (!ended && tries < MAX_UNPLAYABLE_SCANS) return;
        this.unplayable.delete(file);
        // The tail of a pipeline that failed or missed its EOS (no MP4 index), or a broken file.
        this.log.debug({ file }, 'recording: dropping an unplayable segment');
        await fs.promises.rm(file, { force: true });
        continue;
      }
      const startUs = conn.nextUs ?? this.lastEndUs;
      const target = segmentName(this.seq++);
      const bytes = (await fs.promises.stat(file)).size;
      await fs.promises.rename(file, path.join(this.opts.dir, target));
      const entry: SegmentEntry = {
        file: target, startUs, durationUs, wallMs: Math.round(this.opts.clockStartMs + startUs / 1000), bytes, session: this.opts.clockStartMs,
      };
      await appendSegment(this.opts.dir, entry);
      conn.nextUs = startUs + durationUs;
      this.lastEndUs = Math.max(this.lastEndUs, conn.nextUs);
      added = true;
      this.opts.onSegment?.(entry);
    }
    if (added) await this.retain();
  }

  /** Files of a crashed run: playable ones become numbered (unindexed) segments, the rest go. */
  private async salvage(dir: string): Promise<void> {
    const files = (await fs.promises.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.mp4')).sort();
    for (const name of files) {
      const file = path.join(dir, name);
      if ((await playableDurationUs(file)) === null) await fs.promises.rm(file, { force: true });
      else await fs.promises.rename(file, path.join(this.opts.dir, segmentName(this.seq++)));
    }
    await fs.promises.rm(dir, { recursive: true, force: true });
  }

  private async retain(): Promise<void> {
    const r = await applyRetention(this.opts.dir, this.opts);
    if (r.deleted.length > 0) this.log.debug({ deleted: r.deleted.length, bytes: r.bytes }, 'recording: retention deleted segments');
  }
}

/**
 * A closed segment's duration, or null when GStreamer cannot play it (no MP4 index yet, or never). With
 * audio it is the video track's (the file's own duration is the longer track's, and audio may run a
 * frame past the video): offsets follow the video, as they do without audio.
 */
async function playableDurationUs(file: string): Promise<number | null> {
  try {
    const info = await discover(file, DISCOVER_TIMEOUT_MS);
    if (!info.video || !(info.durationNs > 0)) return null;
    const us = Math.round(info.durationNs / 1000);
    if (!info.audio) return us;
    const video = (await mp4Durations(file).catch(() => null))?.videoUs;
    return video && video > 0 && video <= us ? video : us;
  } catch {
    return null;
  }
}
