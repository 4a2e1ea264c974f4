import assert from 'node:assert/strict';

import { DEFAULT_BUS_QUEUE, GstError, Pipeline } from '../../src/gst';

/** Blocks the JS thread (as a busy event loop would) while GStreamer's threads keep posting. */
function blockJs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * A flood of pipeline state changes posted while the JS thread cannot take them: every pause()/start() posts
 * them synchronously into the native bus queue, and nothing drains until this function returns.
 */
function flood(p: Pipeline, cycles: number): void {
  for (let i = 0; i < cycles; i++) {
    p.pause();
    p.start();
  }
}

describe('gst Pipeline: the bus queue to JS is bounded (drop oldest warning/state, never the first ERROR or EOS)', function () {
  this.timeout(30_000);

  it('a flood while JS is busy: at most busQueue events wait, the oldest are dropped and counted, JS gets the newest', async () => {
    const p = Pipeline.create('videotestsrc ! video/x-raw,width=64,height=48 ! fakesink sync=false async=false', { busQueue: 16 });
    let states = 0;
    p.on('state', () => { states++; });
    p.start();
    flood(p, 1000); // 2 pipeline state changes per cycle
    const s = p.busStats();
    assert.equal(s.limit, 16);
    assert.ok(s.peak <= 16, `peak ${s.peak} events waiting, bound 16`);
    assert.equal(s.queued, 16);
    assert.ok(s.dropped >= 1980, `the flood's oldest state changes were dropped and counted: ${s.dropped}`);
    await new Promise((r) => setImmediate(r));
    assert.equal(states, 16, 'JS saw the 16 newest state changes');
    assert.equal(p.busStats().queued, 0, 'drained at once');
    await p.stop();
    assert.equal(p.busStats().dropped, s.dropped, 'still readable after the pipeline stopped');
  });

  it('an EOS posted into a full queue is delivered, and the EOS every later PAUSED -> PLAYING re-posts stays bounded', async () => {
    const p = Pipeline.create('videotestsrc ! video/x-raw,width=64,height=48 ! fakesink sync=false async=false', { busQueue: 16 });
    p.start();
    const drained = p.drain(5000); // sends EOS now; the bus EOS can only reach JS after this test's blocking part
    flood(p, 500);
    blockJs(300);
    flood(p, 500);
    const s = p.busStats();
    assert.ok(s.peak <= 16, `peak ${s.peak}`);
    assert.ok(s.dropped > 0);
    assert.equal(await drained, true, 'the EOS was not dropped');
    assert.equal(p.status, 'eos');
  });

  it('an ERROR posted into a full queue is delivered (done rejects with it)', async () => {
    const p = Pipeline.create('videotestsrc ! video/x-raw,width=64,height=48 ! identity error-after=5 ! fakesink sync=false async=false', { busQueue: 8 });
    p.start();
    flood(p, 200);
    blockJs(300);
    const s = p.busStats();
    assert.ok(s.peak <= 9, `peak ${s.peak}: the bound, plus at most the error itself`);
    assert.ok(s.dropped > 0);
    await assert.rejects(p.done, (e: unknown) => e instanceof GstError && /identity/.test(JSON.stringify(e)));
  });

  it('defaults and bounds: DEFAULT_BUS_QUEUE unless told; a bad bound is refused before it crosses', async () => {
    const p = Pipeline.create('fakesrc num-buffers=1 ! fakesink');
    assert.equal(p.busStats().limit, DEFAULT_BUS_QUEUE);
    await p.stop();
    for (const bad of [0, -1, 1.5, 1e9]) assert.throws(() => Pipeline.create('fakesrc ! fakesink', { busQueue: bad }), /busQueue must be an integer/);
  });
});
