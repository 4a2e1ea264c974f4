/**
 * The stages' inference ports on top of the RunPod client (production endpoints or the local emulator).
 * Model-level `call()` is used directly (not InferenceClient's helpers) because the stages need the job ids
 * for billing rows and, for the VLM, the raw reply text: validation and the one retry are stage policy.
 * Detection and ASR use /runsync (one round trip instead of /run + /status polling: the latency matters
 * per frame); the VLM goes through /run with the OpenAI route as DESIGN.md prescribes.
 */
import type { CostRecord, RunpodClient, VlmContentPart, VlmMessage } from '../../runpod';
import type { Detection } from '../../types';
import type { CallBilling, DescribePort, DetectPort, TranscribePort } from '../../stages/ports';
import { encodeWav } from '../../audio';

export interface InferencePortsOptions {
  /** Detection confidence floor sent to the endpoint. */
  conf?: number;
  /** Model name sent to worker-vllm. */
  vlmModel?: string;
  /** ASR language (null = auto-detect). */
  language?: string | null;
}

export interface InferencePorts {
  detect: DetectPort;
  transcribe: TranscribePort;
  describe: DescribePort;
  /** Stops listening to the cost meter. */
  dispose(): void;
}

export function inferencePorts(runpod: RunpodClient, opts: InferencePortsOptions = {}): InferencePorts {
  // Cost records arrive (synchronously, from inside call()) before call() resolves: keep them by job id.
  const costs = new Map<string, CostRecord>();
  const onCost = (rec: CostRecord) => {
    costs.set(rec.jobId, rec);
    if (costs.size > 10_000) costs.delete(costs.keys().next().value as string);
  };
  runpod.cost.on('cost', onCost);
  const billing = (model: string, jobs: { id: string }[]): CallBilling | undefined => {
    if (!jobs.length) return undefined; // served from the content cache: not billed
    let gpuSeconds = 0;
    let costUsd = 0;
    for (const j of jobs) {
      const c = costs.get(j.id);
      costs.delete(j.id);
      gpuSeconds += c?.gpuSeconds ?? 0;
      costUsd += c?.usd ?? 0;
    }
    return { callId: jobs.map((j) => j.id).join('+'), model, gpuSeconds, costUsd };
  };

  const detect: DetectPort = {
    async detect(streamId, jpegs, signal) {
      const res = await runpod.call('yolo', { images: jpegs.map((j) => j.toString('base64')), conf: opts.conf ?? 0.25, iou: 0.45, classes: null }, { streamId, signal, mode: 'runsync' });
      const perImage = res.output.results.map((r) => r.detections.map((d): Detection => ({ bbox: [d.bbox[0], d.bbox[1], d.bbox[2], d.bbox[3]], confidence: d.confidence, classId: d.class, className: d.class_name })));
      return { perImage, model: res.output.model, billing: billing(res.output.model, res.jobs) };
    },
  };

  const transcribe: TranscribePort = {
    async transcribe(streamId, pcm, sampleRate, signal) {
      const wav = encodeWav(pcm, { sampleRate });
      const res = await runpod.call('whisper', {
        audio_base64: wav.toString('base64'), word_timestamps: true, transcription: 'plain_text',
        ...(opts.language !== undefined ? { language: opts.language } : {}),
      }, { streamId, signal, mode: 'runsync' });
      const out = res.output;
      const model = out.model ?? 'whisper';
      return {
        model,
        words: (out.word_timestamps ?? []).map((w) => ({ word: w.word, startS: w.start, endS: w.end, probability: w.probability })),
        segments: out.segments.map((s) => ({ startS: s.start, endS: s.end, text: s.text, confidence: s.avg_logprob !== undefined ? Math.exp(s.avg_logprob) : undefined })),
        billing: billing(model, res.jobs),
      };
    },
  };

  const describe: DescribePort = {
    async describe(streamId, req, signal) {
      const parts: VlmContentPart[] = req.images.map((img) => ({ type: 'image_url', image_url: { url: `data:image/jpeg;base64,${img.toString('base64')}` } }));
      parts.push({ type: 'text', text: req.user });
      const messages: VlmMessage[] = [{ role: 'system', content: req.system }, { role: 'user', content: parts }];
      // No content cache: a retry after an invalid reply must reach the model again.
      const res = await runpod.call('vlm', {
        openai_route: '/v1/chat/completions',
        openai_input: { model: opts.vlmModel ?? process.env.RUNPOD_VLM_MODEL ?? 'Qwen/Qwen2.5-VL-7B-Instruct', messages, max_tokens: req.maxTokens, temperature: 0.2, stream: false },
      }, { streamId, signal, mode: 'run', cache: false });
      const completion = res.output[0];
      const model = completion?.model ?? 'vlm';
      return { content: completion?.choices[0]?.message.content ?? '', model, billing: billing(model, res.jobs) };
    },
  };

  return { detect, transcribe, describe, dispose: () => runpod.cost.off('cost', onCost) };
}
