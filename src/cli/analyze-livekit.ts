/**
 * `analyze livekit://host/room`: a room is one stream per participant (`<room>:<identity>`), each analysed
 * as a live stream from its first track until it leaves, side by side; the run ends on --duration or a
 * signal, then prints one summary per participant. With `?publish=1` results go back to the room.
 */
import type { AnalyzeSummary } from '../analyze/run-analysis';
import { analyzeSource } from '../analyze/run-analysis';
import type { Runtime } from '../analyze/runtime';
import type { Bus } from '../bus';
import type { SourceInfo } from '../ingest';
import { formatSummary } from '../analyze/summary';

export interface LivekitRunOptions {
  source: Extract<SourceInfo, { kind: 'livekit' }>;
  stages: Set<string>;
  fps: number;
  bus?: Bus;
  durationS?: number;
  signal: AbortSignal;
}

export async function analyzeLivekit(rt: Runtime, o: LivekitRunOptions): Promise<AnalyzeSummary[]> {
  const { startLivekitSource, livekitOptionsFromSource } = require('../sources/livekit') as typeof import('../sources/livekit');
  const runs: Promise<AnalyzeSummary | null>[] = [];
  const lk = await startLivekitSource({
    ...livekitOptionsFromSource(o.source),
    params: { fps: o.fps },
    onParticipantStream: (streamId, session) => {
      process.stderr.write(`video-agent: ${streamId} joined\n`);
      runs.push(analyzeSource(rt, {
        input: o.source.input, streamId, session, stages: o.stages, fps: o.fps, bus: o.bus, signal: o.signal,
        tap: (topic, msg) => { if (topic !== 'frames' && topic !== 'audio') lk.publishResult(streamId, topic, msg); },
      }).catch((err: Error) => { process.stderr.write(`video-agent: ${streamId}: ${err.message}\n`); return null; }));
    },
    onParticipantLeft: (streamId) => process.stderr.write(`video-agent: ${streamId} left\n`),
  });
  await new Promise<void>((resolve) => {
    const timer = o.durationS ? setTimeout(resolve, o.durationS * 1000) : null;
    o.signal.addEventListener('abort', () => { if (timer) clearTimeout(timer); resolve(); }, { once: true });
    void lk.done.then(resolve, resolve);
  });
  await lk.stop();
  const summaries = (await Promise.all(runs)).filter((s): s is AnalyzeSummary => s !== null);
  for (const s of summaries) process.stdout.write(`${formatSummary(s)}\n\n`);
  if (!summaries.length) process.stdout.write('no participant published a track\n');
  return summaries;
}
