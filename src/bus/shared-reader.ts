import type Redis from 'ioredis';
import { childLogger } from '../obs/logger';
import { parseReadGroup, type RawEntry } from './redis-replies';

const log = childLogger({ module: 'bus/shared-reader' });

interface ReadRequest {
  keys: Set<string>;
  count: number;
  deadline: number;
  resolve(r: { key: string; entries: RawEntry[] }[]): void;
  reject(err: Error): void;
}

/**
 * One blocking connection for every consumer of one (group, consumer name) on a bus: XREADGROUP BLOCK holds
 * its connection, so a worker holding N streams would otherwise open N connections. Concurrent read requests
 * are merged into one XREADGROUP over the union of their keys; each requester gets the entries of its own
 * keys. A request whose keys are not in the blocked call interrupts it (CLIENT UNBLOCK from the command
 * connection: the call returns as timed out, delivering nothing) so it is re-issued with them.
 * Connections per worker: the bus's command connection + one of these per (group, consumer).
 */
export class SharedReader {
  private conn: Redis | null = null;
  private connId: number | null = null;
  private readonly waiting = new Set<ReadRequest>();
  private loop: Promise<void> | null = null;
  private blockedKeys = new Set<string>();
  private blockedUntil = 0;
  private closed = false;
  private inCall = false;
  private callSeq = 0;

  constructor(private readonly main: Redis, private readonly group: string, private readonly consumer: string) {}

  /** New entries ('>') of `keys` (prefixed), waiting up to `blockMs`; [] when none came. */
  read(keys: string[], count: number, blockMs: number): { result: Promise<{ key: string; entries: RawEntry[] }[]>; cancel(): void } {
    let req!: ReadRequest;
    const result = new Promise<{ key: string; entries: RawEntry[] }[]>((resolve, reject) => {
      req = { keys: new Set(keys), count, deadline: Date.now() + blockMs, resolve, reject };
    });
    this.waiting.add(req);
    if (this.loop) {
      if (keys.some((k) => !this.blockedKeys.has(k)) || req.deadline < this.blockedUntil) this.unblock();
    } else {
      this.ensureLoop();
    }
    return { result, cancel: () => { if (this.waiting.delete(req)) { req.resolve([]); if (this.waiting.size === 0) this.unblock(); } } };
  }

  /** One loop at a time; a request that arrived as the loop was ending starts the next one. */
  private ensureLoop(): void {
    if (this.loop || this.closed || this.waiting.size === 0) return;
    this.loop = this.run().catch((err) => log.warn({ err: (err as Error).message }, 'shared reader loop failed')).finally(() => {
      this.loop = null;
      this.ensureLoop();
    });
  }

  close(): void {
    this.closed = true;
    for (const r of this.waiting) r.resolve([]);
    this.waiting.clear();
    this.conn?.disconnect();
    this.conn = null;
  }

  private connection(): Redis {
    if (!this.conn) {
      const c = this.main.duplicate();
      c.on('error', (err) => log.debug({ err: err.message }, 'redis connection error'));
      // A reconnect is a new client id.
      c.on('ready', () => { this.connId = null; });
      this.conn = c;
    }
    return this.conn;
  }

  /**
   * Interrupts the blocked call. The UNBLOCK travels on another connection and can reach the server before
   * the XREADGROUP it targets: it then answers 0 and is retried while that same call is still out.
   */
  private unblock(): void {
    const call = this.callSeq;
    if (!this.inCall) return; // between calls: the next one includes every waiting request
    void (async () => {
      try {
        for (let i = 0; i < 50 && call === this.callSeq && this.inCall && this.connId !== null; i++) {
          if (Number(await this.main.call('CLIENT', 'UNBLOCK', String(this.connId))) === 1) return;
          await new Promise((r) => setTimeout(r, 2));
        }
      } catch (err) {
        log.debug({ err: (err as Error).message }, 'CLIENT UNBLOCK failed');
      }
    })();
  }

  private async run(): Promise<void> {
    while (this.waiting.size && !this.closed) {
      const now = Date.now();
      for (const r of this.waiting) if (r.deadline <= now) { this.waiting.delete(r); r.resolve([]); }
      if (!this.waiting.size) break;
      const conn = this.connection();
      let reply: unknown;
      try {
        if (this.connId === null) this.connId = Number(await conn.call('CLIENT', 'ID'));
        if (!this.waiting.size) break;
        // Computed after any await, so a request that arrived meanwhile is part of this call.
        const keys = [...new Set([...this.waiting].flatMap((r) => [...r.keys]))];
        const count = Math.min(...[...this.waiting].map((r) => r.count));
        const until = Math.min(...[...this.waiting].map((r) => r.deadline));
        this.callSeq++;
        this.inCall = true;
        this.blockedKeys = new Set(keys);
        this.blockedUntil = until;
        reply = await conn.callBuffer('XREADGROUP', 'GROUP', this.group, this.consumer, 'COUNT', count, 'BLOCK', Math.max(1, until - Date.now()), 'STREAMS', ...keys, ...keys.map(() => '>'));
      } catch (err) {
        for (const r of this.waiting) r.reject(err as Error);
        this.waiting.clear();
        break;
      } finally {
        this.inCall = false;
        this.blockedKeys = new Set();
      }
      const got = parseReadGroup(reply).filter((s) => s.entries.length);
      for (const r of [...this.waiting]) {
        const mine = got.filter((s) => r.keys.has(s.key));
        if (mine.length) { this.waiting.delete(r); r.resolve(mine); }
      }
      // Entries of a key whose requester went away stay pending under this consumer name: its next
      // reader (own-pending read or XAUTOCLAIM) picks them up.
    }
  }
}
