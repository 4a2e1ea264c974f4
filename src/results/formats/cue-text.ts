import type { TranscriptItem } from '../schemas';

/** Subtitles carry speech only: silence and empty segments make no cue. */
export function isCue(item: TranscriptItem): boolean {
  return !item.isSilence && item.text.trim() !== '';
}

/** Trimmed lines without blank ones: a blank line ends a cue in both SRT and WebVTT. */
export function cueLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).map((l) => l.trim()).filter((l) => l !== '');
}
