import assert from 'node:assert/strict';
import { startLivekitSource, type LivekitSource } from '../../../src/sources/livekit';
import { FakeRoom } from '../../../src/sources/livekit/testing/fake-room';
import { scriptedReaders, type ScriptedTrack } from '../../../src/sources/livekit/testing/scripted-reader';
import type { Session, SessionStats } from '../../../src/ingest';

const cam = (sid: string, width = 320, height = 240): ScriptedTrack => ({ sid, kind: 2, script: { kind: 'video', width, height }, intervalMs: 33 });
const mic = (sid: string): ScriptedTrack => ({ sid, kind: 1, script: { kind: 'audio', sampleRate: 48_000, channels: 1 }, intervalMs: 10 });
const until = async (cond: () => boolean, what: string, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

interface Opened { session: Session; run: Promise<SessionStats>; frames: number }

describe('livekit: participant and track lifecycle (stand-in Room)', function () {
  this.timeout(30_000);
  let source: LivekitSource | undefined;
  afterEach(async () => { await source?.stop(); source = undefined; });

  function harness(rooms: FakeRoom[], extra: Partial<Parameters<typeof startLivekitSource>[0]> = {}) {
    const readers = scriptedReaders();
    const opened = new Map<string, Opened>();
    const left: string[] = [];
    let i = 0;
    const start = () => startLivekitSource({
      url: 'ws://lk.test:7880', room: 'demo', token: 'h.p.s', identity: 'agent', readTrack: readers.factory,
      createRoom: () => rooms[Math.min(i++, rooms.length - 1)],
      params: { fps: 5, width: 160, height: 120 }, backoff: { initialDelayMs: 20, maxDelayMs: 40 },
      onParticipantStream: (streamId, session) => {
        const o: Opened = { session, frames: 0, run: undefined as never };
        o.run = session.run({ onFrame: () => { o.frames++; } });
        opened.set(streamId, o);
      },
      onParticipantLeft: (streamId) => left.push(streamId),
      ...extra,
    });
    return { readers, opened, left, start };
  }

  it('subscribes only the wanted tracks, starts a stream per participant, ends one without disturbing the other', async () => {
    const room = new FakeRoom();
    const h = harness([room]);
    const bob = room.addExisting('bob@example.com'); // present before the agent joins
    const bobCam = room.publish(bob, 'camera', cam('b-cam'), { silent: true });
    const bobScreen = room.publish(bob, 'screen_share', cam('b-screen'), { silent: true });
    source = await h.start();
    assert.deepEqual(room.connectCalls.map((c) => [c.url, c.token, c.opts.autoSubscribe]), [['ws://lk.test:7880', 'h.p.s', false]]);
    assert.equal(bobCam.subscribed, true);
    assert.equal(bobScreen.subscribed, false, 'screen share is not a default source');

    const alice = room.join('alice');
    const aliceCam = room.publish(alice, 'camera', cam('a-cam'));
    room.publish(alice, 'microphone', mic('a-mic'));
    const bobId = source.streams().find((s) => s.startsWith('demo:bob'))!;
    assert.match(bobId, /^demo:bob_example.com\.[0-9a-f]{8}$/);
    await until(() => h.opened.has('demo:alice') && h.opened.has(bobId), 'both streams');
    await until(() => h.opened.get('demo:alice')!.frames >= 3 && h.opened.get(bobId)!.frames >= 3, 'frames on both');

    // Alice drops her camera: her stream goes on (audio), its reader is closed.
    room.unpublish(alice, aliceCam);
    await until(() => h.readers.open.get('a-cam') === 0, 'camera reader closed');
    assert.equal(h.readers.open.get('a-mic'), 1);
    assert.equal(h.opened.get('demo:alice')!.session.state, 'running');

    // Bob leaves: his stream ends normally; Alice's keeps running.
    const bobFrames = h.opened.get(bobId)!.frames;
    room.leave(bob);
    const bobStats = await h.opened.get(bobId)!.run;
    assert.equal(bobStats.state, 'ended');
    assert.ok(bobStats.frames >= bobFrames);
    assert.deepEqual(h.left, [bobId]);
    assert.equal(h.opened.get('demo:alice')!.session.state, 'running');
    assert.deepEqual(source.streams(), ['demo:alice']);

    await source.stop();
    assert.equal((await h.opened.get('demo:alice')!.run).state, 'stopped');
    assert.equal(h.readers.open.get('a-mic'), 0);
  });

  it('keeps to the participants filter', async () => {
    const room = new FakeRoom();
    const h = harness([room], { participants: ['carol'] });
    source = await h.start();
    const dave = room.join('dave');
    const daveCam = room.publish(dave, 'camera', cam('d-cam'));
    const carol = room.join('carol');
    const carolCam = room.publish(carol, 'camera', cam('c-cam'));
    await until(() => h.opened.has('demo:carol'), 'carol stream');
    assert.equal(daveCam.subscribed, false);
    assert.equal(carolCam.subscribed, true);
    assert.deepEqual(source.streams(), ['demo:carol']);
  });

  it('rejoins a dropped room with backoff: streams of those still there go on, the others end', async () => {
    const first = new FakeRoom();
    const failing = new FakeRoom(new Error('engine: signal failure: transport connection error: IO error: Connection refused (os error 111)'));
    const second = new FakeRoom();
    const h = harness([first, failing, second]);
    source = await h.start();
    const erin = first.join('erin');
    first.publish(erin, 'camera', cam('e-cam'));
    const frank = first.join('frank');
    first.publish(frank, 'camera', cam('f-cam'));
    await until(() => (h.opened.get('demo:erin')?.frames ?? 0) >= 2 && (h.opened.get('demo:frank')?.frames ?? 0) >= 2, 'frames before the drop');
    const erinSession = h.opened.get('demo:erin')!.session;

    // In the new room only Erin is there (Frank left meanwhile).
    const erin2 = second.addExisting('erin');
    second.publish(erin2, 'camera', cam('e-cam-2'), { silent: true });
    const attempts: number[] = [];
    source.on('reconnecting', (r: { attempt: number }) => attempts.push(r.attempt));
    first.drop(0);
    assert.equal(source.state, 'reconnecting');
    await until(() => source!.state === 'connected', 'rejoined');
    assert.deepEqual(attempts, [1, 2], 'one failed attempt, then the rejoin');
    assert.equal(source.stats().reconnects, 1);
    assert.equal(failing.connectCalls.length, 1);

    assert.equal((await h.opened.get('demo:frank')!.run).state, 'ended', 'frank is gone after the rejoin');
    assert.deepEqual(h.left, ['demo:frank']);
    const before = h.opened.get('demo:erin')!.frames;
    await until(() => h.opened.get('demo:erin')!.frames >= before + 3, 'erin frames after the rejoin');
    assert.equal(h.opened.get('demo:erin')!.session, erinSession, 'the same session carries on');
    assert.equal(h.readers.open.get('e-cam'), 0, 'the old room\'s reader is closed');
  });

  it('stops for good on a final disconnect reason and when rejoining is refused', async () => {
    const room = new FakeRoom();
    const h = harness([room]);
    source = await h.start();
    room.drop(5); // ROOM_DELETED
    await source.done;
    assert.equal(source.state, 'stopped');

    const r1 = new FakeRoom();
    const refused = new FakeRoom(new Error('engine: signal failure: client error: 401 Unauthorized'));
    const h2 = harness([r1, refused]);
    source = await h2.start();
    const errors: Error[] = [];
    source.on('error', (e: Error) => errors.push(e));
    r1.drop(0);
    await until(() => errors.length === 1, 'the refusal');
    assert.equal((errors[0] as { code?: string }).code, 'E_LIVEKIT_AUTH');
    assert.equal(source.state, 'failed');
  });

  it('sends results to the room as data on topic video-agent only when asked, without media', async () => {
    const room = new FakeRoom();
    const h = harness([room], { publishResults: true });
    source = await h.start();
    source.publishResult('demo:alice', 'detections', { ptsUs: 5n, boxes: [{ label: 'person' }], jpeg: Buffer.alloc(10) });
    source.publishResult('demo:alice', 'big', { blob: 'x'.repeat(20_000) });
    await until(() => room.localParticipant.published.length === 1, 'one message');
    const m = room.localParticipant.published[0];
    assert.equal(m.topic, 'video-agent');
    assert.equal(m.reliable, true);
    assert.deepEqual(JSON.parse(Buffer.from(m.data).toString()), { streamId: 'demo:alice', topic: 'detections', result: { ptsUs: 5, boxes: [{ label: 'person' }] } });
    assert.equal(source.stats().resultsDropped, 1, 'the oversized result is dropped');
    await source.stop();

    const quiet = new FakeRoom();
    source = await harness([quiet]).start();
    source.publishResult('demo:alice', 'detections', { n: 1 });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(quiet.localParticipant.published.length, 0);
  });

  it('a video-only participant streams and ends (the audio branch waits unused)', async () => {
    const room = new FakeRoom();
    const h = harness([room]);
    source = await h.start();
    const gil = room.join('gil');
    room.publish(gil, 'camera', cam('g-cam', 640, 360));
    await until(() => (h.opened.get('demo:gil')?.frames ?? 0) >= 3, 'frames');
    room.leave(gil);
    const stats = await h.opened.get('demo:gil')!.run;
    assert.equal(stats.state, 'ended');
    assert.equal(stats.audioSeconds, 0);
  });
});
