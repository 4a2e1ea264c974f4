/**
 * Child process for test/store/durable-write.test.ts: opens a store, writes detection rows, prints
 * "resolved" the moment write() resolves, then idles until the test SIGKILLs it.
 * argv: <databaseUrl> <schema> <dataDir> <streamId> <rows>
 */
import { openStore } from '../../../src/store/open-store';
import type { DetectionRow } from '../../../src/store/rows';

async function main(): Promise<void> {
  const [url, schema, dataDir, streamId, n] = process.argv.slice(2);
  const store = await openStore({ databaseUrl: url, schema, dataDir, writer: { readyWaitMs: 100 } });
  const up = await Promise.race([store.migrateDone.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1000))]);
  const base = Date.UTC(2026, 0, 1);
  const rows: DetectionRow[] = Array.from({ length: Number(n) }, (_, i) => ({
    streamId, ptsUs: i * 100_000, ts: base + i * 100, detIdx: 0, classId: 0, className: 'person', confidence: 0.9, bbox: [1, 2, 3, 4],
  }));
  await store.writeDetections(rows);
  process.stdout.write(`resolved ${up ? 'db' : 'down'}\n`);
  setInterval(() => undefined, 1000);
}

main().catch((err) => { process.stderr.write(`${(err as Error).stack}\n`); process.exit(1); });
