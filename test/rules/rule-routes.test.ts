import assert from 'node:assert/strict';
import { verifySignature } from '../../src/alerts';
import { StreamDownMonitor } from '../../src/rules';
import { parseServeConfig } from '../../src/server/config/load-config';
import { serveConfigSchema } from '../../src/server/config/server-config';
import { planStream } from '../../src/server/supervisor/plan-stream';
import { startServer, type RunningServer } from '../../src/server/start-server';
import type { AlertMsg } from '../../src/topics';
import { e2eEnv, type E2eEnv } from '../e2e/helpers';
import { api, live, waitFor } from '../server/helpers';
import { runGraph, scene, storeScene, ZONE } from './graph-helpers';
import { state, T0 } from './helpers';
import { receiver } from './receiver';

const SECRET_ENV = 'RULES_ROUTES_WEBHOOK_SECRET';
const SECRET = 'whsec_rules_routes_0123456789';
const dwell = { id: 'loiter', kind: 'zone_dwell', polygon: ZONE, dwellS: 5 };

describe('rules over the API and the config file', function () {
  this.timeout(120_000);
  let env: E2eEnv;
  let srv: RunningServer | null = null;
  const call = (method: string, p: string, body?: unknown) => api(srv!.url, method, p, { body });
  before(async () => {
    process.env[SECRET_ENV] = SECRET;
    env = await e2eEnv('rules_routes');
    srv = await startServer({ config: serveConfigSchema.parse({ server: { port: 0, mediaRoots: ['/tmp'] } }), runtime: env.rt, env: {} });
    await env.store.upsertStream({ streamId: 'cam-api', source: 'rtsp://cam/1', startedAt: T0 });
  });
  after(async () => { await srv?.close({ timeoutMs: 20_000 }); await env?.close(); delete process.env[SECRET_ENV]; });

  it('validates every body: a bad polygon, a missing secret variable, an unknown key → 400 naming the field', async () => {
    const bad = await call('POST', '/v1/rules', { rule: { ...dwell, polygon: [[0, 0], [1.5, 0], [1, 1]] } });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.json.error.field, 'body.rule.polygon.1.0');
    const flat = await call('POST', '/v1/rules', { rule: { ...dwell, polygon: [[0, 0], [0.5, 0.5], [1, 1]] } });
    assert.equal(flat.status, 400);
    assert.match(flat.json.error.message, /polygon.*no area/);
    const secret = await call('POST', '/v1/rules', { rule: { ...dwell, actions: { webhooks: [{ url: 'http://127.0.0.1:9/x', secretEnv: 'NOT_SET_ANYWHERE' }] } } });
    assert.equal(secret.status, 400);
    assert.match(secret.json.error.message, /webhooks\.0\.secretEnv: .*NOT_SET_ANYWHERE is not set/);
    const extra = await call('POST', '/v1/rules', { rule: { ...dwell, secret: 'x' } });
    assert.equal(extra.status, 400);
    const dry = await call('POST', '/v1/rules/dry-run', { rule: dwell });
    assert.equal(dry.status, 400);
    assert.equal(dry.json.error.field, 'body.streamId');
    assert.equal((await call('POST', '/v1/rules/dry-run', { rule: dwell, streamId: 'nope' })).status, 404);
    const doc = await call('GET', '/openapi.json');
    for (const p of ['/v1/rules', '/v1/rules/{id}', '/v1/rules/dry-run', '/v1/streams/{id}/alerts']) assert.ok(doc.json.paths[p], `${p} in the OpenAPI document`);
  });

  it('adds, lists, replaces and deletes API rules; secrets appear only as variable names', async () => {
    const rule = { ...dwell, id: 'api-loiter', actions: { webhooks: [{ url: 'http://127.0.0.1:9/hook', secretEnv: SECRET_ENV }] } };
    const add = await call('POST', '/v1/rules', { rule, streamId: 'cam-api' });
    assert.equal(add.status, 201, add.text);
    assert.equal(add.json.rule.cooldownS, 10, 'defaults filled in');
    assert.ok(!add.text.includes(SECRET));
    assert.equal((await call('POST', '/v1/rules', { rule: { ...rule, dwellS: 8 }, streamId: 'cam-api' })).status, 200, 'replaced');
    const list = await call('GET', '/v1/rules?streamId=cam-api');
    assert.deepEqual(list.json.rules.map((r: { rule: { id: string; dwellS: number } }) => [r.rule.id, r.rule.dwellS]), [['api-loiter', 8]]);
    assert.equal((await call('GET', '/v1/rules?streamId=other')).json.rules.length, 0);
    assert.equal((await call('GET', '/v1/rules/api-loiter')).json.streamId, 'cam-api');
    assert.equal((await call('DELETE', '/v1/rules/api-loiter')).status, 200);
    assert.equal((await call('DELETE', '/v1/rules/api-loiter')).status, 404);
    assert.equal((await call('GET', '/v1/rules/api-loiter')).status, 404);
  });

  it('dry-run over stored rows returns the alerts the live stage fired, writes nothing; the alerts list pages them', async () => {
    const msgs = scene('cam-api');
    const live = await runGraph(env.store, 'cam-api', { rules: [dwell], refreshS: 0 }, async (g) => { for (const m of msgs) await g.publish('detections', m); });
    await storeScene(env.store, msgs);
    const count = async () => Number((await env.store.pool.query('SELECT count(*) AS n FROM alerts')).rows[0].n);
    const before = await count();
    const dry = await call('POST', '/v1/rules/dry-run', { rule: dwell, streamId: 'cam-api' });
    assert.equal(dry.status, 200, dry.text);
    assert.deepEqual(dry.json.alerts.map((a: AlertMsg) => a.alertId), live.published.map((p) => p.msg.alertId));
    assert.deepEqual(dry.json.scanned, { detections: 31 });
    assert.equal(await count(), before, 'a dry-run stores nothing');
    const later = await call('POST', '/v1/rules/dry-run', { rule: dwell, streamId: 'cam-api', from: 6, to: 20 });
    assert.deepEqual(later.json.alerts.map((a: { payload: { track_id: number } }) => a.payload.track_id), [3]);

    const p1 = await call('GET', '/v1/streams/cam-api/alerts?limit=1');
    assert.equal(p1.status, 200, p1.text);
    assert.equal(p1.json.items.length, 1);
    const p2 = await call('GET', `/v1/streams/cam-api/alerts?limit=1&cursor=${encodeURIComponent(p1.json.nextCursor)}`);
    assert.deepEqual([...p1.json.items, ...p2.json.items].map((a: { alertId: string }) => a.alertId), live.published.map((p) => p.msg.alertId));
    assert.equal(p2.json.nextCursor, null);
    assert.deepEqual(p1.json.items[0].delivery, { attempts: 0, delivered: false, pending: false });
    assert.equal((await call('GET', '/v1/streams/cam-api/alerts?from=6')).json.items.length, 1);
    assert.equal((await call('GET', '/v1/streams/cam-api/alerts?kind=nope')).status, 400);
  });

  it('config: rules per stream and in defaults, errors with line numbers; serve runs the rules stage with them', () => {
    const text = [
      'defaults:',
      '  rules:',
      '    - { id: down, kind: stream_down, seconds: 30 }',
      'streams:',
      '  - id: cam',
      '    source: rtsp://cam/1',
      '    stages: [detection]',
      '    rules:',
      '      - id: door',
      '        kind: line_crossing',
      '        line: [[0, 0.5], [2, 0.5]]',
    ].join('\n');
    assert.throws(() => parseServeConfig(text, 'video-agent.yaml'), /video-agent\.yaml:11: streams\[0\]\.rules\[0\]\.line\[1\]\[0\]: /);
    const cfg = parseServeConfig(text.replace('[2, 0.5]', '[1, 0.5]'), 'video-agent.yaml');
    const plan = planStream(cfg.streams[0]!, cfg.defaults, { mediaRoots: ['/tmp'], allowSchemes: ['rtsp'] }, 'config');
    assert.deepEqual(plan.stages, ['detection', 'rules']);
    assert.deepEqual((plan.stageOptions.rules!.rules as { id: string }[]).map((r) => r.id), ['down', 'door']);
    const missing = serveConfigSchema.parse({ streams: [{ id: 'x', source: 'rtsp://cam/2', rules: [{ ...dwell, actions: { webhooks: [{ url: 'https://h/x', secretEnv: 'NOT_SET_ANYWHERE' }] } }] }] });
    assert.throws(() => planStream(missing.streams[0]!, missing.defaults, { mediaRoots: ['/tmp'], allowSchemes: ['rtsp'] }, 'api'), /rules: loiter: .*NOT_SET_ANYWHERE is not set/);
  });

  it('stream_down: the server-side monitor fires once for an outage longer than `seconds`, stored and delivered', async () => {
    const r = await receiver(0);
    const published: AlertMsg[] = [];
    const rule = { id: 'down', kind: 'stream_down', seconds: 1, actions: { webhooks: [{ url: r.url, secretEnv: SECRET_ENV }] } };
    const monitor = new StreamDownMonitor({ store: env.store.alerts, configRules: (id) => (id === 'cam-down' ? [rule] : []), publish: (a) => published.push(a), tickMs: 50 });
    try {
      const now = Date.now();
      monitor.observe(state('cam-down', now - 100, 'running'));
      monitor.observe(state('cam-down', now, 'reconnecting'));
      monitor.observe(state('cam-other', now, 'reconnecting'));
      await new Promise((res) => setTimeout(res, 1500));
      assert.deepEqual(published.map((a) => [a.streamId, a.kind]), [['cam-down', 'stream_down']]);
      await new Promise((res) => setTimeout(res, 300));
      assert.equal(r.seen.length, 1);
      assert.ok(verifySignature(SECRET, r.seen[0]!.body, r.seen[0]!.signature));
      assert.equal(JSON.parse(r.seen[0]!.body).state, 'reconnecting');
      const stored = await env.store.pool.query('SELECT kind FROM alerts WHERE stream_id = $1', ['cam-down']);
      assert.deepEqual(stored.rows.map((x) => x.kind), ['stream_down']);
    } finally {
      await monitor.close();
      await r.close();
    }
  });

  it('serve: a stream with a stream_down rule that cannot connect fires it on the live feed (WebSocket) and in its alerts', async () => {
    const ws = await live(srv!.url, '?streams=dead&topics=alerts,state');
    try {
      const add = await call('POST', '/v1/streams', { id: 'dead', source: 'rtsp://127.0.0.1:1/none', stages: [], rules: [{ id: 'down', kind: 'stream_down', seconds: 1 }] });
      assert.equal(add.status, 201, add.text);
      const msg = await waitFor(() => ws.messages.find((m) => m.topic === 'alerts'), 20_000, 'an alerts message');
      assert.deepEqual([msg.stream_id, msg.rule, msg.kind], ['dead', 'down', 'stream_down']);
      const listed = await waitFor(async () => (await call('GET', '/v1/streams/dead/alerts')).json.items?.[0], 5000, 'the alerts row');
      assert.equal(listed.alertId, msg.alert_id);
    } finally {
      ws.close();
      await call('DELETE', '/v1/streams/dead');
    }
  });
});
