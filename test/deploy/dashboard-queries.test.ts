/**
 * The Grafana dashboard and the alert rules against real data: a real Prometheus (its own data dir, 1 s
 * scrapes, the repo's alerts.yml loaded) scrapes a real `video-agent serve` running two live RTSP streams
 * with an API key, as deploy/prometheus/prometheus.yml does. Every panel query (Grafana variables replaced)
 * must return data, every rule must evaluate without error, and every metric the rules or panels name must
 * be one serve exposes — a renamed metric fails here instead of leaving a blank panel or a silent alert.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { request } from 'undici';
import { parse as parseYaml } from 'yaml';
import { clipRtsp } from '../ingest/helpers/media';
import { startRtspServer, type RtspServer } from '../ingest/helpers/rtsp';
import { api, schemaDatabaseUrl, startServe, tempDir, waitFor, type ServeProcess } from '../server/helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const PROMETHEUS = '/usr/bin/prometheus';
const KEY = 'dash-key-0123456789abcdef';
const STREAMS = ['cam1', 'cam2'];

interface Target { panel: string; expr: string }

function dashboardTargets(): Target[] {
  const dash = JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy', 'grafana', 'dashboards', 'video-agent.json'), 'utf8'));
  const out: Target[] = [];
  const walk = (panels: any[]) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ panel: p.title, expr: t.expr });
      walk(p.panels);
    }
  };
  walk(dash.panels);
  return out;
}

/** Concrete values for the Grafana variables, as Grafana would interpolate them with both streams picked. */
function interpolate(expr: string): string {
  return expr
    .replaceAll('$stream', `(${STREAMS.join('|')})`)
    .replaceAll('$__rate_interval', '10s')
    .replaceAll('$__interval', '2s')
    .replaceAll('$__range', '1m');
}

/** Metric names (video_agent_*) in a rule file or a dashboard. */
function metricNames(text: string): Set<string> {
  return new Set(text.match(/\bvideo_agent_[a-z0-9_]+/g) ?? []);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function getJson(url: string): Promise<any> {
  const res = await request(url);
  const text = await res.body.text();
  try { return JSON.parse(text); } catch { return { status: 'error', error: `HTTP ${res.statusCode}: ${text.slice(0, 200)}` }; }
}

describe('deploy/grafana: provisioning and dashboard layout', () => {
  const grafana = path.join(ROOT, 'deploy', 'grafana');
  const dash = JSON.parse(fs.readFileSync(path.join(grafana, 'dashboards', 'video-agent.json'), 'utf8'));

  it('the dashboard uses the provisioned datasource, and the provider loads the folder compose mounts', () => {
    const ds = parseYaml(fs.readFileSync(path.join(grafana, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'));
    assert.equal(ds.datasources.length, 1);
    const { uid, type, url } = ds.datasources[0];
    assert.equal(type, 'prometheus');
    assert.equal(url, 'http://prometheus:9090');
    const prov = parseYaml(fs.readFileSync(path.join(grafana, 'provisioning', 'dashboards', 'video-agent.yml'), 'utf8'));
    assert.equal(prov.providers[0].type, 'file');
    assert.equal(prov.providers[0].options.path, '/var/lib/grafana/dashboards');
    const panels = dash.panels.filter((p: { type: string }) => p.type !== 'row');
    for (const p of panels) assert.equal(p.datasource?.uid, uid, `${p.title}: datasource`);
    for (const v of dash.templating.list) if (v.type === 'query') assert.equal(v.datasource.uid, uid, `variable ${v.name}`);
  });

  it('panels have unique ids and do not overlap on the grid', () => {
    const ids = dash.panels.map((p: { id: number }) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    const cells = new Map<string, string>();
    for (const p of dash.panels) {
      const g = p.gridPos;
      assert.ok(g.x >= 0 && g.x + g.w <= 24 && g.h > 0, `${p.title}: gridPos ${JSON.stringify(g)}`);
      for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) {
        const k = `${x},${y}`;
        assert.ok(!cells.has(k), `${p.title} overlaps ${cells.get(k)} at ${k}`);
        cells.set(k, p.title);
      }
    }
  });
});

describe('deploy: dashboard queries and alert metrics against a real Prometheus scraping serve', function () {
  this.timeout(120_000);
  const dir = tempDir('va-promdash-');
  let db: Awaited<ReturnType<typeof schemaDatabaseUrl>> | undefined;
  let rtsp: RtspServer | undefined;
  let srv: ServeProcess | undefined;
  let prom: ChildProcess | undefined;
  let promErr = '';
  let promUrl = '';
  const query = (q: string) => getJson(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);

  before(async function () {
    this.timeout(90_000);
    if (!fs.existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} is missing: apt-get install prometheus`);
    db = await schemaDatabaseUrl('prom_dashboard');
    rtsp = await startRtspServer({ file: await clipRtsp() });
    srv = await startServe({
      dir,
      env: { DATABASE_URL: db.url, VIDEO_AGENT_API_KEY: KEY, CAM_URL: rtsp.url },
      config: ['defaults:', '  fps: 5', 'streams:', ...STREAMS.flatMap((id) => [`  - id: ${id}`, '    source: ${CAM_URL}', '    stages: [detection]'])].join('\n'),
    });
    // The deploy config's scrape job and rules, at 1 s, against this serve; the key from a file as in compose.
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    fs.writeFileSync(path.join(dir, 'api-key'), `${KEY}\n`);
    fs.copyFileSync(path.join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), path.join(dir, 'alerts.yml'));
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), [
      'global: { scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 1s }',
      'rule_files: [alerts.yml]',
      'scrape_configs:',
      '  - job_name: video-agent-serve',
      '    metrics_path: /metrics',
      `    authorization: { type: Bearer, credentials_file: ${path.join(dir, 'api-key')} }`,
      `    static_configs: [{ targets: ['${new URL(srv.url).host}'] }]`,
    ].join('\n'));
    prom = spawn(PROMETHEUS, [
      `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
    ], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    prom.stderr!.on('data', (d: Buffer) => { promErr = (promErr + d.toString()).slice(-4000); });
    prom.once('exit', (code, sig) => { promErr += `\n[prometheus exited: ${code ?? sig}]`; });
    await waitFor(async () => (await request(`${promUrl}/-/ready`).then(async (r) => { await r.body.text(); return r.statusCode === 200; }).catch(() => false)), 20_000, `prometheus ready\n${promErr}`);
    await waitFor(async () => {
      const states = await Promise.all(STREAMS.map(async (id) => (await api(srv!.url, 'GET', `/v1/streams/${id}`, { key: KEY })).json?.state));
      return states.every((s) => s === 'running');
    }, 60_000, 'both streams running');
    // Enough scrapes for 10 s rates, and rows actually flowing into the database.
    await waitFor(async () => {
      const r = await query('count_over_time(up{job="video-agent-serve"}[15s]) >= 12 and on() sum(rate(video_agent_store_rows_total{outcome="inserted"}[10s])) > 0');
      return r.data?.result?.length > 0;
    }, 45_000, `15 s of scrapes with rows being written\n${promErr}`);
  });

  after(async () => {
    if (prom && prom.exitCode === null && prom.signalCode === null) {
      const gone = new Promise((r) => prom!.once('exit', r));
      prom.kill('SIGKILL');
      await gone;
    }
    await srv?.stop('SIGKILL').catch(() => undefined);
    await rtsp?.kill();
    await db?.drop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes serve with the API key from the credentials file', async () => {
    const r = await query('up{job="video-agent-serve"}');
    assert.equal(r.data.result.length, 1, JSON.stringify(r));
    assert.equal(r.data.result[0].value[1], '1', 'scrape succeeds with the Bearer key');
  });

  it('every dashboard panel query returns data', async () => {
    const targets = dashboardTargets();
    assert.ok(targets.length >= 20, `dashboard has ${targets.length} queries`);
    const empty: string[] = [];
    for (const t of targets) {
      const q = interpolate(t.expr);
      assert.doesNotMatch(q, /\$/, `${t.panel}: a Grafana variable left in ${q}`);
      const r = await query(q);
      assert.equal(r.status, 'success', `${t.panel}: ${q}\n${r.error}`);
      if (!r.data.result.length) empty.push(`${t.panel}: ${q}`);
    }
    assert.deepEqual(empty, [], `panel queries with no data:\n${empty.join('\n')}`);
  });

  it('the stream variable lists both streams, and the streams panels show them live', async () => {
    const values = await getJson(`${promUrl}/api/v1/label/stream_id/values?match[]=video_agent_stream_state`);
    assert.deepEqual(values.data, STREAMS);
    const num = async (q: string) => {
      const r = await query(q);
      return Object.fromEntries(r.data.result.map((s: { metric: Record<string, string>; value: [number, string] }) => [s.metric.stream_id ?? s.metric.state ?? s.metric.model ?? '', Number(s.value[1])]));
    };
    assert.equal((await num(`sum by (state) (video_agent_stream_state{stream_id=~"${STREAMS.join('|')}"})`)).running, 2);
    const fps = await num('video_agent_stream_ingest_fps');
    for (const id of STREAMS) assert.ok(fps[id] > 1, `${id} ingest fps ${fps[id]}`);
    const rows = await num('sum(rate(video_agent_store_rows_total{outcome="inserted"}[10s]))');
    assert.ok(rows[''] > 0, `rows/s ${rows['']}`);
    const calls = await num('sum by (model) (rate(video_agent_runpod_calls_total{outcome="ok"}[10s]))');
    assert.ok(calls.yolo > 0, `detection calls/s ${calls.yolo}`);
    const cost = await num('sum by (model) (rate(video_agent_runpod_cost_usd_total[10s])) * 3600');
    assert.ok(cost.yolo > 0, `detection USD/h ${cost.yolo}`);
  });

  it('every alert rule evaluates without error on the real series, and none is pending on a healthy serve', async () => {
    const r = await getJson(`${promUrl}/api/v1/rules?type=alert`);
    const rules = r.data.groups.flatMap((g: { rules: unknown[] }) => g.rules) as { name: string; health: string; lastError?: string; state: string }[];
    const names = [...fs.readFileSync(path.join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    assert.deepEqual(rules.map((x) => x.name).sort(), [...names].sort());
    // Lag and drops depend on how busy this machine is; every other alert must be quiet here.
    const loadBound = new Set(['VideoAgentStreamLagHigh', 'VideoAgentStreamDropRateHigh']);
    for (const x of rules) {
      assert.equal(x.health, 'ok', `${x.name}: ${x.lastError}`);
      if (!loadBound.has(x.name)) assert.equal(x.state, 'inactive', `${x.name} is ${x.state} on a healthy serve`);
    }
  });

  it('every metric the alerts and the dashboard name is one serve exposes', async () => {
    const m = await api(srv!.url, 'GET', '/metrics', { key: KEY });
    assert.equal(m.status, 200);
    // Exposed means a TYPE line (a metric with no labelled series yet still has one) or a sample.
    const exposed = new Set<string>();
    for (const line of m.text.split('\n')) {
      const t = /^# TYPE (\S+) (\w+)/.exec(line);
      if (t) {
        exposed.add(t[1]);
        if (t[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exposed.add(t[1] + s);
      } else if (line && !line.startsWith('#')) exposed.add(line.split(/[{ ]/)[0]);
    }
    const alerts = metricNames(fs.readFileSync(path.join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8'));
    const panels = metricNames(dashboardTargets().map((t) => t.expr).join('\n'));
    assert.ok(alerts.size >= 8 && panels.size >= 15, `${alerts.size} alert metrics, ${panels.size} panel metrics`);
    const missing = [...new Set([...alerts, ...panels])].filter((n) => !exposed.has(n));
    assert.deepEqual(missing, [], 'metrics named in deploy/ that serve does not expose');
  });
});
