/**
 * Facts the rule-based captioner can read from our VLM prompt (prompts/vlm-user.md, rendered by
 * src/stages/vlm): the detection summary (`- person: up to 3 per frame, tracks 1,2`), the transcript
 * (`[12.3s] text`) and the trigger line (`Why this window was chosen: keyword at 3.0s ("goal"); …`).
 * Parsing is tolerant: a prompt written by someone else still yields whatever lines match.
 */
export interface PromptFacts {
  /** Most instances of each class seen in one frame. */
  objects: Map<string, number>;
  /** Distinct track ids across classes. */
  trackCount: number;
  transcript: string;
  triggers: Set<string>;
  /** Largest "N dB above mean" loudness hint, if any. */
  loudnessDb: number | undefined;
}

const DETECTION_LINE = /^\s*-\s*([a-z][a-z ]*?):\s*up to (\d+) per frame(?:, tracks ([\d,]+))?/i;
const TRANSCRIPT_LINE = /^\s*\[(\d+(?:\.\d+)?)s\]\s*(.+)$/;
const TRIGGER_KINDS = ['scene change', 'new track', 'prosody peak', 'keyword', 'periodic'] as const;

export function extractPromptFacts(text: string): PromptFacts {
  const objects = new Map<string, number>();
  const tracks = new Set<string>();
  const speech: string[] = [];
  const triggers = new Set<string>();
  let loudnessDb: number | undefined;
  for (const line of text.split('\n')) {
    const d = DETECTION_LINE.exec(line);
    if (d) {
      const name = d[1]!.trim().toLowerCase();
      objects.set(name, Math.max(objects.get(name) ?? 0, Number(d[2])));
      for (const id of (d[3] ?? '').split(',').filter(Boolean)) tracks.add(`${name}#${id}`);
      continue;
    }
    const t = TRANSCRIPT_LINE.exec(line);
    if (t) { speech.push(t[2]!.trim()); continue; }
    if (/why this window was chosen/i.test(line)) {
      for (const k of TRIGGER_KINDS) if (line.toLowerCase().includes(k)) triggers.add(k);
    }
    for (const m of line.matchAll(/(\d+(?:\.\d+)?)\s*dB above mean/gi)) loudnessDb = Math.max(loudnessDb ?? 0, Number(m[1]));
  }
  return { objects, trackCount: tracks.size, transcript: speech.join(' '), triggers, loudnessDb };
}
