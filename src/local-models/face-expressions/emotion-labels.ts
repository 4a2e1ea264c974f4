/** Contract names (runpod-handlers/contracts/emotion.output.schema.json), FER-2013 style. */
export const EMOTIONS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;
export type Emotion = (typeof EMOTIONS)[number];

/** face-api's expression names -> contract names. */
const FACE_API_TO_CONTRACT: Record<string, Emotion> = {
  neutral: 'neutral', happy: 'happy', sad: 'sad', angry: 'angry',
  fearful: 'fear', disgusted: 'disgust', surprised: 'surprise',
};

export interface EmotionResult {
  emotion: Emotion;
  scores: Record<Emotion, number>;
}

/** Renames face-api's scores, clamps them to [0, 1] (float noise) and picks the top-1. */
export function toEmotionResult(faceApiScores: Record<string, number>): EmotionResult {
  const scores = Object.fromEntries(EMOTIONS.map((e) => [e, 0])) as Record<Emotion, number>;
  for (const [name, value] of Object.entries(faceApiScores)) {
    const mapped = FACE_API_TO_CONTRACT[name];
    if (mapped && Number.isFinite(value)) scores[mapped] = Math.min(1, Math.max(0, Math.round(value * 1e4) / 1e4));
  }
  let best: Emotion = 'neutral';
  for (const e of EMOTIONS) if (scores[e] > scores[best]) best = e;
  return { emotion: best, scores };
}
