import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { childLogger } from '../obs/logger';

const log = childLogger({ module: 'store/spool' });

/** Makes a new directory entry durable (a file's fsync does not cover its name). */
async function syncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

/**
 * Append-only JSONL spool of batches that could not reach the database, one file per table. Replay
 * renames the live file first, so batches appended during a replay land in a fresh file and are picked
 * up by the next pass. Inserts are idempotent, so a replay interrupted halfway is simply run again.
 */
export class Spool {
  constructor(readonly dir: string) {}

  private live(table: string): string {
    return path.join(this.dir, `${table}.jsonl`);
  }

  /**
   * Appends one batch and fsyncs it (and, for a new file, its directory entry) before resolving: the
   * writer reports these rows durable, and the bus acknowledges them, once this returns.
   */
  async append(table: string, rows: unknown[]): Promise<void> {
    const created = await fs.promises.mkdir(this.dir, { recursive: true });
    const file = this.live(table);
    // One line per batch: a torn final line after a crash loses at most that line, and is skipped on replay.
    const fh = await fs.promises.open(file, 'a');
    let isNew: boolean;
    try {
      isNew = (await fh.stat()).size === 0;
      await fh.writeFile(JSON.stringify(rows) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (isNew || created) await syncDir(this.dir);
    if (created) await syncDir(path.dirname(this.dir));
  }

  /** Files waiting for replay for this table, oldest first. */
  async pending(table: string): Promise<string[]> {
    let names: string[];
    try { names = await fs.promises.readdir(this.dir); } catch { return []; }
    const replaying = names.filter((n) => n.startsWith(`${table}.`) && n.endsWith('.replay.jsonl')).sort();
    const live = names.includes(`${table}.jsonl`) ? [`${table}.jsonl`] : [];
    return [...replaying, ...live].map((n) => path.join(this.dir, n));
  }

  async hasPending(table: string): Promise<boolean> {
    return (await this.pending(table)).length > 0;
  }

  /**
   * Sends every spooled batch of `table` to `sink`; each file is deleted once all its batches went
   * through. Stops at the first sink failure (the error propagates, the files stay).
   */
  async replay<T>(table: string, sink: (rows: T[]) => Promise<void>): Promise<number> {
    let rowsReplayed = 0;
    for (let file of await this.pending(table)) {
      if (file === this.live(table)) {
        const moved = path.join(this.dir, `${table}.${Date.now()}-${process.pid}.replay.jsonl`);
        await fs.promises.rename(file, moved);
        file = moved;
      }
      const input = fs.createReadStream(file);
      try {
        const lines = readline.createInterface({ input, crlfDelay: Infinity });
        for await (const line of lines) {
          if (!line.trim()) continue;
          let rows: T[];
          try { rows = JSON.parse(line) as T[]; } catch {
            log.warn({ file }, 'skipping a torn spool line');
            continue;
          }
          await sink(rows);
          rowsReplayed += rows.length;
        }
      } finally {
        input.destroy();
      }
      await fs.promises.rm(file, { force: true });
    }
    return rowsReplayed;
  }
}
