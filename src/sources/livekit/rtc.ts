import path from 'node:path';

export type Rtc = typeof import('@livekit/rtc-node');

let loaded: Rtc | null = null;

/**
 * @livekit/rtc-node loads its native FFI library on require, so it is loaded on first use only (a file or
 * RTSP run never pays for it). Its own pino logger prints debug lines on stdout unless NODE_ENV is
 * production; it is quieted to warnings, since stdout carries the CLI's summary.
 */
export function rtc(): Rtc {
  if (loaded) return loaded;
  loaded = require('@livekit/rtc-node') as Rtc;
  try {
    // Not exported by the package: reached by path; the same module instance the SDK logs through.
    const logPath = path.join(path.dirname(require.resolve('@livekit/rtc-node')), 'log.cjs');
    const mod = require(logPath) as { log?: { level: string } };
    if (mod.log && process.env.LIVEKIT_LOG_LEVEL === undefined) mod.log.level = 'warn';
    else if (mod.log) mod.log.level = process.env.LIVEKIT_LOG_LEVEL!;
  } catch {
    /* a later SDK layout: its debug lines are noise, not a failure */
  }
  return loaded;
}
