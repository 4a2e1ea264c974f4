import { request } from 'undici';
import { VideoAgentError } from '../../errors';

export interface OpenAiServer {
  /** e.g. http://127.0.0.1:8000/v1 (the path up to, not including, /chat/completions). */
  baseUrl: string;
  apiKey?: string;
  /** Overrides the request's `model` (the client names RunPod's model, the local server may serve another). */
  model?: string;
  timeoutMs: number;
}

/**
 * Sends the chat completion to an OpenAI-compatible server (vLLM, llama.cpp server, Ollama…) and returns
 * worker-vllm's shape: a one-element list holding the chat.completion. The API key only travels in the
 * Authorization header; errors quote the status and the server's message, never the request headers.
 */
export async function forwardChatCompletion(server: OpenAiServer, body: Record<string, unknown>, signal: AbortSignal): Promise<unknown[]> {
  const url = `${server.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const payload = { ...body, ...(server.model ? { model: server.model } : {}), stream: false };
  let res;
  try {
    res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(server.apiKey ? { authorization: `Bearer ${server.apiKey}` } : {}) },
      body: JSON.stringify(payload),
      signal: AbortSignal.any([signal, AbortSignal.timeout(server.timeoutMs)]),
    });
  } catch (err) {
    if (signal.aborted) throw new VideoAgentError('E_JOB_CANCELLED', 'job cancelled');
    throw new VideoAgentError('E_VLM_UPSTREAM', `VLM server at ${new URL(url).origin} unreachable: ${(err as Error).message}`);
  }
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode >= 300) {
    throw new VideoAgentError('E_VLM_UPSTREAM', `VLM server answered HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
  }
  let json: unknown;
  try { json = JSON.parse(text); } catch {
    throw new VideoAgentError('E_VLM_UPSTREAM', 'VLM server answered with invalid JSON');
  }
  const completion = json as { choices?: unknown };
  if (!completion || !Array.isArray(completion.choices) || completion.choices.length === 0) {
    throw new VideoAgentError('E_VLM_UPSTREAM', 'VLM server answered without choices');
  }
  return [completion];
}
