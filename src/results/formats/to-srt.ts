import type { TranscriptItem } from '../schemas';
import { cueLines, isCue } from './cue-text';
import { clockTime } from './timestamp';

/** Cue lines for SRT, where a text line holding "-->" can be taken for a timing line by lenient players. */
export function srtText(text: string): string {
  return cueLines(text).map((l) => l.replace(/-->/g, '->')).join('\n');
}

/** One SRT block (`n` is its 1-based sequence number), ending with the blank separator line. */
export function srtCue(item: TranscriptItem, n: number): string {
  return `${n}\n${clockTime(item.startS, ',')} --> ${clockTime(item.endS, ',')}\n${srtText(item.text)}\n\n`;
}

/** SubRip text for transcript items (in order); silence and empty segments are skipped, numbers stay dense. */
export function toSrt(items: readonly TranscriptItem[]): string {
  let n = 0;
  return items.filter(isCue).map((it) => srtCue(it, ++n)).join('');
}
