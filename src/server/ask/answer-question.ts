/**
 * `POST /v1/streams/{id}/ask`: retrieval over the stream's memory (full text + media time window), the frames
 * of the best moments, one VLM call, and an answer that cites time ranges.
 *
 * With the local emulator the vlm endpoint is the rule-based captioner (or the stub), which always answers in
 * the caption schema and cannot read a question. Its reply is then not passed off as an answer: the answer is
 * extractive (the retrieved excerpts, quoted with their ranges) plus the captioner's summary, labelled so.
 */
import type { Pool } from 'pg';
import { z } from 'zod';
import { VideoAgentError } from '../../errors';
import type { Billing, DescribePort } from '../../runpod/inference';
import type { FrameMsg } from '../../topics/frames';
import { citedMoments } from './citations';
import { buildAskMessages, clip, rangeLabel, type AskFrame } from './prompt';
import { retrieveMoments, type Moment, type RetrievalStrategy } from './retrieve';

export interface AskDeps {
  pool: Pool;
  inference: DescribePort;
  frames: { nearest(streamId: string, ptsUs: number): FrameMsg | null };
  /** The inference client talks to the local emulator (no RunPod key). */
  localModel: boolean;
}

export const MAX_QUESTION_CHARS = 2000;
export const MAX_MOMENTS = 16;

export const AskRequestSchema = z.object({
  streamId: z.string().min(1, 'must not be empty'),
  question: z.string().trim().min(1, 'must not be empty').max(MAX_QUESTION_CHARS, `must be at most ${MAX_QUESTION_CHARS} characters`),
  /** Media time window, µs. */
  fromUs: z.number().int().min(0).optional(),
  toUs: z.number().int().min(0).optional(),
  maxMoments: z.number().int().min(1).max(MAX_MOMENTS).default(4),
}).refine((r) => r.fromUs === undefined || r.toUs === undefined || r.fromUs <= r.toUs, { message: 'must not be after toUs', path: ['fromUs'] });

export type AskRequest = z.input<typeof AskRequestSchema>;

export interface Citation { startS: number; endS: number; kind: string; text: string }

export interface AskAnswer {
  answer: string;
  /** The moments the answer cites (in citing order), or every retrieved one when it cites none. */
  citations: Citation[];
  model: string;
  /** Answered through the local emulator rather than a RunPod endpoint. */
  local: boolean;
  framesUsed: number;
  /** How the cited moments were found (see retrieveMoments). */
  retrieval: RetrievalStrategy;
  note?: string;
  /** What the VLM call cost (absent when no call was made). */
  billing?: Billing;
}

export interface AskOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** A frame farther than this outside its moment's range shows something else: not sent. */
const FRAME_SLACK_US = 3_000_000;
const LOCAL_NOTE = 'answered by the local rule-based captioner, not a VLM: the answer quotes the retrieved excerpts (extractive)';

function parseRequest(req: AskRequest): z.output<typeof AskRequestSchema> {
  const parsed = AskRequestSchema.safeParse(req);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new VideoAgentError('E_ASK_BAD_REQUEST', `${issue.path.join('.') || 'request'}: ${issue.message}`, { kind: 'bad_input' });
}

/** One frame per moment (its middle), for the best moments first; the same frame is sent once. */
function momentFrames(deps: AskDeps, streamId: string, moments: Moment[], max: number): AskFrame[] {
  const out: AskFrame[] = [];
  for (const moment of moments) {
    if (out.length >= max) break;
    const frame = deps.frames.nearest(streamId, Math.round((moment.startUs + moment.endUs) / 2));
    if (!frame || frame.ptsUs < moment.startUs - FRAME_SLACK_US || frame.ptsUs > moment.endUs + FRAME_SLACK_US) continue;
    if (out.some((f) => f.frame.ptsUs === frame.ptsUs)) continue;
    out.push({ frame, moment });
  }
  return out;
}

const toCitation = (m: Moment): Citation => ({ startS: m.startUs / 1e6, endS: m.endUs / 1e6, kind: m.kind, text: clip(m.text) });

function retrievalNote(strategy: RetrievalStrategy): string | undefined {
  if (strategy === 'recent') return 'no stored transcript or event matches the question: the most recent moments of the window are used instead';
  if (strategy === 'none') return 'nothing is stored for this stream in that time window';
  return undefined;
}

function extractiveAnswer(strategy: RetrievalStrategy, moments: Moment[], caption: string | undefined): string {
  const quoted = moments.map((m) => `${rangeLabel(m.startUs, m.endUs)} ${m.kind}: "${clip(m.text, 300)}"`);
  const lead = strategy === 'none'
    ? 'Extractive answer (no VLM): nothing is stored for this stream in that time window.'
    : strategy === 'recent'
      ? `Extractive answer (no VLM): no stored moment matches the question; the most recent ones are ${quoted.join('; ')}.`
      : `Extractive answer (no VLM): the stored moments that best match the question are ${quoted.join('; ')}.`;
  return caption ? `${lead} The local rule-based captioner summarised the frames as: ${caption}` : lead;
}

export async function answerQuestion(deps: AskDeps, req: AskRequest, opts: AskOptions = {}): Promise<AskAnswer> {
  const r = parseRequest(req);
  const { moments, strategy } = await retrieveMoments(deps.pool, { streamId: r.streamId, question: r.question, fromUs: r.fromUs, toUs: r.toUs, limit: r.maxMoments });
  const frames = momentFrames(deps, r.streamId, moments, r.maxMoments);
  if (!moments.length) {
    // No memory yet: the frame at the end of the window may still answer "what is on screen".
    const f = deps.frames.nearest(r.streamId, r.toUs ?? Number.MAX_SAFE_INTEGER);
    if (f && (r.fromUs === undefined || f.ptsUs >= r.fromUs - FRAME_SLACK_US) && (r.toUs === undefined || f.ptsUs <= r.toUs + FRAME_SLACK_US)) {
      frames.push({ frame: f, moment: { startUs: f.ptsUs, endUs: f.ptsUs, kind: 'frame', text: '', rank: 0, allWords: false } });
    }
  }
  const baseNote = retrievalNote(strategy);
  if (!moments.length && !frames.length) {
    return { answer: 'Nothing is stored for this stream in that time window yet: no transcript, event or frame to answer from.', citations: [], model: 'none', local: deps.localModel, framesUsed: 0, retrieval: strategy, note: baseNote };
  }

  const res = await deps.inference.describe(
    { messages: buildAskMessages(r.question, moments, frames, baseNote) },
    { streamId: r.streamId, maxTokens: 512, temperature: 0.2, signal: opts.signal, timeoutMs: opts.timeoutMs },
  );
  const join = (...notes: (string | undefined)[]) => notes.filter(Boolean).join('; ') || undefined;

  // The local captioner (and the stub) answer in the caption schema whatever is asked: not an answer.
  if (deps.localModel && res.reply.ok) {
    return {
      answer: extractiveAnswer(strategy, moments, res.reply.reply.description),
      citations: moments.map(toCitation),
      model: res.model, local: true, framesUsed: frames.length, retrieval: strategy,
      note: join(LOCAL_NOTE, baseNote), billing: res.billing,
    };
  }
  // A VLM that answered in the caption schema anyway still said something useful in its description.
  const answer = (res.reply.ok ? res.reply.reply.description : res.content).trim();
  if (!answer) throw new VideoAgentError('E_ASK_EMPTY_REPLY', `the VLM (${res.model}) returned an empty answer`, { kind: 'bad_reply' });
  const cited = citedMoments(answer, moments);
  return {
    answer,
    citations: (cited.length ? cited : moments).map(toCitation),
    model: res.model, local: deps.localModel, framesUsed: frames.length, retrieval: strategy,
    note: join(deps.localModel ? `answered through the local emulator by ${res.model}` : undefined, cited.length || !moments.length ? undefined : 'the answer cites no time range: every retrieved moment is listed', baseNote),
    billing: res.billing,
  };
}
