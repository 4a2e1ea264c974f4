/** The readable end-of-run summary of `analyze` (plain text; the CLI prints it to stdout). */
import type { CostSnapshot } from '../runpod/cost';
import type { AnalyzeSummary } from './run-analysis';

const TABLE_ORDER = ['streams', 'frames', 'detections', 'audio_segments', 'events', 'memory_chunks', 'emotions', 'speaker_turns', 'highlights', 'skips', 'endpoint_calls'] as const;

/** `reportPath`: the HTML report written for this run, printed as the last line. */
export function formatSummary(s: AnalyzeSummary, opts: { reportPath?: string } = {}): string {
  const lines: string[] = [];
  const secs = (us: number) => `${(us / 1e6).toFixed(1)}s`;
  lines.push(`stream ${s.streamId} (${s.source})`);
  lines.push(`wall time ${(s.wallMs / 1000).toFixed(1)} s · media ${secs(s.ingest.positionUs)} · ${s.ingest.frames} frames · ${s.ingest.audioSeconds.toFixed(1)} s audio · ${s.ingest.dropped} dropped by ingest`);
  lines.push('');
  lines.push('rows for this stream:');
  const rows = s.rows as unknown as Record<string, number>;
  lines.push('  ' + TABLE_ORDER.filter((t) => t in rows).map((t) => `${t} ${rows[t]}`).join(' · '));
  const st = s.stages;
  const parts: string[] = [];
  if (st.detection) parts.push(`detection: ${st.detection.framesDetected}/${st.detection.framesIn} frames in ${st.detection.batches} batches, ${st.detection.detections} boxes, ${st.detection.framesSkipped} skipped (${st.detection.framesDropped} dropped${st.detection.framesThinned ? `, ${st.detection.framesThinned} passed over to keep up, now 1 in ${st.detection.stride}` : ''}, queue max ${st.detection.queueHighWater}/${st.detection.queueCapacity})`);
  if (st.audio) parts.push(`audio: ${st.audio.windows} windows (${st.audio.silentWindows} silent, ${st.audio.sentWindows} sent, ${st.audio.skippedWindows} failed), ${st.audio.segments} segments, ${st.audio.words} words`);
  if (st.vlm) parts.push(`vlm: ${st.vlm.calls} calls for ${st.vlm.framesSampled} sampled frames, ${st.vlm.events} events, ${st.vlm.failedCalls} failed; triggers ${Object.entries(st.vlm.triggers).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  const em = st.emotion as { framesLookedAt?: number; facesFound?: number; facesAnalysed?: number; framesRateBound?: number } | undefined;
  if (em) parts.push(`emotion: ${em.framesLookedAt ?? 0} frames looked at (${em.framesRateBound ?? 0} passed over by the per-track bound), ${em.facesFound ?? 0} faces found, ${em.facesAnalysed ?? 0} analysed`);
  const di = st.diarization as { windows?: number; silentWindows?: number; sentWindows?: number; skippedWindows?: number; turns?: number; speakers?: number } | undefined;
  const hl = st.highlights as { windowsClosed?: number; highlights?: number; lateInputs?: number } | undefined;
  if (hl) parts.push(`highlights: ${hl.highlights ?? 0} chosen in ${hl.windowsClosed ?? 0} window${hl.windowsClosed === 1 ? '' : 's'}${hl.lateInputs ? `, ${hl.lateInputs} late inputs dropped` : ''}`);
  if (di) parts.push(`diarization: ${di.windows ?? 0} windows (${di.silentWindows ?? 0} silent, ${di.sentWindows ?? 0} sent, ${di.skippedWindows ?? 0} failed), ${di.turns ?? 0} turns, ${di.speakers ?? 0} speakers`);
  if (parts.length) {
    lines.push('');
    lines.push('stages:');
    for (const p of parts) lines.push(`  ${p}`);
  }
  if (st.diarization || s.speakers.length) {
    lines.push('');
    lines.push('speakers:');
    if (!s.speakers.length) lines.push('  (none)');
    for (const k of s.speakers) lines.push(`  ${k.speakerId}: ${k.talkS.toFixed(1)} s in ${k.turns} turn${k.turns === 1 ? '' : 's'} (${secs(k.firstS * 1e6)}–${secs(k.lastS * 1e6)})`);
  }
  if (st.emotion || s.emotions.length) {
    lines.push('');
    lines.push('emotions (dominant, per face looked at):');
    lines.push(s.emotions.length ? `  ${s.emotions.map((e) => `${e.emotion} ${e.count}`).join(' · ')}` : '  (none)');
  }
  lines.push('');
  lines.push('top events:');
  if (!s.topEvents.length) lines.push('  (none)');
  for (const e of s.topEvents) lines.push(`  ${e.clipWorthyScore.toFixed(2)}  ${secs(e.startUs)}–${secs(e.endUs)}  ${e.description}${e.tags.length ? `  [${e.tags.join(', ')}]` : ''}`);
  if (st.highlights || s.highlights.length) {
    lines.push('');
    lines.push('highlights (score, span, why; clip when exported):');
    if (!s.highlights.length) lines.push('  (none)');
    for (const h of s.highlights) {
      const why = Object.entries(h.contributions).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
      lines.push(`  ${h.score.toFixed(2)}  ${h.startS.toFixed(1)}s–${h.endS.toFixed(1)}s  ${h.title}  [${why}]`);
      if (h.clipUri) lines.push(`        clip: ${h.clipUri}`);
    }
    for (const f of s.clipFailures) lines.push(`  clip at ${(f.startUs / 1e6).toFixed(1)}s not exported: ${f.error}`);
  }
  if (s.skips.length) {
    lines.push('');
    lines.push('skipped (queryable in the skips table):');
    for (const k of s.skips) lines.push(`  ${k.stage}: ${k.count} × ${k.reason}`);
  }
  lines.push('');
  lines.push(`endpoint calls (${s.localInference ? 'local emulator, CPU models' : 'RunPod'}):`);
  if (!s.calls.length) lines.push('  (none)');
  const modelled = s.cost.basis === 'modelled' || s.cost.basis === 'mixed';
  const gpuLabel = modelled ? 'modelled GPU s (estimate)' : 'GPU s';
  for (const c of s.calls) lines.push(`  ${c.endpoint}: ${c.calls} calls, ${c.failed} failed, avg ${c.avgMs.toFixed(0)} ms, ${c.gpuSeconds.toFixed(2)} ${gpuLabel}, $${c.costUsd.toFixed(4)}`);
  const t = s.cost.total;
  lines.push(`${gpuSecondsLabel(s.cost)} ${t.gpuSeconds.toFixed(2)} · estimated cost $${t.usd.toFixed(4)}${s.localInference ? ' (what these calls would cost on RunPod)' : ''}`);
  lines.push(`note: ${s.cost.note}`);
  if (opts.reportPath) lines.push(`report: ${opts.reportPath}`);
  return lines.join('\n');
}

/** Says which GPU seconds these are: modelled for local CPU models (with the GPUs assumed), or billed by RunPod. */
export function gpuSecondsLabel(cost: CostSnapshot): string {
  const byGpu = new Map<string, string[]>();
  for (const [model, gpu] of Object.entries(cost.modelledGpu)) byGpu.set(gpu, [...(byGpu.get(gpu) ?? []), model]);
  const gpus = [...byGpu].map(([gpu, models]) => `${/^[AEFHILMNORSX8]/.test(gpu) ? 'an' : 'a'} ${gpu} (${models.join(', ')})`).join(', ');
  switch (cost.basis) {
    case 'modelled':
      return `GPU seconds (modelled: local CPU models, estimate for ${gpus})`;
    case 'mixed':
      return `GPU seconds (billed executionTime + overhead for RunPod calls; modelled for local CPU models, estimate for ${gpus})`;
    default:
      return 'GPU seconds (billed: RunPod executionTime + overhead)';
  }
}
