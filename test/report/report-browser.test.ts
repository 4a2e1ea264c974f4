import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { analyzeSource } from '../../src/analyze/run-analysis';
import { parseStages } from '../../src/stages';
import { formatSummary } from '../../src/analyze/summary';
import { KeyFrameCollector, writeReport } from '../../src/report';
import { boxColour } from '../../src/server/snapshot/draw-detections';
import { astronautWithSpeech } from '../e2e/media';
import { e2eEnv, rows, type E2eEnv } from '../e2e/helpers';
import { openBrowser, TEST_OUTPUT, type BrowserSession } from '../helpers/browser';

const STREAM = 'report-astronaut';

describe('report: analyze → HTML report → a real browser from file://', function () {
  this.timeout(300_000);
  let env: E2eEnv;
  let browser: BrowserSession | undefined;
  let file: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-report-'));
  before(async () => {
    env = await e2eEnv('report_e2e');
    const keyFrames = new KeyFrameCollector();
    const summary = await analyzeSource(env.rt, { input: astronautWithSpeech(), stages: parseStages('detection,audio,vlm'), fps: 2, streamId: STREAM, tap: keyFrames.tap });
    file = await writeReport({ pool: env.store.pool, summary, keyFrames: await keyFrames.finish(), dir });
    assert.match(formatSummary(summary, { reportPath: file }), /\nreport: .+report-astronaut\.html$/, 'the summary ends with the report path');
  });
  after(async () => {
    await browser?.close();
    await env?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is written atomically under <dir>/<stream>.html and loads nothing but itself', async () => {
    assert.equal(file, path.join(dir, `${STREAM}.html`));
    assert.deepEqual(fs.readdirSync(dir), [`${STREAM}.html`], 'no temporary file left');
    browser = await openBrowser({ width: 1280, height: 900 });
    const page = await browser.context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    assert.deepEqual(errors, []);
    assert.ok(requests.every((u) => u.startsWith('file:') || u.startsWith('data:')), requests.filter((u) => !/^(file|data):/.test(u)).join(', '));

    // Key frame images decoded.
    const widths = await page.evaluate('[...document.querySelectorAll(".kf img")].map((i) => i.complete ? i.naturalWidth : 0)') as number[];
    assert.ok(widths.length >= 2, `${widths.length} key frames`);
    assert.ok(widths.every((w) => w > 0 && w <= 480), `natural widths ${widths}`);

    // A box on a key frame: the person's top edge has drawDetections' colour for its track.
    const figs = await page.evaluate('[...document.querySelectorAll(".kf")].map((f) => ({ pts: Number(f.dataset.pts), src: f.querySelector("img").src, caption: f.querySelector("figcaption").textContent }))') as { pts: number; src: string; caption: string }[];
    const withPerson = figs.filter((f) => f.caption.includes('person'));
    assert.ok(withPerson.length >= 1, `captions: ${figs.map((f) => f.caption).join(' | ')}`);
    const fig = withPerson[0]!;
    const [det] = await rows<{ bbox: [number, number, number, number]; track_id: number | null; class_id: number }>(env.store.pool,
      `SELECT bbox, track_id, class_id FROM detections WHERE stream_id = $1 AND pts_us = $2 AND class_name = 'person' ORDER BY confidence DESC LIMIT 1`, [STREAM, fig.pts]);
    assert.ok(det, `a person row at ${fig.pts}`);
    const [fr] = await rows<{ width: number }>(env.store.pool, 'SELECT width FROM frames WHERE stream_id = $1 AND pts_us = $2', [STREAM, fig.pts]);
    const img = await sharp(Buffer.from(fig.src.replace(/^data:image\/jpeg;base64,/, ''), 'base64')).raw().toBuffer({ resolveWithObject: true });
    const s = img.info.width / fr!.width;
    const want = parseInt(boxColour({ trackId: det.track_id, classId: det.class_id }).slice(1), 16);
    const rgb = [(want >> 16) & 255, (want >> 8) & 255, want & 255];
    const [x1, y1, x2, y2] = det.bbox;
    const y = Math.min(img.info.height - 1, Math.round(Math.min(y1, y2) * s + 1));
    let onColour = 0;
    const samples = 20;
    for (let i = 1; i <= samples; i++) {
      const x = Math.round((Math.min(x1, x2) + ((Math.abs(x2 - x1) * i) / (samples + 1))) * s);
      const o = (y * img.info.width + x) * img.info.channels;
      if ([0, 1, 2].every((c) => Math.abs(img.data[o + c]! - rgb[c]!) < 70)) onColour++;
    }
    assert.ok(onColour >= samples * 0.7, `${onColour}/${samples} pixels of the box's top edge have its colour ${rgb}`);

    // Events timeline: a bar per event; selecting one shows its description and marks the nearest key frame.
    const [{ n: eventRows }] = await rows<{ n: string }>(env.store.pool, 'SELECT count(*) AS n FROM events WHERE stream_id = $1', [STREAM]);
    const bars = page.locator('svg.timeline rect.bar');
    assert.ok(Number(eventRows) >= 1);
    assert.equal(await bars.count(), Number(eventRows));
    await bars.first().focus();
    const detail = await page.locator('#event-detail').textContent();
    const [first] = await rows<{ description: string }>(env.store.pool, 'SELECT description FROM events WHERE stream_id = $1 ORDER BY start_us, end_us LIMIT 1', [STREAM]);
    assert.ok(detail?.includes(first!.description), `detail "${detail}"`);
    await bars.first().click();
    assert.equal(await page.locator('.kf.current').count(), 1, 'the nearest key frame is marked');

    // Transcript lines with their times, the spoken words among them.
    const lines = await page.locator('ol.transcript li').allTextContents();
    assert.ok(lines.length >= 1);
    assert.ok(lines.every((l) => /^\d+:\d\d\.\d–\d+:\d\d\.\d/.test(l.trim())), lines.join(' | '));
    assert.ok(lines.join(' ').toLowerCase().includes('astronaut'), `transcript: ${lines.join(' | ')}`);

    // Detections chart and the cost table.
    assert.ok(await page.locator('#detections figure.mult').count() >= 1);
    assert.match((await page.locator('#cost tbody').textContent()) ?? '', /yolo/);
    assert.match((await page.locator('#cost .hint').textContent()) ?? '', /local emulator, CPU models/, 'modelled cost: local models ran');

    await page.screenshot({ path: path.join(TEST_OUTPUT, 'report.png'), fullPage: true });
  });

  it('fits a phone width (390 px): no horizontal scrolling, frames one per row', async () => {
    assert.ok(browser, 'the first test opened the browser');
    const ctx = await browser.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    try {
      const page = await ctx.newPage();
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const scrollW = await page.evaluate('document.documentElement.scrollWidth') as number;
      assert.ok(scrollW <= 390, `page is ${scrollW} px wide`);
      const imgW = await page.evaluate('document.querySelector(".kf img").getBoundingClientRect().width') as number;
      assert.ok(imgW > 300, `key frame shown ${imgW} px wide`);
      await page.screenshot({ path: path.join(TEST_OUTPUT, 'report-phone.png'), fullPage: true });
    } finally {
      await ctx.close();
    }
  });
});
