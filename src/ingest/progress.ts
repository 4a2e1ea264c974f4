import type cliProgress from 'cli-progress';
import type { SessionStats } from './session';

/**
 * Human progress for the ingest command, on stderr (stdout carries the summary): a bar with percent
 * and frames/s for files on a TTY, a live counter line for streams on a TTY, and plain periodic lines
 * when stderr is not a TTY (CI logs).
 */
export interface ProgressReporter {
  update(stats: SessionStats): void;
  stop(): void;
}

export function createProgress(opts: { live: boolean; stream?: NodeJS.WriteStream; intervalMs?: number }): ProgressReporter {
  const stream = opts.stream ?? process.stderr;
  if (!stream.isTTY) return new PlainProgress(stream, opts.live, opts.intervalMs ?? 2000);
  return opts.live ? new LiveTtyProgress(stream) : new FileTtyProgress(stream);
}

function fps(s: SessionStats): number {
  const secs = ((s.endedAt ?? Date.now()) - (s.startedAt ?? Date.now())) / 1000;
  return secs > 0 ? s.frames / secs : 0;
}

function percent(s: SessionStats): number {
  return s.durationUs > 0 ? Math.min(100, (100 * s.positionUs) / s.durationUs) : 0;
}

class FileTtyProgress implements ProgressReporter {
  private readonly bar: cliProgress.SingleBar;
  private started = false;
  constructor(stream: NodeJS.WriteStream) {
    // Loaded only for a TTY bar: plain lines and --json never need it.
    const bars = require('cli-progress') as typeof cliProgress;
    this.bar = new bars.SingleBar(
      { stream, format: 'ingest |{bar}| {percentage}% | {frames} frames | {fps} frames/s | audio {audio} s', hideCursor: true, clearOnComplete: false },
      bars.Presets.shades_classic,
    );
  }
  update(s: SessionStats): void {
    const payload = { frames: s.frames, fps: fps(s).toFixed(1), audio: s.audioSeconds.toFixed(1) };
    if (!this.started) {
      this.bar.start(100, 0, payload);
      this.started = true;
    }
    this.bar.update(Math.round(percent(s)), payload);
  }
  stop(): void {
    if (this.started) this.bar.stop();
  }
}

class LiveTtyProgress implements ProgressReporter {
  constructor(private readonly stream: NodeJS.WriteStream) {}
  update(s: SessionStats): void {
    this.stream.write(`\r\x1b[K${s.state} | ${s.frames} frames | ${fps(s).toFixed(1)} frames/s | audio ${s.audioSeconds.toFixed(1)} s | dropped ${s.dropped} | reconnects ${s.reconnects} | lag ${s.lagMs} ms`);
  }
  stop(): void {
    this.stream.write('\n');
  }
}

class PlainProgress implements ProgressReporter {
  private last = 0;
  constructor(private readonly stream: NodeJS.WriteStream, private readonly live: boolean, private readonly intervalMs: number) {}
  update(s: SessionStats): void {
    const now = Date.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    const head = this.live ? s.state : `${percent(s).toFixed(0)}%`;
    this.stream.write(`ingest ${head}: ${s.frames} frames, ${fps(s).toFixed(1)} frames/s, audio ${s.audioSeconds.toFixed(1)} s, dropped ${s.dropped}, reconnects ${s.reconnects}\n`);
  }
  stop(): void {
    // The summary that follows says the rest.
  }
}

/** The end-of-run summary (text). */
export function formatSummary(s: SessionStats): string {
  const wall = ((s.endedAt ?? Date.now()) - (s.startedAt ?? Date.now())) / 1000;
  return [
    `stream ${s.streamId} (${s.source}): ${s.state}`,
    `  frames        ${s.frames}`,
    `  audio seconds ${s.audioSeconds.toFixed(2)}`,
    `  dropped       ${s.dropped}${s.queueDropped ? ` (+${s.queueDropped} buffers in leaky queues)` : ''}`,
    `  reconnects    ${s.reconnects}`,
    `  wall time     ${wall.toFixed(2)} s (${fps(s).toFixed(1)} frames/s)`,
  ].join('\n');
}
