/**
 * Generated dialogues with known speaker turns: each line is spoken by a distinct flite voice (slt, rms,
 * awb, kal), converted to 16 kHz mono and trimmed of leading/trailing silence by sox, then placed on a
 * timeline and mixed here (sums, so an overlap is two voices at once). The reference turns are the trimmed
 * utterances' exact spans. Cached under the OS temp dir by content, like test/e2e/media.ts.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeWav } from '../../audio';
import type { RefTurn } from './der';

export type FliteVoice = 'slt' | 'rms' | 'awb' | 'kal';

export interface DialogueLine {
  voice: FliteVoice;
  text: string;
  /** Seconds after the previous line ends (negative: starts before it ends, an overlap). Default 0.4. */
  gapS?: number;
}

export interface Dialogue {
  name: string;
  lines: DialogueLine[];
  /** Silence before the first line, seconds. */
  leadS?: number;
}

export interface GeneratedDialogue {
  name: string;
  wavPath: string;
  pcm: Int16Array;
  sampleRate: number;
  durationS: number;
  /** Speakers are named by voice. */
  reference: RefTurn[];
}

const SR = 16000;
const DIR = path.join(os.tmpdir(), 'video-agent-diarization');

/** The benchmark's cases: two and three speakers, short turns (< 1 s) and one overlap each in two of them. */
export const DIALOGUES: Dialogue[] = [
  {
    name: 'two-speakers', leadS: 0.5, lines: [
      { voice: 'slt', text: 'Good morning, did you see the report about the new bridge?' },
      { voice: 'rms', text: 'Yes, I read it on the train this morning.', gapS: 0.5 },
      { voice: 'slt', text: 'Really?', gapS: 0.3 },
      { voice: 'rms', text: 'They want to finish the work before the winter starts.', gapS: 0.4 },
      { voice: 'slt', text: 'That sounds rather optimistic to me, given the weather.', gapS: 0.6 },
      { voice: 'rms', text: 'Maybe.', gapS: 0.3 },
      { voice: 'slt', text: 'We will see what happens when the rain comes back.', gapS: 0.4 },
    ],
  },
  {
    name: 'two-speakers-overlap', leadS: 0.3, lines: [
      { voice: 'awb', text: 'I think we should leave early tomorrow to avoid the traffic.' },
      { voice: 'slt', text: 'No, wait, the meeting was moved to the afternoon.', gapS: -0.6 },
      { voice: 'awb', text: 'Oh.', gapS: 0.3 },
      { voice: 'slt', text: 'So we can take the slow road along the river instead.', gapS: 0.4 },
      { voice: 'awb', text: 'Fine by me, I like that road very much.', gapS: 0.5 },
    ],
  },
  {
    name: 'three-speakers', leadS: 0.4, lines: [
      { voice: 'slt', text: 'Welcome everyone, let us start with the budget for next year.' },
      { voice: 'rms', text: 'The budget is almost ready, I only need the travel costs.', gapS: 0.5 },
      { voice: 'kal', text: 'I can send those numbers this afternoon.', gapS: 0.4 },
      { voice: 'slt', text: 'Great.', gapS: 0.3 },
      { voice: 'rms', text: 'Then we can close the document by Friday.', gapS: 0.4 },
      { voice: 'kal', text: 'Yes.', gapS: 0.3 },
      { voice: 'slt', text: 'Next topic is the new office and the move in the spring.', gapS: 0.5 },
      { voice: 'rms', text: 'The movers want an answer by the end of the month.', gapS: -0.5 },
      { voice: 'kal', text: 'I will call them tomorrow morning and ask about the price.', gapS: 0.5 },
    ],
  },
];

/** Renders (or reuses) a dialogue: the mixed 16 kHz mono WAV and its reference turns. */
export function generateDialogue(d: Dialogue): GeneratedDialogue {
  fs.mkdirSync(DIR, { recursive: true });
  const key = crypto.createHash('sha1').update(JSON.stringify(d)).digest('hex').slice(0, 12);
  const wavPath = path.join(DIR, `${d.name}-${key}.wav`);
  const refPath = `${wavPath}.json`;
  const utterances = d.lines.map((l) => utterance(l.voice, l.text));
  const reference: RefTurn[] = [];
  let t = d.leadS ?? 0;
  let prevEnd = t;
  d.lines.forEach((l, i) => {
    const start = i === 0 ? t : Math.max(0, prevEnd + (l.gapS ?? 0.4));
    const dur = utterances[i]!.length / SR;
    reference.push({ speaker: l.voice, start: round(start), end: round(start + dur) });
    prevEnd = start + dur;
    t = start;
  });
  const total = Math.ceil((Math.max(...reference.map((r) => r.end)) + 0.5) * SR);
  if (!fs.existsSync(wavPath) || !fs.existsSync(refPath)) {
    const mix = new Float64Array(total);
    reference.forEach((r, i) => {
      const u = utterances[i]!;
      const at = Math.round(r.start * SR);
      for (let k = 0; k < u.length && at + k < total; k++) mix[at + k] += u[k]!;
    });
    const pcm = Int16Array.from(mix, (v) => Math.max(-32768, Math.min(32767, Math.round(v))));
    const tmp = `${wavPath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, encodeWav(pcm, { sampleRate: SR }));
    fs.renameSync(tmp, wavPath);
    fs.writeFileSync(refPath, JSON.stringify(reference));
  }
  const buf = fs.readFileSync(wavPath);
  const pcm = new Int16Array(buf.buffer.slice(buf.byteOffset + 44, buf.byteOffset + 44 + total * 2));
  return { name: d.name, wavPath, pcm, sampleRate: SR, durationS: total / SR, reference };
}

/** One line as 16 kHz mono S16 samples, silence trimmed at both ends (cached). */
function utterance(voice: FliteVoice, text: string): Int16Array {
  const key = crypto.createHash('sha1').update(`${voice}\n${text}`).digest('hex').slice(0, 16);
  const raw = path.join(DIR, `utt-${voice}-${key}.s16`);
  if (!fs.existsSync(raw)) {
    const wav = path.join(DIR, `utt-${key}.${process.pid}.wav`);
    const tmp = `${raw}.${process.pid}.tmp`;
    try {
      execFileSync('flite', ['-voice', voice, '-t', text, '-o', wav], { stdio: 'pipe', timeout: 60_000 });
      execFileSync('sox', [wav, '-r', String(SR), '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', tmp,
        'silence', '1', '0.02', '1%', 'reverse', 'silence', '1', '0.02', '1%', 'reverse'], { stdio: 'pipe', timeout: 60_000 });
      fs.renameSync(tmp, raw);
    } finally {
      fs.rmSync(wav, { force: true });
    }
  }
  const b = fs.readFileSync(raw);
  return new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + (b.byteLength & ~1)));
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** The dialogue as a small MP4 (a 64×48 test pattern at 5 fps + AAC audio) for the analyze path (cached). */
export function dialogueVideo(g: GeneratedDialogue): string {
  const out = g.wavPath.replace(/\.wav$/, '.mp4');
  if (fs.existsSync(out)) return out;
  const tmp = `${out}.${process.pid}.tmp.mp4`;
  const frames = Math.ceil(g.durationS * 5);
  execFileSync('gst-launch-1.0', ['-q', ...(`videotestsrc num-buffers=${frames} ! video/x-raw,width=64,height=48,framerate=5/1 ! videoconvert ! x264enc speed-preset=ultrafast ! mp4mux name=mux ! filesink location=${tmp} ` +
    `filesrc location=${g.wavPath} ! wavparse ! audioconvert ! audioresample ! avenc_aac ! aacparse ! mux.`).split(/\s+/)], { stdio: 'pipe', timeout: 120_000 });
  fs.renameSync(tmp, out);
  return out;
}
