import { randomUUID } from 'node:crypto';
import { siblingModule, ThreadClient } from '../runtime/threads/thread-client';
import type { JobContext, LocalModel } from '../types';
import { dataUrlImages, parseChatRequest, userText } from './chat-request';
import type { ImageStats } from './image-stats';
import { forwardChatCompletion, type OpenAiServer } from './openai-forward';
import { extractPromptFacts } from './prompt-facts';
import { captionFromFacts } from './rule-captioner';
import { secretEnv } from '../../config/secret-env';

export interface LocalCaptionerOptions {
  /** OpenAI-compatible server; default from VLM_BASE_URL / VLM_API_KEY / VLM_MODEL. Unset: rule captioner. */
  server?: Omit<OpenAiServer, 'timeoutMs'> & { timeoutMs?: number };
  env?: NodeJS.ProcessEnv;
}

export const RULE_CAPTIONER_MODEL = 'local-rule-captioner';
/** More images than this are not decoded for statistics (4 are sent by default). */
const MAX_STAT_IMAGES = 8;

export function serverFromEnv(env: NodeJS.ProcessEnv): OpenAiServer | undefined {
  const baseUrl = env.VLM_BASE_URL?.trim();
  if (!baseUrl) return undefined;
  return { baseUrl, apiKey: secretEnv('VLM_API_KEY', env), model: env.VLM_MODEL || undefined, timeoutMs: 120_000 };
}

/**
 * `vlm` endpoint (worker-vllm through /run + openai_route). With an OpenAI-compatible server configured the
 * request is forwarded as is; otherwise a rule-based captioner answers from the prompt's own facts and
 * image statistics, labelled `local-rule-captioner` in `model` and in the description.
 */
export class LocalCaptioner implements LocalModel {
  readonly model: string;
  private readonly server: OpenAiServer | undefined;
  private readonly stats: ThreadClient<string[], ImageStats>;

  constructor(opts: LocalCaptionerOptions = {}) {
    this.server = opts.server ? { timeoutMs: 120_000, ...opts.server } : serverFromEnv(opts.env ?? process.env);
    this.model = this.server ? `openai-compatible ${this.server.model ?? ''} at ${new URL(this.server.baseUrl).host}`.replace('  ', ' ') : RULE_CAPTIONER_MODEL;
    this.stats = new ThreadClient(siblingModule(__dirname, 'image-stats-thread'), undefined, 'vlm image stats');
  }

  async init(): Promise<void> {
    if (!this.server) await this.stats.start();
  }

  async handle(input: unknown, ctx: JobContext): Promise<unknown[]> {
    const { openaiInput } = parseChatRequest(input);
    if (this.server) return forwardChatCompletion(this.server, openaiInput, ctx.signal);

    const text = userText(openaiInput.messages);
    const images = dataUrlImages(openaiInput.messages).slice(0, MAX_STAT_IMAGES);
    const stats = images.length ? await this.stats.call(images, ctx.signal) : undefined;
    const reply = captionFromFacts(extractPromptFacts(text), stats);
    const content = JSON.stringify(reply);
    // Token counts are estimates (~4 characters per token): there is no tokenizer behind this captioner.
    const promptTokens = Math.ceil(JSON.stringify(openaiInput.messages).length / 4);
    const completionTokens = Math.ceil(content.length / 4);
    return [{
      id: `chatcmpl-local-${randomUUID()}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: RULE_CAPTIONER_MODEL,
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    }];
  }

  close(): Promise<void> {
    return this.stats.close();
  }
}
