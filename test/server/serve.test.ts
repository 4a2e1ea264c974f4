/**
 * A real `video-agent serve` process driven over HTTP (undici) and WebSocket (ws): streams added and removed
 * at runtime while another runs, live messages per topic, auth, bad input → 4xx, an RTSP source that dies and
 * comes back, results (pages, SRT/VTT parsed back, search, snapshot, ask), metrics and the OpenAPI document.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { astronautWithSpeech } from '../e2e/media';
import { clipRtsp } from '../ingest/helpers/media';
import { startRtspServer, type RtspServer } from '../ingest/helpers/rtsp';
import { parseSrt, parseVtt } from '../../src/results';
import { api, apiBytes, live, runCli, schemaDatabaseUrl, startServe, tempDir, waitFor, type ServeProcess } from './helpers';

const KEY1 = 'key-one-0123456789abcdef';
const KEY2 = 'key-two-0123456789abcdef';

describe('serve: a real server process over HTTP and WebSocket', function () {
  this.timeout(300_000);
  const dir = tempDir('va-serve-');
  let db: Awaited<ReturnType<typeof schemaDatabaseUrl>>;
  let rtsp: RtspServer | null = null;
  let rtspFile = '';
  let srv: ServeProcess;
  const get = (p: string, key: string | null = KEY1) => api(srv.url, 'GET', p, { key: key ?? undefined });
  const post = (p: string, body: unknown, key: string | undefined = KEY1) => api(srv.url, 'POST', p, { key, body });

  before(async () => {
    db = await schemaDatabaseUrl('serve_e2e');
    fs.mkdirSync(path.join(dir, 'media'));
    fs.copyFileSync(astronautWithSpeech(), path.join(dir, 'media', 'astro.mp4'));
    fs.writeFileSync(path.join(dir, 'outside.mp4'), 'not inside the media root');
    fs.symlinkSync(path.join(dir, 'outside.mp4'), path.join(dir, 'media', 'escape.mp4'));
    rtspFile = await clipRtsp();
    rtsp = await startRtspServer({ file: rtspFile });
    srv = await startServe({
      dir,
      // The camera URL comes from the environment (${CAM_URL} in the file): credentials stay out of configs.
      env: { DATABASE_URL: db.url, VIDEO_AGENT_API_KEY: `${KEY1},${KEY2}`, CAM_URL: rtsp.url },
      config: [
        'server:',
        '  mediaRoots: [./media]',
        '  restart: { initialDelayS: 0.2, maxDelayS: 1 }',
        '  bodyLimitBytes: 4096',
        'defaults:',
        '  fps: 5',
        'streams:',
        '  - id: cam',
        `    source: \${CAM_URL}`,
        '    stages: [detection]',
      ].join('\n'),
    });
  });

  after(async () => {
    await srv?.stop('SIGKILL').catch(() => undefined);
    await rtsp?.kill();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('needs a key (either of the rotated ones) except for the probes', async () => {
    assert.equal((await get('/healthz', null)).status, 200);
    assert.equal((await get('/readyz', null)).json.ready, true);
    const none = await get('/v1/streams', null);
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, 'E_UNAUTHORIZED');
    assert.equal((await get('/v1/streams', 'wrong-key-0123456789')).status, 401);
    assert.equal((await get('/v1/streams', KEY2)).status, 200);
    await assert.rejects(live(srv.url, '?topics=state'), (e: { status?: number }) => e.status === 401);
  });

  it('runs the config stream and adds a file stream at runtime: live messages for each topic, the file reaches ended', async () => {
    await waitFor(async () => (await get('/v1/streams/cam')).json?.state === 'running', 60_000, 'cam running');
    const ws = await live(srv.url, '?streams=astro,cam&topics=detections,transcripts,events,state,frames', KEY1);
    const added = await post('/v1/streams', { id: 'astro', source: 'astro.mp4', fps: 5 });
    assert.equal(added.status, 201, added.text);
    assert.equal(added.json.id, 'astro');
    await waitFor(() => ws.messages.some((m) => m.topic === 'state' && m.streamId === 'astro' && m.state === 'ended'), 120_000, 'astro ended on the WebSocket');
    const of = (topic: string, id: string) => ws.messages.filter((m) => m.topic === topic && m.streamId === id);
    assert.equal(ws.messages[0].topic, 'hello');
    assert.ok(of('detections', 'astro').length >= 25, `detections messages: ${of('detections', 'astro').length}`);
    assert.ok(of('detections', 'astro').some((m) => m.detections.some((d: { class_name: string; track_id: number | null }) => d.class_name === 'person' && d.track_id !== null)));
    assert.ok(of('transcripts', 'astro').some((m) => /astronaut/.test(JSON.stringify(m))), 'a transcript message with the spoken word');
    assert.ok(of('events', 'astro').length >= 1, 'an event message');
    assert.ok(of('frames', 'astro').length >= 25 && of('frames', 'astro').every((m) => m.bytes > 0 && m.jpeg === undefined), 'frames as metadata, no JPEG bytes');
    assert.deepEqual(of('state', 'astro').map((m) => m.state), ['starting', 'running', 'ended'], 'astro states');
    assert.ok(of('detections', 'cam').length > 0, 'the other stream kept producing meanwhile');
    ws.close();
    const view = await get('/v1/streams/astro');
    assert.equal(view.json.state, 'ended');
    assert.equal(view.json.ingest.frames, 30);
    assert.ok(view.json.cost.calls.some((c: { endpoint: string }) => c.endpoint === 'yolo'), JSON.stringify(view.json.cost));
    assert.equal((await get('/v1/streams/cam')).json.state, 'running');
  });

  it('serves results: pages, filters, SRT/VTT that parse back, search, snapshot, ask', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: Awaited<ReturnType<typeof get>> = await get(`/v1/streams/astro/detections?limit=7&class=person${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(r.status, 200, r.text);
      for (const d of r.json.items) { const k = `${d.ptsUs}`; assert.ok(!seen.has(k), `no duplicate across pages (${k})`); seen.add(k); }
      cursor = r.json.nextCursor;
      pages++;
    } while (cursor);
    assert.ok(seen.size >= 25 && pages >= 4, `${seen.size} detections over ${pages} pages`);
    const ranged = await get('/v1/streams/astro/detections?from=1&to=2&limit=1000');
    assert.ok(ranged.json.items.length > 0 && ranged.json.items.every((d: { t: number }) => d.t >= 1 && d.t <= 2));

    const srt = await get('/v1/streams/astro/transcript?format=srt');
    assert.equal(srt.status, 200);
    assert.match(String(srt.headers['content-type']), /subrip/);
    const cues = parseSrt(srt.text);
    assert.ok(cues.length >= 1 && cues.some((c) => /astronaut/.test(c.text)), srt.text);
    const vtt = parseVtt((await get('/v1/streams/astro/transcript?format=vtt')).text);
    assert.deepEqual(vtt.map((c) => [c.startS, c.endS, c.text]), cues.map((c) => [c.startS, c.endS, c.text]));
    const json = await get('/v1/streams/astro/transcript');
    assert.ok(json.json.items.every((s: { startS: number; endS: number }) => s.endS >= s.startS));

    const hits = await get('/v1/search?q=astronaut');
    assert.ok(hits.json.hits.some((h: { streamId: string; kind: string; snippet: string }) => h.streamId === 'astro' && h.kind === 'transcript' && /«astronaut»/.test(h.snippet)), hits.text);
    assert.equal((await get('/v1/search?q=xylophonezzz')).json.hits.length, 0);
    assert.ok((await get('/v1/streams/astro/events')).json.items.length >= 1);

    const snap = await apiBytes(srv.url, '/v1/streams/cam/snapshot.jpg', KEY1);
    assert.equal(snap.status, 200);
    assert.equal(snap.type, 'image/jpeg');
    const meta = await sharp(snap.body).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.ok((meta.width ?? 0) > 0);

    const ask = await post('/v1/streams/astro/ask', { question: 'what did the speaker say about the astronaut?' });
    assert.equal(ask.status, 200, ask.text);
    assert.ok(ask.json.citations.length >= 1 && ask.json.citations.every((c: { startS: number; endS: number }) => c.endS >= c.startS));
    assert.equal(ask.json.local, true, 'labelled as answered locally');
  });

  it('bad input is a 4xx naming the problem, never a 5xx', async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', '/v1/streams', { source: 'astro.mp4', fps: 'fast' }, 400, /body\.fps/],
      ['POST', '/v1/streams', { source: 'astro.mp4', colour: 'red' }, 400, /colour|Unrecognized/i],
      ['POST', '/v1/streams', { fps: 5 }, 400, /body\.source/],
      ['POST', '/v1/streams', { source: '/etc/passwd' }, 400, /outside the media roots/],
      ['POST', '/v1/streams', { source: '../outside.mp4' }, 400, /outside the media roots/],
      ['POST', '/v1/streams', { source: 'escape.mp4' }, 400, /outside the media roots/],
      ['POST', '/v1/streams', { source: 'http://example.com/a.mp4' }, 400, /not allowed/],
      ['POST', '/v1/streams', { source: 'missing.mp4' }, 404, /not found/],
      ['POST', '/v1/streams', { source: 'astro.mp4', id: 'has space' }, 400, /body\.id/],
      ['POST', '/v1/streams', { source: 'astro.mp4', id: 'astro' }, 409, /already exists/],
      ['POST', '/v1/streams', { source: 'astro.mp4', id: 'x1', stages: ['teleport'] }, 400, /unknown stage/],
      ['POST', '/v1/streams', { source: 'astro.mp4', id: 'x2', pipeline: '/tmp/evil.yaml' }, 400, /built-in pipeline/],
      ['POST', '/v1/streams', { source: 'astro.mp4', id: 'x3', stageOptions: { detection: { batchSize: 0 } } }, 400, /stageOptions\.detection\.batchSize/],
      ['POST', '/v1/streams', { source: 'astro.mp4', id: 'x4', stageOptions: { teleport: {} } }, 400, /unknown stage/],
      ['GET', '/v1/streams/nope', undefined, 404, /no stream 'nope'/],
      ['GET', '/v1/streams/a%20b', undefined, 400, /params\.id/],
      ['GET', '/v1/streams/astro/detections?limit=abc', undefined, 400, /querystring\.limit/],
      ['GET', '/v1/streams/astro/detections?minScore=2', undefined, 400, /querystring\.minScore/],
      ['GET', '/v1/streams/astro/detections?from=yesterday', undefined, 400, /querystring\.from/],
      ['GET', '/v1/streams/astro/detections?cursor=garbage', undefined, 400, /cursor/],
      ['GET', '/v1/streams/nope/transcript', undefined, 404, /no stream/],
      ['GET', '/v1/search', undefined, 400, /querystring\.q/],
      ['POST', '/v1/streams/astro/ask', { question: '' }, 400, /body\.question/],
      ['DELETE', '/v1/streams/nope', undefined, 404, /no stream/],
    ];
    for (const [method, p, body, status, pattern] of cases) {
      const r = await api(srv.url, method, p, { key: KEY1, body });
      assert.equal(r.status, status, `${method} ${p} ${JSON.stringify(body)} → ${r.status} ${r.text}`);
      assert.match(r.json.error.message, pattern, `${method} ${p}: ${r.text}`);
    }
    const huge = await api(srv.url, 'POST', '/v1/streams', { key: KEY1, raw: JSON.stringify({ source: 'a'.repeat(10_000) }) });
    assert.equal(huge.status, 413);
    const badJson = await api(srv.url, 'POST', '/v1/streams', { key: KEY1, raw: '{"source":' });
    assert.equal(badJson.status, 400);
    await assert.rejects(live(srv.url, '?topics=detections,teleports', KEY1), (e: { status?: number }) => e.status === 400);
    // Credentials inside a source URL are never shown back.
    const cred = await post('/v1/streams', { id: 'creds', source: 'rtsp://admin:hunter2@127.0.0.1:1/x', stages: [] });
    assert.equal(cred.status, 201, cred.text);
    const all = await get('/v1/streams');
    assert.ok(!all.text.includes('hunter2') && !cred.text.includes('hunter2'), 'no password in responses');
    assert.equal((await api(srv.url, 'DELETE', '/v1/streams/creds', { key: KEY1 })).status, 200);
    assert.equal((await get('/healthz')).status, 200, 'the server is still fine');
  });

  it('an RTSP stream whose server dies goes reconnecting and back to running', async () => {
    const ws = await live(srv.url, '?streams=cam&topics=state', KEY1);
    const port = rtsp!.port;
    await rtsp!.kill();
    await waitFor(async () => (await get('/v1/streams/cam')).json.state === 'reconnecting', 40_000, 'cam reconnecting');
    rtsp = await startRtspServer({ file: rtspFile, port });
    await waitFor(async () => (await get('/v1/streams/cam')).json.state === 'running', 60_000, 'cam running again');
    const states = ws.messages.filter((m) => m.topic === 'state').map((m) => m.state);
    assert.deepEqual(states.slice(-2), ['reconnecting', 'running'], states.join(','));
    ws.close();
  });

  it('video-agent streams list|add|rm drives the same API from the command line', async () => {
    const cli = (args: string[]) => runCli(['streams', ...args, '--url', srv.url], { VIDEO_AGENT_API_KEY: KEY2 });
    const list = await cli(['list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ID\s+STATE/m);
    assert.match(list.stdout, /^astro\s+ended\s+30\s/m);
    const add = await cli(['add', 'astro.mp4', '--id', 'astro-cli', '--stages', 'none']);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /^added astro-cli /);
    const rm = await cli(['rm', 'astro-cli']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, /^removed astro-cli \(\d+ frames ingested\)/);
    const denied = await runCli(['streams', 'list', '--url', srv.url], {});
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /server answered 401/);
  });

  it('exposes metrics, OpenAPI and docs; removes a stream at runtime keeping its data', async () => {
    const m = await get('/metrics');
    assert.equal(m.status, 200);
    assert.match(m.text, /video_agent_stream_state\{stream_id="astro",state="ended"\} 1/);
    assert.match(m.text, /video_agent_stream_ingest_frames\{stream_id="cam"\} \d+/);
    assert.match(m.text, /video_agent_runpod_call_seconds_bucket/);
    const doc = await get('/openapi.json', null);
    assert.equal(doc.json.openapi.slice(0, 2), '3.');
    for (const p of ['/v1/streams', '/v1/streams/{id}', '/v1/streams/{id}/detections', '/v1/streams/{id}/transcript', '/v1/search', '/v1/streams/{id}/ask']) assert.ok(doc.json.paths[p], `OpenAPI has ${p}`);
    const docs = await api(srv.url, 'GET', '/docs/', {});
    assert.equal(docs.status, 200);
    assert.match(docs.text, /swagger/i);

    const del = await api(srv.url, 'DELETE', '/v1/streams/cam', { key: KEY1 });
    assert.equal(del.status, 200, del.text);
    assert.equal(del.json.state, 'stopped');
    assert.equal((await get('/v1/streams/cam')).status, 404);
    const kept = await get('/v1/streams/cam/detections?limit=1');
    assert.equal(kept.status, 200, 'results outlive the stream');
    assert.deepEqual((await get('/v1/streams')).json.streams.map((s: { id: string }) => s.id), ['astro']);
  });
});
