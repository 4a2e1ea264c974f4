import type { TranscriptItem } from '../schemas';
import { cueLines, isCue } from './cue-text';
import { clockTime } from './timestamp';

export const VTT_HEADER = 'WEBVTT\n\n';

/** `&`, `<` and `>` are markup in cue text (this also keeps a spoken "-->" from looking like a timing line). */
export function escapeVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One WebVTT cue with `n` as its identifier; the speaker, when known, as a voice span. */
export function vttCue(item: TranscriptItem, n: number): string {
  const text = cueLines(item.text).map(escapeVtt).join('\n');
  const body = item.speakerId ? `<v ${escapeVtt(item.speakerId)}>${text}</v>` : text;
  return `${n}\n${clockTime(item.startS, '.')} --> ${clockTime(item.endS, '.')}\n${body}\n\n`;
}

/** A WebVTT document for transcript items (in order); silence and empty segments are skipped. */
export function toVtt(items: readonly TranscriptItem[]): string {
  let n = 0;
  return VTT_HEADER + items.filter(isCue).map((it) => vttCue(it, ++n)).join('');
}
