/// <reference lib="dom" />
/**
 * The dashboard in a real browser (Debian chromium + playwright-core) against a real `serve` process: log in
 * (a wrong key refused), a live tile's image changes, add a stream from the UI and see it start and end,
 * transcript lines and an event on its page, ask and search, remove it; a file stream with planted moments
 * shows its highlights (score, why, a playable clip) and the alert a rule fired; log out. Screenshots go to
 * test-output/ for a person to look at.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page, WebSocketRoute } from 'playwright-core';
import { serializeLive } from '../../src/server/live/live-feed';
import { generateClip } from '../../src/media';
import { astronautWithSpeech } from '../e2e/media';
import { clipRtsp } from '../ingest/helpers/media';
import { startRtspServer, type RtspServer } from '../ingest/helpers/rtsp';
import { openBrowser, TEST_OUTPUT, type BrowserSession } from '../helpers/browser';
import { schemaDatabaseUrl, startServe, tempDir, type ServeProcess } from './helpers';

const KEY = 'dashboard-key-0123456789abcdef';

describe('dashboard: a real browser against a real server', function () {
  this.timeout(300_000);
  const dir = tempDir('va-dash-');
  let db: Awaited<ReturnType<typeof schemaDatabaseUrl>>;
  let rtsp: RtspServer;
  let srv: ServeProcess;
  let br: BrowserSession;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: path.join(TEST_OUTPUT, `dashboard-${name}.png`), fullPage: true });

  before(async () => {
    db = await schemaDatabaseUrl('serve_dashboard');
    fs.mkdirSync(path.join(dir, 'media'));
    fs.copyFileSync(astronautWithSpeech(), path.join(dir, 'media', 'astro.mp4'));
    // A loud moment at 9 s and a scene cut at 24 s: two highlights, each cut into a clip; the rule fires on them.
    const planted = await generateClip({ durationS: 36, width: 320, height: 180, fps: 10, audio: 'tone', pattern: 'ball', cutTo: { atS: 24, pattern: 'smpte' }, loud: { atS: 9, seconds: 1.5 } });
    fs.copyFileSync(planted, path.join(dir, 'media', 'planted.mp4'));
    rtsp = await startRtspServer({ file: await clipRtsp() });
    srv = await startServe({
      dir, env: { DATABASE_URL: db.url, VIDEO_AGENT_API_KEY: KEY, CAM_URL: rtsp.url },
      config: [
        'server:', '  mediaRoots: [./media]', 'streams:', '  - id: cam', '    source: ${CAM_URL}', '    stages: [detection]', '    fps: 5',
        '  - id: planted', '    source: planted.mp4', '    stages: [highlights]', '    clips: { top: 2 }',
        '    rules:', '      - { id: big-moment, kind: threshold, on: highlight_score, min: 0.01 }',
      ].join('\n'),
    });
    br = await openBrowser();
    page = await br.context.newPage();
    page.on('dialog', (d) => { void d.accept(); });
  });
  after(async () => {
    await br?.close();
    await srv?.stop('SIGKILL').catch(() => undefined);
    await rtsp?.kill();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a wrong key, then logs in with the right one (HttpOnly cookie, no key stored in the page)', async () => {
    await page.goto(srv.url);
    await page.getByLabel('API key').fill('not-the-key-0123456789');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('That key is not valid.').waitFor();
    await shot('login-refused');
    await page.getByLabel('API key').fill(KEY);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Streams' }).waitFor();
    const cookies = await br.context.cookies();
    const c = cookies.find((x) => x.name === 'va_session');
    assert.ok(c && c.httpOnly && c.sameSite === 'Strict', JSON.stringify(cookies));
    assert.equal(await page.evaluate(() => document.cookie.includes('va_session')), false, 'not readable from scripts');
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert.ok(!stored.includes(KEY), 'the key is not in web storage');
  });

  it('a live tile shows the annotated frame and it changes over time', async () => {
    const img = page.locator('img.frame[data-stream="cam"]');
    await page.waitForFunction(() => Number((document.querySelector('img.frame[data-stream="cam"]') as HTMLImageElement | null)?.dataset.loaded ?? 0) >= 1, null, { timeout: 60_000 });
    const a = await img.screenshot();
    await page.waitForFunction((n) => Number((document.querySelector('img.frame[data-stream="cam"]') as HTMLImageElement).dataset.loaded) >= n, Number(await img.getAttribute('data-loaded')) + 2, { timeout: 30_000 });
    const b = await img.screenshot();
    assert.ok(!a.equals(b), 'the tile image changed');
    assert.match((await page.locator('li.tile[data-stream="cam"] .badge').textContent()) ?? '', /running/);
    assert.match((await page.locator('li.tile[data-stream="cam"] .stats').textContent()) ?? '', /fps · lag \d+ ms/);
    await shot('grid');
  });

  it('adds a stream from the UI; its page shows transcript lines, an event, ask and search; removes it', async () => {
    await page.getByLabel(/^Source/).fill('astro.mp4');
    await page.getByLabel('Id (optional)').fill('astro');
    await page.getByRole('button', { name: 'Add stream' }).click();
    const tile = page.locator('li.tile[data-stream="astro"]');
    await tile.waitFor({ timeout: 20_000 });
    await page.waitForFunction(() => /running|ended/.test(document.querySelector('li.tile[data-stream="astro"] .badge')?.textContent ?? ''), null, { timeout: 60_000 });
    await tile.getByRole('link').click();
    await page.getByRole('heading', { name: 'Transcript' }).waitFor();
    await page.locator('.transcript li', { hasText: 'astronaut' }).first().waitFor({ timeout: 90_000 });
    await page.waitForFunction(() => document.querySelectorAll('rect.event-bar').length >= 1, null, { timeout: 90_000 });
    await page.locator('rect.event-bar').first().click();
    assert.match((await page.locator('.event-detail').textContent()) ?? '', /score/);
    await page.getByLabel('Question about this stream').fill('what did they say about the astronaut?');
    await page.getByRole('button', { name: 'Ask' }).click();
    await page.locator('.citations li').first().waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('svg.classes polyline').length >= 1, null, { timeout: 10_000 });
    assert.match((await page.locator('.health').textContent()) ?? '', /Endpoints.*yolo: closed/s, 'breaker state per endpoint');
    await shot('stream');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('stream-phone');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling at phone width');
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByLabel('Search transcripts and events').fill('astronaut');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: /astro · / }).first().waitFor();
    await shot('search');

    await page.goto(`${srv.url}/#/`);
    await page.locator('li.tile[data-stream="astro"]').waitFor();
    await page.getByRole('button', { name: 'Remove stream astro' }).click();
    await page.locator('li.tile[data-stream="astro"]').waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await page.locator('li.tile[data-stream="cam"]').count(), 1, 'the other stream stays');
  });

  it('a stream page lists highlights (score, why, a clip that plays) and the alerts a rule fired; live ones add to them', async () => {
    // The page's WebSocket goes through this route to the server, so the test can also speak on it.
    let sock: WebSocketRoute | undefined;
    await page.routeWebSocket(/\/v1\/live/, (ws) => { ws.connectToServer(); sock = ws; });
    // The <video>'s own poster request (made with preload=none too), before the test fetches anything itself.
    const posterLoaded = page.waitForResponse((r) => r.url().endsWith('/poster.jpg'), { timeout: 90_000 });
    posterLoaded.catch(() => undefined); // awaited below; no unhandled rejection if an earlier step fails
    await page.goto(`${srv.url}/#/streams/planted`);
    await page.getByRole('heading', { name: 'Highlights' }).waitFor();
    // The file is analysed at start-up; its clips are cut once it ends (the page re-reads the list).
    await page.waitForFunction(() => document.querySelectorAll('.highlights li.hl video.clip').length >= 1, null, { timeout: 60_000 });
    const hl = page.locator('.highlights li.hl', { has: page.locator('video.clip') }).first();
    assert.match((await hl.locator('.score').textContent()) ?? '', /^score \d\.\d\d$/);
    assert.ok(await hl.locator('.why li').count() >= 1, 'the why: top contributions');
    const video = hl.locator('video.clip');
    assert.equal(await video.getAttribute('preload'), 'none');
    assert.ok(await video.evaluate((v) => (v as HTMLVideoElement).controls));
    const poster = (await video.getAttribute('poster'))!;
    const src = (await video.getAttribute('src'))!;
    assert.match(poster, /^\/v1\/streams\/planted\/clips\/[^/]+\/poster\.jpg$/);
    assert.match(src, /^\/v1\/streams\/planted\/clips\/[^/]+\/video\.mp4$/);
    // The poster and the MP4 through the API, authenticated by the session cookie (the CSP allows both).
    const pr = await posterLoaded;
    assert.equal(pr.status(), 200, `the video element's poster: ${pr.url()}`);
    assert.match(pr.headers()['content-type'] ?? '', /^image\/jpeg/);
    const got = await page.evaluate(async ({ poster, src }) => {
      const img = new Image();
      img.src = poster;
      await img.decode();
      const r = await fetch(src, { headers: { range: 'bytes=0-1023' } });
      return { w: img.naturalWidth, status: r.status, type: r.headers.get('content-type'), bytes: (await r.arrayBuffer()).byteLength };
    }, { poster, src });
    assert.ok(got.w > 0, 'the poster decodes');
    assert.ok(got.status === 206 || got.status === 200, JSON.stringify(got));
    assert.match(got.type ?? '', /^video\/mp4/);
    assert.ok(got.bytes > 0);
    // Its time jumps the transcript like an event does (the button is there and clickable).
    await hl.getByRole('button', { name: /^Jump to / }).click();

    const alert = page.locator('.alerts li.alert', { hasText: 'big-moment' }).first();
    await alert.waitFor({ timeout: 30_000 });
    assert.match((await alert.textContent()) ?? '', /threshold.*score \d/s);

    // Live: messages in the topics' wire form (the server's own serializer) add a highlight and an alert.
    assert.ok(sock, 'the page opened its live socket');
    sock!.send(serializeLive('highlights', {
      streamId: 'planted', ptsUs: 30_000_000, ts: Date.now(), startUs: 30_000_000, endUs: 33_000_000, peakUs: 31_000_000,
      score: 0.61, contributions: { keyword: 0.4, motion: 0.21 }, title: 'a live moment', rank: 1,
    }).data);
    const liveHl = page.locator('.highlights li.hl', { hasText: 'a live moment' });
    await liveHl.waitFor({ timeout: 5000 });
    assert.match((await liveHl.textContent()) ?? '', /0:30\.0–0:33\.0.*score 0\.61.*keyword/s);
    assert.equal(await liveHl.locator('video').count(), 0, 'no clip (yet)');
    // The live message of a highlight already listed (no clip in it) leaves its row, and its clip, as they are.
    const stored = await page.evaluate(async () => (await (await fetch('/v1/streams/planted/highlights')).json()).items.find((x: { clipId: string | null }) => x.clipId));
    await page.locator(`.highlights li.hl[data-clip="${stored.clipId}"] video`).evaluate((v) => { (v as HTMLElement).dataset.mark = 'kept'; });
    sock!.send(serializeLive('highlights', {
      streamId: 'planted', ptsUs: Math.round(stored.startS * 1e6), ts: Date.now(), startUs: Math.round(stored.startS * 1e6), endUs: Math.round(stored.endS * 1e6),
      peakUs: Math.round((stored.peakS ?? stored.startS) * 1e6), score: stored.score, contributions: stored.contributions, title: stored.title, rank: 1,
    }).data);
    await page.waitForTimeout(300);
    assert.equal(await page.locator('video[data-mark="kept"]').count(), 1, 'the row with its clip is not rebuilt');
    assert.equal(await page.locator(`.highlights li.hl[data-start="${stored.startS}"]`).count(), 1, 'no double');
    sock!.send(serializeLive('alerts', {
      streamId: 'planted', ptsUs: 31_000_000, ts: Date.now(), alertId: 'live-alert-1', rule: 'shout', kind: 'keyword',
      payload: { words: ['goal'], text: 'what a goal', start_s: 31, end_s: 32 },
    }).data);
    const liveAl = page.locator('.alerts li.alert', { hasText: 'shout' });
    await liveAl.waitFor({ timeout: 5000 });
    assert.match((await liveAl.textContent()) ?? '', /0:31\.0.*keyword.*goal/s);
    assert.equal(await page.locator('.alerts li.alert').first().getAttribute('data-alert'), 'live-alert-1', 'newest first');
    await shot('highlights');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('highlights-phone');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling at phone width');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('logs out: the API refuses the browser again', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('API key').waitFor();
    const status = await page.evaluate(async () => (await fetch('/v1/streams')).status);
    assert.equal(status, 401);
  });
});
