import { VideoAgentError } from '../../errors';
import { requireObject } from '../input-guard';

/** The parts of a worker-vllm `/run` request (openai_route + openai_input) the local VLM worker reads. */
export interface ChatMessage {
  role: string;
  content: string | Array<{ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } }>;
}

export interface ChatRequest {
  openaiInput: Record<string, unknown> & { model: string; messages: ChatMessage[]; max_tokens: number };
}

export function parseChatRequest(input: unknown): ChatRequest {
  const obj = requireObject(input, 'vlm');
  if (obj.openai_route !== '/v1/chat/completions') {
    throw new VideoAgentError('E_BAD_INPUT', 'openai_route: only "/v1/chat/completions" is supported');
  }
  const oi = requireObject(obj.openai_input, 'vlm openai_input');
  if (!Array.isArray(oi.messages) || oi.messages.length === 0) throw new VideoAgentError('E_BAD_INPUT', 'openai_input.messages: expected a non-empty array');
  if (oi.stream === true) throw new VideoAgentError('E_BAD_INPUT', 'openai_input.stream: streaming is not supported through /run');
  return { openaiInput: oi as ChatRequest['openaiInput'] };
}

/** Text of the user turns (the system prompt holds instructions and an example shape, not facts). */
export function userText(messages: ChatMessage[]): string {
  const parts: string[] = [];
  for (const m of messages) {
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') parts.push(m.content);
    else for (const p of m.content) if (p.type === 'text') parts.push(p.text);
  }
  return parts.join('\n');
}

/** Base64 bodies of the data-URL images of the user turns, in order (http(s) URLs are never fetched). */
export function dataUrlImages(messages: ChatMessage[]): string[] {
  const out: string[] = [];
  for (const m of messages) {
    if (m.role !== 'user' || typeof m.content === 'string') continue;
    for (const p of m.content) if (p.type === 'image_url' && p.image_url.url.startsWith('data:image/')) out.push(p.image_url.url);
  }
  return out;
}
