import { EventEmitter } from 'node:events';
import { VideoAgentError } from '../errors';
import type { Logger } from 'pino';
import { openSource, type OpenSourceOptions } from './open-source';
import type { Session, SessionHandlers, SessionStats } from './session';
import { resolveSource } from './source';
import { defaultStreamId } from './stream-id';

interface Entry {
  session: Session;
  run: Promise<SessionStats | undefined>;
}

/**
 * Several sessions in one process, added and stopped at runtime. Each session runs in isolation: its
 * failure is recorded and reported ('session-error'), never thrown into another session or the caller.
 *
 * Events: 'session-start' (streamId), 'session-end' (SessionStats), 'session-error' (streamId, Error).
 */
export class SessionManager extends EventEmitter {
  private readonly sessions = new Map<string, Entry>();
  private readonly finished = new Map<string, SessionStats>();
  private logger: Logger | undefined;
  /** pino loads on the first log line, not with the module. */
  private get log(): Logger {
    return (this.logger ??= (require('../obs/logger') as typeof import('../obs/logger')).childLogger({ component: 'session-manager' }));
  }

  /** Opens and starts a session; rejects only if it cannot be opened (bad input, unreachable source). */
  async add(input: string, opts: OpenSourceOptions & { handlers?: SessionHandlers } = {}): Promise<Session> {
    const streamId = opts.streamId ?? defaultStreamId(resolveSource(input));
    if (this.sessions.has(streamId)) throw new VideoAgentError('E_STREAM_EXISTS', `stream '${streamId}' is already being ingested`);
    const session = await openSource(input, { ...opts, streamId });
    if (this.sessions.has(streamId)) throw new VideoAgentError('E_STREAM_EXISTS', `stream '${streamId}' is already being ingested`);
    const run = session.run(opts.handlers).then(
      (stats) => stats,
      (err: unknown) => {
        this.log.error({ streamId, err: (err as Error).message }, 'session failed');
        this.emit('session-error', streamId, err);
        return undefined;
      },
    ).finally(() => {
      const stats = session.stats();
      this.finished.set(streamId, stats);
      if (this.sessions.get(streamId)?.session === session) this.sessions.delete(streamId);
      this.emit('session-end', stats);
    });
    this.sessions.set(streamId, { session, run });
    this.emit('session-start', streamId);
    return session;
  }

  get(streamId: string): Session | undefined {
    return this.sessions.get(streamId)?.session;
  }

  /** Running sessions' ids. */
  ids(): string[] {
    return [...this.sessions.keys()];
  }

  /** Stats of running sessions and of those that ended (last known). */
  stats(): SessionStats[] {
    const running = [...this.sessions.values()].map((e) => e.session.stats());
    const ended = [...this.finished.values()].filter((s) => !this.sessions.has(s.streamId));
    return [...running, ...ended];
  }

  /** Stops one session and waits for its pipeline to be released; the others keep running. */
  async stop(streamId: string): Promise<SessionStats | undefined> {
    const entry = this.sessions.get(streamId);
    if (!entry) return this.finished.get(streamId);
    await entry.session.stop();
    await entry.run;
    return entry.session.stats();
  }

  async stopAll(): Promise<SessionStats[]> {
    return Promise.all(this.ids().map((id) => this.stop(id))).then((all) => all.filter((s): s is SessionStats => s !== undefined));
  }

  /** Resolves when the session ends by itself (file EOS), fails, or is stopped. */
  async whenDone(streamId: string): Promise<SessionStats | undefined> {
    const entry = this.sessions.get(streamId);
    if (!entry) return this.finished.get(streamId);
    await entry.run;
    return this.finished.get(streamId);
  }
}
