import assert from 'node:assert/strict';
import sharp from 'sharp';
import { renderReport, escapeHtml, formatTime, type ReportData } from '../../src/report';

async function jpeg(): Promise<Buffer> {
  return sharp({ create: { width: 48, height: 27, channels: 3, background: '#336699' } }).jpeg().toBuffer();
}

const EVIL = '<script>alert("x")</script>';

async function data(over: Partial<ReportData> = {}): Promise<ReportData> {
  const img = await jpeg();
  return {
    streamId: 'cam-1', source: '/clips/a & b.mp4', live: false, generatedAt: '2026-01-02T03:04:05.000Z',
    durationS: 12, frames: 60, audioSeconds: 12, wallS: 9.5, inference: 'local emulator, CPU models',
    rows: { streams: 1, frames: 60, detections: 10 },
    keyFrames: [
      { ptsUs: 0, width: 48, height: 27, frameWidth: 640, frameHeight: 360, jpeg: img, reasons: ['first'], sceneScore: null, objects: [], eventStartUs: null },
      { ptsUs: 4_500_000, width: 48, height: 27, frameWidth: 640, frameHeight: 360, jpeg: img, reasons: ['event', 'scene'], sceneScore: 0.61, eventStartUs: 4_400_000,
        objects: [{ bbox: [1, 2, 30, 40], confidence: 0.9, classId: 0, className: '<img src=x onerror=alert(1)>', trackId: 3 }] },
    ],
    events: [
      { startS: 4.4, endS: 7, description: EVIL, tags: ['trigger:scene_change'], clipWorthyScore: 0.8 },
      { startS: 1, endS: 2, description: 'a calm start', tags: [], clipWorthyScore: 0.2 },
    ],
    transcript: [{ startS: 0.5, endS: 2.5, text: 'hello "world" & <b>friends</b>', speakerId: 'S1' }, { startS: 3, endS: 4, text: 'the astronaut', speakerId: null }],
    transcriptTruncated: false,
    detections: { binS: 1, bins: 12, classes: [{ name: 'person', total: 10, peak: [0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1] }], rowsRead: 10, truncated: false },
    highlights: [],
    calls: [{ endpoint: 'yolo', calls: 12, failed: 1, gpuSeconds: 1.5, costUsd: 0.0012, avgMs: 83.2 }],
    cost: { gpuSeconds: 1.5, usd: 0.0012, gpuLabel: 'GPU seconds (modelled)', note: 'Estimate <only>' },
    skips: [{ stage: 'detection', reason: 'queue_full', count: 3 }],
    ...over,
  };
}

describe('report: renderReport', () => {
  it('escapes model text everywhere: a <script> description, an HTML class name, transcript quotes', async () => {
    const html = renderReport(await data());
    // One script element: the report's own.
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.ok(!html.includes(EVIL));
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'), 'the description is shown, escaped');
    assert.ok(!html.includes('<img src=x'));
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(html.includes('hello &quot;world&quot; &amp; &lt;b&gt;friends&lt;/b&gt;'));
    assert.ok(html.includes('/clips/a &amp; b.mp4'));
    assert.ok(html.includes('Estimate &lt;only&gt;'));
  });

  it('references nothing outside the file: images are data: URLs, links are fragments', async () => {
    const html = renderReport(await data());
    assert.ok(!/https?:\/\//.test(html), 'no http(s) URL');
    const refs = [...html.matchAll(/\b(?:src|href|action|srcset|poster)\s*=\s*"([^"]*)"/g)].map((m) => m[1]);
    assert.ok(refs.length >= 3, `refs ${refs.length}`);
    for (const r of refs) assert.match(r, /^(?:data:image\/jpeg;base64,|#)/, r.slice(0, 40));
    assert.ok(!/<link\b|@import|url\(/.test(html), 'no stylesheet or CSS url()');
    assert.equal(html.match(/src="data:image\/jpeg;base64,/g)?.length, 2, 'one image per key frame');
  });

  it('has every section, a bar per event, the speaker label and the per-class chart; an empty report says so', async () => {
    const html = renderReport(await data());
    for (const id of ['frames', 'events', 'transcript', 'detections', 'highlights', 'cost', 'skips']) {
      assert.match(html, new RegExp(`<section id="${id}" aria-labelledby="h-${id}">`), id);
    }
    assert.equal(html.match(/<rect class="bar"/g)?.length, 2);
    assert.match(html, /<title>0:04\.4–0:07\.0, score 0\.80: &lt;script&gt;/);
    assert.match(html, /<span class="spk">S1<\/span>/);
    assert.match(html, /<strong>person<\/strong> · 10 boxes · up to 2 in a frame/);
    assert.match(html, /<th scope="row">yolo<\/th><td>12<\/td><td>1<\/td><td>1\.50<\/td><td>\$0\.0012<\/td><td>83<\/td>/);
    assert.match(html, /queue_full<\/td><td>3</);
    assert.match(html, /No highlights yet/);

    const empty = renderReport(await data({ keyFrames: [], events: [], transcript: [], calls: [], skips: [], detections: { binS: 1, bins: 0, classes: [], rowsRead: 0, truncated: false } }));
    for (const s of ['No frames were captured', 'No events were described', 'No speech was transcribed', 'No objects were detected', 'No endpoint calls', 'Nothing was skipped']) assert.ok(empty.includes(s), s);
    assert.ok(!empty.includes('<rect class="bar"'));

    // A highlight links its clip; a URL of any other scheme is not linked.
    const withClips = renderReport(await data({ highlights: [
      { startS: 1, endS: 9, score: 0.4, title: 'loud', clipUri: 'file:///data/clips/a b.mp4' },
      { startS: 20, endS: 28, score: 0.3, title: 'cut', clipUri: 'javascript:alert(1)' },
    ] }));
    assert.match(withClips, /loud <a class="clip" href="file:\/\/\/data\/clips\/a b\.mp4">clip<\/a><\/li>/);
    assert.ok(!withClips.includes('javascript:'), 'no script URL');
  });

  it('escapeHtml and formatTime', () => {
    assert.equal(escapeHtml(`<a href='x'>&"\u0001`), '&lt;a href=&#39;x&#39;&gt;&amp;&quot;');
    assert.equal(formatTime(0), '0:00.0');
    assert.equal(formatTime(65.25), '1:05.3');
    assert.equal(formatTime(59.97), '1:00.0');
    assert.equal(formatTime(3725), '1:02:05');
  });
});
