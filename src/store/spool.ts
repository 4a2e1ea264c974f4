import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { childLogger } from '../obs/logger';

const log = childLogger({ module: 'store/spool' });

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

  async append(table: string, rows: unknown[]): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    // One line per batch: a torn final line after a crash loses at most that line, and is skipped on replay.
    await fs.promises.appendFile(this.live(table), JSON.stringify(rows) + '\n');
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
