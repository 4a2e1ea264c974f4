import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliverAlert, displayTarget, pgDeliveryLog, verifySignature, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, type AlertMessage, type DeliveryAttempt } from '../../src/alerts';
import { openStore, type Store } from '../../src/store';
import { requirePostgres } from '../helpers/services';

const SECRET = 'whsec_test_0123456789abcdef';
const FAST = { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 200, timeoutMs: 2000 };

interface Seen { body: string; signature: string | undefined; key: string | undefined; answered: number }

/** A receiver on 127.0.0.1 that answers the given statuses in turn (then 200) and records every request. */
async function receiver(statuses: number[]): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const answered = statuses[seen.length] ?? 200;
      seen.push({ body, signature: req.headers[SIGNATURE_HEADER] as string | undefined, key: req.headers[IDEMPOTENCY_HEADER] as string | undefined, answered });
      res.writeHead(answered, { 'content-type': 'text/plain' }).end('x');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hook?token=tok_SECRET_QUERY`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

const alert = (id: string): AlertMessage => ({ alertId: id, streamId: 'cam-1', rule: 'loiter', kind: 'dwell', ts: Date.UTC(2026, 11, 2), ptsUs: 12_500_000, payload: { track_id: 7 } });

describe('alerts: webhook delivery (signed, idempotent, at least once)', function () {
  this.timeout(30_000);
  let store: Store;
  before(async () => {
    const url = await requirePostgres();
    const admin = await openStore({ databaseUrl: url, migrate: false });
    await admin.pool.query('DROP SCHEMA IF EXISTS alerts_webhooks CASCADE');
    await admin.close();
    store = await openStore({ databaseUrl: url, schema: 'alerts_webhooks' });
    await store.migrateDone;
  });
  after(async () => { await store?.close(); });

  it('a receiver that answers 500 twice sees one accepted delivery per alert, each request validly signed with the same key', async () => {
    const r = await receiver([500, 500, 200, 500, 500]);
    try {
      const log = pgDeliveryLog(store.pool);
      const a = await deliverAlert(alert('a-1'), { url: r.url, secret: SECRET }, log, FAST);
      const b = await deliverAlert(alert('a-2'), { url: r.url, secret: SECRET }, log, FAST);
      assert.deepEqual([a, b].map((x) => [x.ok, x.attempts, x.status]), [[true, 3, 200], [true, 3, 200]]);
      assert.equal(r.seen.length, 6);
      for (const s of r.seen) assert.ok(verifySignature(SECRET, s.body, s.signature), `valid signature on ${s.body}`);
      assert.ok(!verifySignature('another-secret-0123456789', r.seen[0]!.body, r.seen[0]!.signature), 'a wrong secret does not verify');
      assert.ok(!verifySignature(SECRET, r.seen[0]!.body.replace('cam-1', 'cam-2'), r.seen[0]!.signature), 'a changed body does not verify');
      const accepted = new Map<string, number>();
      for (const s of r.seen) if (s.answered === 200) accepted.set(s.key!, (accepted.get(s.key!) ?? 0) + 1);
      assert.deepEqual([...accepted], [['a-1', 1], ['a-2', 1]], 'exactly one accepted delivery per alert');
      assert.deepEqual(JSON.parse(r.seen[0]!.body), { alert_id: 'a-1', stream_id: 'cam-1', rule: 'loiter', kind: 'dwell', ts: '2026-12-02T00:00:00.000Z', pts_s: 12.5, track_id: 7 });
      const rows = (await store.pool.query<{ alert_id: string; attempt: number; status: number; ok: boolean; final: boolean; target: string }>(
        'SELECT alert_id, attempt, status, ok, final, target FROM deliveries ORDER BY alert_id, attempt')).rows;
      assert.deepEqual(rows.map((x) => [x.alert_id, x.attempt, x.status, x.ok, x.final]), [
        ['a-1', 1, 500, false, false], ['a-1', 2, 500, false, false], ['a-1', 3, 200, true, true],
        ['a-2', 1, 500, false, false], ['a-2', 2, 500, false, false], ['a-2', 3, 200, true, true],
      ]);
      assert.ok(rows.every((x) => x.target === displayTarget(r.url) && !x.target.includes('tok_SECRET_QUERY')), 'no query token in stored targets');
    } finally {
      await r.close();
    }
  });

  it('a 4xx refusal is final after one attempt; an unreachable receiver is retried up to maxAttempts', async () => {
    const r = await receiver([400]);
    const attempts: DeliveryAttempt[] = [];
    const log = { recordAttempt: async (x: DeliveryAttempt) => { attempts.push(x); } };
    try {
      const res = await deliverAlert(alert('b-1'), { url: r.url, secret: SECRET }, log, FAST);
      assert.deepEqual([res.ok, res.attempts, res.status], [false, 1, 400]);
    } finally {
      await r.close();
    }
    const gone = await deliverAlert(alert('b-2'), { url: r.url, secret: SECRET }, log, { ...FAST, maxAttempts: 3 });
    assert.deepEqual([gone.ok, gone.attempts, gone.status], [false, 3, null]);
    assert.deepEqual(attempts.filter((x) => x.alertId === 'b-2').map((x) => [x.attempt, x.final]), [[1, false], [2, false], [3, true]]);
    assert.match(attempts.at(-1)!.error ?? '', /ECONNREFUSED/);
    assert.ok(attempts.every((x) => !JSON.stringify(x).includes(SECRET)), 'the secret is in no attempt record');
  });

  it('refuses a bad target before sending', async () => {
    await assert.rejects(deliverAlert(alert('c'), { url: 'ftp://127.0.0.1/x', secret: SECRET }, { recordAttempt: async () => undefined }), /must be http\(s\)/);
    await assert.rejects(deliverAlert(alert('c'), { url: 'http://127.0.0.1/x', secret: 'short' }, { recordAttempt: async () => undefined }), /at least 16 characters/);
  });
});
