/// <reference lib="dom" />
/**
 * The dashboard in a real browser (Debian chromium + playwright-core) against a real `serve` process: log in
 * (a wrong key refused), a live tile's image changes, add a stream from the UI and see it start and end,
 * transcript lines and an event on its page, ask and search, remove it, log out. Screenshots go to
 * test-output/ for a person to look at.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
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
    rtsp = await startRtspServer({ file: await clipRtsp() });
    srv = await startServe({
      dir, env: { DATABASE_URL: db.url, VIDEO_AGENT_API_KEY: KEY, CAM_URL: rtsp.url },
      config: ['server:', '  mediaRoots: [./media]', 'streams:', '  - id: cam', '    source: ${CAM_URL}', '    stages: [detection]', '    fps: 5'].join('\n'),
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

  it('logs out: the API refuses the browser again', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('API key').waitFor();
    const status = await page.evaluate(async () => (await fetch('/v1/streams')).status);
    assert.equal(status, 401);
  });
});
