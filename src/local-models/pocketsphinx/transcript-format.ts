/** The transcription formats of RunPod's worker-faster_whisper (`transcription` input field). */
export type TranscriptionFormat = 'plain_text' | 'formatted_text' | 'srt' | 'vtt';

export interface TimedText { start: number; end: number; text: string }

function timestamp(seconds: number, decimalMarker: ',' | '.'): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000), m = Math.floor((ms % 3_600_000) / 60_000), s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${decimalMarker}${pad(ms % 1000, 3)}`;
}

export function formatTranscript(segments: TimedText[], format: TranscriptionFormat): string {
  switch (format) {
    case 'plain_text':
      return segments.map((s) => s.text.trim()).join(' ');
    case 'formatted_text':
      return segments.map((s) => s.text.trim()).join('\n');
    case 'srt':
      return segments.map((s, i) => `${i + 1}\n${timestamp(s.start, ',')} --> ${timestamp(s.end, ',')}\n${s.text.trim()}\n`).join('\n');
    case 'vtt':
      return `WEBVTT\n\n${segments.map((s) => `${timestamp(s.start, '.')} --> ${timestamp(s.end, '.')}\n${s.text.trim()}\n`).join('\n')}`;
  }
}
