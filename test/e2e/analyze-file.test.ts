import assert from 'node:assert/strict';
import { analyzeSource } from '../../src/analyze/run-analysis';
import { parseStages } from '../../src/stages';
import { formatSummary } from '../../src/analyze/summary';
import { CUT_AT_S, SPOKEN, astronautWithSpeech, sceneCutClip, vtestExcerpt } from './media';
import { e2eEnv, rows, type E2eEnv } from './helpers';

describe('e2e: analyze files (real Postgres, emulator with local CPU workers)', function () {
  this.timeout(300_000);
  let env: E2eEnv;
  before(async () => { env = await e2eEnv('e2e_analyze'); });
  after(async () => { await env?.close(); });

  it('astronaut still + flite speech: a person, the spoken keywords, prosody, aligned rows in every table; a re-run adds nothing', async () => {
    const file = astronautWithSpeech();
    const opts = { input: file, stages: parseStages('detection,audio,vlm'), fps: 2, streamId: 'e2e-astronaut' };
    const s = await analyzeSource(env.rt, opts);
    const text = formatSummary(s);
    assert.match(text, /top events:/);

    const pool = env.store.pool;
    const persons = await rows<{ n: string }>(pool, `SELECT count(*) AS n FROM detections WHERE stream_id = $1 AND class_name = 'person' AND confidence >= 0.5`, [opts.streamId]);
    assert.ok(Number(persons[0].n) >= 1, 'a person is detected');

    const speech = await rows<{ text: string; prosody: { rmsDb: number; f0: { medianHz: number | null } }; start_us: string; end_us: string }>(
      pool, `SELECT text, prosody, start_us, end_us FROM audio_segments WHERE stream_id = $1 AND NOT is_silence ORDER BY start_us`, [opts.streamId]);
    const transcript = speech.map((r) => r.text).join(' ').toLowerCase();
    const keywords = ['hello', 'world', 'astronaut', 'smiling', 'camera'];
    const heard = keywords.filter((k) => transcript.includes(k));
    assert.ok(heard.length >= 3, `transcript "${transcript}" has only ${heard.join(',')} of "${SPOKEN}"`);
    // Speech starts at 0.5 s and lasts ~3.6 s: segment times are absolute media times.
    assert.ok(Number(speech[0].start_us) >= 0.2e6 && Number(speech[0].start_us) <= 1.5e6, `first word at ${speech[0].start_us}`);
    assert.ok(speech.every((r) => Number(r.end_us) <= 6.1e6));
    assert.ok(speech.every((r) => typeof r.prosody.rmsDb === 'number' && r.prosody.rmsDb > -50), 'prosody stored as JSONB');
    assert.ok(speech.some((r) => r.prosody.f0.medianHz !== null && r.prosody.f0.medianHz > 60 && r.prosody.f0.medianHz < 300), 'an F0 median in the voice range');

    const counts = await env.store.countRows(opts.streamId);
    for (const t of ['streams', 'frames', 'detections', 'audio_segments', 'events', 'memory_chunks'] as const) assert.ok(counts[t] >= 1, `${t} has rows`);
    assert.ok(counts.frames >= 10 && counts.frames <= 13, `frames ${counts.frames}`);
    const mem = await env.store.searchMemory('astronaut OR camera OR smiling', { streamId: opts.streamId });
    assert.ok(mem.length >= 1, 'the transcript is searchable in memory_chunks');

    // ts = the stream's stored time base + pts in every table.
    for (const t of ['frames', 'detections', 'audio_segments', 'events', 'memory_chunks']) {
      const off = await rows<{ worst: number | null }>(pool,
        `SELECT max(abs(extract(epoch FROM (t.ts - s.started_at)) * 1e6 - t.pts_us)) AS worst FROM ${t} t JOIN streams s USING (stream_id) WHERE stream_id = $1`, [opts.streamId]);
      assert.ok(off[0].worst !== null && Number(off[0].worst) < 1000, `${t}: ts and pts disagree by ${off[0].worst} µs`);
    }
    const ev = await rows<{ start_us: string; end_us: string; clip_worthy_score: number }>(pool, 'SELECT start_us, end_us, clip_worthy_score FROM events WHERE stream_id = $1', [opts.streamId]);
    assert.ok(ev.every((e) => Number(e.start_us) >= 0 && Number(e.end_us) <= 7e6 && e.clip_worthy_score >= 0 && e.clip_worthy_score <= 1));

    const again = await analyzeSource(env.rt, opts);
    const before = { ...counts, endpoint_calls: 0 };
    const after = { ...(await env.store.countRows(opts.streamId)), endpoint_calls: 0 };
    assert.deepEqual(after, before, 'a second run of the same file adds no result rows');
    assert.equal(again.rows.frames, counts.frames);
  });

  it('a hard scene cut: an event whose span contains the cut (± 1 s), triggered by the scene change', async () => {
    const s = await analyzeSource(env.rt, { input: sceneCutClip(), stages: parseStages('vlm'), fps: 5, streamId: 'e2e-cut' });
    assert.ok((s.stages.vlm?.triggers.scene_change ?? 0) >= 1, `triggers ${JSON.stringify(s.stages.vlm?.triggers)}`);
    const ev = await rows<{ start_us: string; end_us: string; tags: string[]; description: string }>(env.store.pool,
      'SELECT start_us, end_us, tags, description FROM events WHERE stream_id = $1 ORDER BY start_us', ['e2e-cut']);
    const cut = ev.find((e) => e.tags.includes('trigger:scene_change'));
    assert.ok(cut, `no scene-change event among ${JSON.stringify(ev)}`);
    assert.ok(Number(cut.start_us) <= (CUT_AT_S + 1) * 1e6 && Number(cut.end_us) >= (CUT_AT_S - 1) * 1e6, `span ${cut.start_us}-${cut.end_us}`);
    assert.ok(cut.description.length > 0);
    // Not called per frame: 40 sampled frames, a handful of calls.
    assert.ok((s.stages.vlm?.calls ?? 99) <= 4, `${s.stages.vlm?.calls} vlm calls`);
    // The frames rows carry the JPEG size and, for the frames the VLM sampled, the scene distance: the
    // largest one is at the cut.
    await env.store.flush();
    const fr = await rows<{ pts_us: string; bytes: number | null; scene_score: number | null }>(env.store.pool,
      'SELECT pts_us, bytes, scene_score FROM frames WHERE stream_id = $1 ORDER BY pts_us', ['e2e-cut']);
    assert.ok(fr.length > 0 && fr.every((f) => (f.bytes ?? 0) > 0), 'frames.bytes filled');
    const scored = fr.filter((f) => f.scene_score !== null);
    assert.ok(scored.length >= 10, `${scored.length} frames with a scene score`);
    const top = scored.reduce((a, b) => ((b.scene_score as number) > (a.scene_score as number) ? b : a));
    assert.ok(Math.abs(Number(top.pts_us) / 1e6 - CUT_AT_S) <= 0.6, `highest scene score at ${Number(top.pts_us) / 1e6}s (cut at ${CUT_AT_S}s)`);
  });

  it('opencv vtest.avi (pedestrians): person detections with stable track ids', async () => {
    // Every source frame (10 fps): at 5 fps these small pedestrians move further than ByteTrack's IoU gate
    // between samples, and whether a second track starts then hangs on confidences within 0.01 of its
    // threshold (which vary with the CPU's SIMD arithmetic).
    const s = await analyzeSource(env.rt, { input: vtestExcerpt(), stages: parseStages('detection'), fps: 10, streamId: 'e2e-vtest' });
    assert.equal(s.stages.detection?.framesSkipped, 0);
    const perFrame = await rows<{ pts_us: string; n: string }>(env.store.pool,
      `SELECT pts_us, count(*) AS n FROM detections WHERE stream_id = $1 AND class_name = 'person' GROUP BY pts_us`, ['e2e-vtest']);
    assert.ok(perFrame.length >= 15, `persons in ${perFrame.length} of ${s.ingest.frames} frames`);
    assert.ok(perFrame.some((r) => Number(r.n) >= 2), 'several pedestrians in a frame');
    const tracks = await rows<{ track_id: number; frames: string }>(env.store.pool,
      `SELECT track_id, count(DISTINCT pts_us) AS frames FROM detections WHERE stream_id = $1 AND track_id IS NOT NULL GROUP BY track_id`, ['e2e-vtest']);
    assert.ok(tracks.length >= 2, `${tracks.length} tracks`);
    assert.ok(tracks.some((t) => Number(t.frames) >= 10), 'a pedestrian keeps its track id over at least 10 frames');
  });
});
