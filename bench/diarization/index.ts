/**
 * Diarization benchmark: the local classical diarizer (src/local-models/diarizer) on generated flite
 * dialogues with known turns (src/eval/der/dialogues.ts: two and three speakers, turns under 1 s, overlaps).
 * Per case: DER (0.25 s collar) with its missed / false-alarm / confusion parts, speakers found, and the
 * real-time factor (processing time / audio time). Both VADs: Silero (onnxruntime-node) and the energy
 * fallback. `--quick`: the first case only.
 */
import { DIALOGUES, diarizationErrorRate, generateDialogue } from '../../src/eval/der';
import { diarizePcm, loadSileroVad } from '../../src/local-models/diarizer';

const quick = process.argv.includes('--quick');
const GOAL = 0.10;

async function main(): Promise<void> {
  const silero = await loadSileroVad();
  const cases = quick ? DIALOGUES.slice(0, 1) : DIALOGUES;
  const rows: string[][] = [];
  let worst = 0;
  for (const d of cases) {
    const g = generateDialogue(d);
    const samples = Float32Array.from(g.pcm, (v) => v / 32768);
    const refSpeakers = new Set(g.reference.map((r) => r.speaker)).size;
    for (const [name, vad] of [['silero', silero], ['energy', null]] as const) {
      if (name === 'silero' && !vad) continue;
      const t0 = performance.now();
      const out = await diarizePcm(samples, g.sampleRate, vad);
      const s = (performance.now() - t0) / 1000;
      const r = diarizationErrorRate(g.reference, out.segments);
      if (name === 'silero' || !silero) worst = Math.max(worst, r.der);
      rows.push([g.name, name, g.durationS.toFixed(1), `${refSpeakers}/${out.embeddings.length}`, pct(r.der), r.missedS.toFixed(2), r.falseAlarmS.toFixed(2), r.confusionS.toFixed(2), (s / g.durationS).toFixed(4)]);
    }
  }
  const head = ['case', 'vad', 'audio s', 'spk ref/hyp', 'DER', 'missed s', 'FA s', 'conf s', 'RTF'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  console.log(`worst DER ${pct(worst)} (goal ≤ ${pct(GOAL)}): ${worst <= GOAL ? 'met' : 'NOT met'}${silero ? '' : ' — Silero VAD unavailable, energy VAD only'}`);
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

main().catch((err) => { console.error(err); process.exit(1); });
