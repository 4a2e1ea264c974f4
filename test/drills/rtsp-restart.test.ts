/**
 * Drill: the camera (RTSP server) is killed and comes back after an outage; the session, on its default
 * reconnect settings, must deliver frames again within 5 s of the server's return.
 */
import assert from 'node:assert/strict';
import { openSource } from '../../src/ingest';
import { clipRtsp } from '../ingest/helpers/media';
import { startRtspServer, type RtspServer } from '../ingest/helpers/rtsp';
import { reportDrill } from './report';

const OUTAGE_MS = Number(process.env.VIDEO_AGENT_DRILL_OUTAGE_MS ?? 10_000);

describe('drill: RTSP server killed and restarted', function () {
  this.timeout(120_000);
  let server: RtspServer | null = null;
  after(async () => { await server?.kill(); });

  it(`frames resume within 5 s of the server's return after a ${OUTAGE_MS / 1000} s outage (default reconnect settings)`, async () => {
    const file = await clipRtsp();
    server = await startRtspServer({ file });
    const port = server.port;
    const session = await openSource(server.url, { params: { fps: 5, width: 160, height: 120 } });
    let frames = 0;
    let lastFrameAt = 0;
    const running = session.run({ onFrame: () => { frames++; lastFrameAt = Date.now(); }, onAudio: () => undefined });
    const until = async (cond: () => boolean, ms: number, what: string) => {
      const end = Date.now() + ms;
      while (!cond()) { if (Date.now() > end) throw new Error(`timed out waiting for ${what}`); await new Promise((r) => setTimeout(r, 20)); }
    };
    await until(() => frames >= 10, 20_000, 'first frames');
    await server.kill();
    server = null;
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const before = frames;
    server = await startRtspServer({ file, port });
    const back = Date.now();
    await until(() => frames > before && lastFrameAt > back, 30_000, 'a frame after the restart');
    const recoveryMs = lastFrameAt - back;
    const reconnects = session.stats().reconnects;
    await session.stop();
    await running.catch(() => undefined);
    reportDrill({ fault: 'RTSP server killed, restarted', durationS: OUTAGE_MS / 1000, framesIn: frames, rowsExpected: 0, rowsStored: 0, lost: 0, duplicated: 0, recoveryMs, note: `${reconnects} reconnects` });
    console.log(`      outage ${OUTAGE_MS} ms: next frame ${recoveryMs} ms after the server returned (${reconnects} reconnects)`);
    assert.ok(reconnects >= 1);
    assert.ok(recoveryMs <= 5000, `recovery took ${recoveryMs} ms`);
  });
});
