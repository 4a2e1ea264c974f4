/**
 * The one VLM request of `ask`: the question, the retrieved excerpts labelled with their media time ranges,
 * and the frames of the best moments. Free-form (no VLM_JSON_INSTRUCTION): the answer is prose that cites
 * the ranges exactly as labelled, which citations.ts reads back.
 */
import type { VlmContentPart, VlmMessage } from '../../runpod/contracts';
import type { FrameMsg } from '../../topics/frames';
import type { Moment } from './retrieve';

/** Excerpts are cut to this many characters in the prompt (a chunk is normally one line or one caption). */
export const MAX_EXCERPT_CHARS = 600;

export const ASK_SYSTEM_PROMPT = [
  'You answer questions about a video stream from what was recorded of it: excerpts of its transcript and',
  'event descriptions, and a few frames, each labelled with its media time range in seconds like [12.0s–15.5s].',
  'Answer in a few plain sentences (not JSON). Cite the time range of every excerpt or frame you rely on,',
  'written exactly as labelled, e.g. [12.0s–15.5s]. If the material does not answer the question, say so.',
].join(' ');

const secs = (us: number) => `${(us / 1e6).toFixed(1)}s`;

/** `[12.0s–15.5s]`: the label excerpts carry and answers cite. */
export function rangeLabel(startUs: number, endUs: number): string {
  return `[${secs(startUs)}–${secs(endUs)}]`;
}

export function clip(text: string, max = MAX_EXCERPT_CHARS): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** `[12.0s–15.5s] transcript: …` */
export function excerptLine(m: Moment): string {
  return `${rangeLabel(m.startUs, m.endUs)} ${m.kind}: ${clip(m.text)}`;
}

export interface AskFrame {
  frame: FrameMsg;
  /** The moment the frame illustrates. */
  moment: Moment;
}

export function buildAskMessages(question: string, moments: Moment[], frames: AskFrame[], note?: string): VlmMessage[] {
  const parts: VlmContentPart[] = [];
  for (const f of frames) {
    parts.push({ type: 'text', text: `Frame at ${secs(f.frame.ptsUs)}, from the moment ${rangeLabel(f.moment.startUs, f.moment.endUs)}:` });
    parts.push({ type: 'image_url', image_url: { url: `data:image/jpeg;base64,${f.frame.jpeg.toString('base64')}` } });
  }
  // Chronological order reads as a story; the ranking only chose which excerpts to include.
  const lines = [...moments].sort((a, b) => a.startUs - b.startUs || a.kind.localeCompare(b.kind)).map(excerptLine);
  const text = [
    `Question: ${question}`,
    '',
    lines.length ? 'Excerpts:' : 'No transcript or event excerpt was found for this question.',
    ...lines,
    ...(note ? ['', `(${note})`] : []),
    '',
    'Answer the question from these excerpts and frames, citing their time ranges like [12.0s–15.5s].',
  ].join('\n');
  parts.push({ type: 'text', text });
  return [{ role: 'system', content: ASK_SYSTEM_PROMPT }, { role: 'user', content: parts }];
}
