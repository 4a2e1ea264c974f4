import type { VlmReply } from '../../runpod/contracts';
import type { ImageStats } from './image-stats';
import type { PromptFacts } from './prompt-facts';

/** Words in speech that usually mark a moment worth clipping, and the emotion they suggest. */
const SPEECH_CUES: Array<{ re: RegExp; tag: string; emotion?: string; weight: number }> = [
  { re: /\b(goal|score[sd]?|win(s|ner)?|won)\b/i, tag: 'score', emotion: 'excited', weight: 0.2 },
  { re: /\b(wow|amazing|incredible|unbelievable|awesome|look at (that|this))\b/i, tag: 'exclamation', emotion: 'surprised', weight: 0.2 },
  { re: /\b(help|danger|watch out|fire|emergency|careful)\b/i, tag: 'alert', emotion: 'alarmed', weight: 0.25 },
  { re: /\b(ha(ha)+|laugh(ing|s)?|funny|lol)\b/i, tag: 'humor', emotion: 'amused', weight: 0.15 },
  { re: /\b(sad|sorry|cry(ing)?|miss)\b/i, tag: 'sad-speech', emotion: 'sad', weight: 0.05 },
  { re: /\b(important|announce|breaking)\b/i, tag: 'announcement', weight: 0.1 },
];

function countPhrase(name: string, n: number): string {
  if (name === 'person') return n === 1 ? '1 person' : `${n} people`;
  return n === 1 ? `1 ${name}` : `${n} ${name}${/(s|sh|ch|x)$/.test(name) ? 'es' : 's'}`;
}
const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * A deterministic captioner for running without a VLM. It only restates what the request already contains
 * (detections, transcript, trigger reasons, image statistics) and says so in the description; the score rises
 * with people, new tracks, excited or alarming speech, loudness peaks, scene changes and motion.
 */
/** A reply in the contract's shape (runpod-handlers/contracts/vlm.reply.schema.json), always with `emotions`. */
export function captionFromFacts(facts: PromptFacts, stats: ImageStats | undefined): VlmReply & { emotions: string[] } {
  const tags = new Set<string>();
  const emotions = new Set<string>();
  const parts: string[] = [];
  let score = 0.1;

  const people = facts.objects.get('person') ?? 0;
  const objects = [...facts.objects.entries()].sort((a, b) => b[1] - a[1]);
  if (objects.length) {
    parts.push(`detected ${objects.slice(0, 4).map(([k, n]) => countPhrase(k, n)).join(', ')}`);
    for (const [k] of objects.slice(0, 5)) tags.add(k.replace(/\s+/g, '-'));
  } else {
    parts.push('no objects detected');
  }
  score += Math.min(0.25, 0.08 * people);
  if (people >= 5) tags.add('crowd');
  if (facts.triggers.has('new track')) { score += 0.15; tags.add('new-arrival'); }
  if (facts.trackCount >= 4) score += 0.05;

  const speech = facts.transcript.trim();
  if (speech) {
    tags.add('speech');
    score += 0.05;
    parts.push(`speech: "${speech.length > 80 ? `${speech.slice(0, 77)}...` : speech}"`);
    for (const cue of SPEECH_CUES) {
      if (!cue.re.test(speech)) continue;
      score += cue.weight;
      tags.add(cue.tag);
      if (cue.emotion) emotions.add(cue.emotion);
    }
    if (/!/.test(speech)) score += 0.05;
  }
  if (facts.triggers.has('keyword')) score += 0.1;
  if (facts.loudnessDb !== undefined) {
    score += 0.1 + Math.min(0.1, facts.loudnessDb / 100);
    tags.add('loud');
    if (facts.loudnessDb >= 6) emotions.add('excited');
  }
  if (facts.triggers.has('scene change')) { score += 0.1; tags.add('scene-change'); }
  if (stats && stats.frames > 1) {
    if (stats.motion >= 20) { score += 0.1; tags.add('motion'); parts.push('strong motion between frames'); }
    else if (stats.motion < 3) { tags.add('static'); score -= 0.05; }
  }
  if (stats && stats.frames > 0 && stats.brightness < 40) { tags.add('dark'); parts.push('a dark scene'); }

  const triggerText = facts.triggers.size ? `; chosen for ${[...facts.triggers].join(', ')}` : '';
  return {
    description: `Rule-based summary (no vision model): ${parts.join('; ')}${triggerText}.`,
    clip_worthy_score: Math.round(clamp01(score) * 100) / 100,
    tags: [...tags],
    emotions: [...emotions],
  };
}
