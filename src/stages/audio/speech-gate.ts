/**
 * The ASR gate: Silero VAD (the diarizer's model, src/local-models/diarizer/silero-vad.ts) says whether a
 * window holds any speech region, so music, noise and tones that pass the energy check are never sent to
 * Whisper (which would hallucinate words on them). Without onnxruntime-node the gate is absent (null).
 */
import { loadSileroVad, SILERO_FRAME_S } from '../../local-models/diarizer/silero-vad';
import { speechRegions } from '../../local-models/diarizer/speech-regions';
import type { SpeechGate } from './audio-stage';

export async function sileroSpeechGate(opts: { threshold?: number; minSpeechS?: number } = {}): Promise<SpeechGate | null> {
  const vad = await loadSileroVad();
  if (!vad) return null;
  return {
    async hasSpeech(pcm, sampleRate) {
      if (sampleRate !== 16000) return true; // the model is trained at 16 kHz; do not gate what it cannot judge
      const f = new Float32Array(pcm.length);
      for (let i = 0; i < pcm.length; i++) f[i] = pcm[i]! / 32768;
      const probs = await vad.probabilities(f);
      return speechRegions(probs, SILERO_FRAME_S, pcm.length / sampleRate, { threshold: opts.threshold ?? 0.5, minSpeechS: opts.minSpeechS ?? 0.25 }).length > 0;
    },
  };
}
