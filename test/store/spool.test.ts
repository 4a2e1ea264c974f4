import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/open-store';
import { requirePostgres } from '../helpers/services';
import { BASE_MS, dropSchema, uniqueSchema } from './helpers';
import { sampleRows } from './fixtures';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A TCP forwarder to the real Postgres: "the database comes back" = the forwarder starts listening. */
function startForwarder(port: number): Promise<net.Server> {
  const server = net.createServer((c) => {
    const up = net.connect(5432, '127.0.0.1');
    c.pipe(up).pipe(c);
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  return new Promise((r) => server.listen(port, '127.0.0.1', () => r(server)));
}

describe('store spool-to-disk while the database is down', () => {
  const schema = uniqueSchema('t_spool');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-store-'));
  let forwarder: net.Server | undefined;
  after(async () => {
    forwarder?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it('accepts writes against a closed port, spools them, and replays them once the database is reachable', async () => {
    await requirePostgres();
    const port = await freePort();
    const store = await openStore({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/test`, schema, dataDir, writer: { maxAgeMs: 20, replayIntervalMs: 100, readyWaitMs: 200 } });
    try {
      const rows = sampleRows('down-1', BASE_MS);
      await store.writeDetections(rows.detections);
      await store.writeMemoryChunks(rows.memory);
      await store.flush(); // nothing reachable: must resolve anyway, with the rows on disk
      const spoolDir = path.join(dataDir, 'spool', schema);
      const files = fs.readdirSync(spoolDir);
      assert.ok(files.includes('detections.jsonl') && files.includes('memory_chunks.jsonl'), `spool files: ${files}`);
      assert.equal(store.stats().detections.spooled, 20);

      forwarder = await startForwarder(port);
      await store.migrateDone;
      for (let i = 0; i < 150 && (store.stats().detections.spooling || store.stats().memory_chunks.spooling); i++) await tick(50);
      const counts = await store.countRows('down-1');
      assert.equal(counts.detections, 20);
      assert.equal(counts.memory_chunks, 2);
      assert.equal(store.stats().detections.replayed, 20);
      assert.deepEqual(fs.readdirSync(spoolDir), [], 'spool drained');
      // Writes after recovery go straight to the database again.
      await store.writeFrames(rows.frameRows);
      await store.flush();
      assert.equal((await store.countRows('down-1')).frames, 10);
      assert.equal(store.stats().frames.spooled, 0);
    } finally {
      await store.close();
    }
  });
});
