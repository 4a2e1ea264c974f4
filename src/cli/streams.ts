import type { Command } from 'commander';
import { VideoAgentError } from '../errors';
import { scrubUserinfo } from '../obs/redact';
import { secretEnv } from '../config/secret-env';

interface ClientOptions { url: string; key?: string }

/**
 * `video-agent streams list|add|rm` against a running server (VIDEO_AGENT_URL / VIDEO_AGENT_API_KEY or
 * --url / --key): the same calls as the API, printed for a terminal (or as JSON with --json).
 */
export function registerStreams(program: Command): void {
  const cmd = program.command('streams').description('List, add and remove streams on a running server');
  const common = (c: Command) => c
    .option('--url <url>', 'server URL', process.env.VIDEO_AGENT_URL ?? 'http://127.0.0.1:8080')
    .option('--key <key>', 'API key (default: the first of VIDEO_AGENT_API_KEY)')
    .option('--json', 'print the API response as JSON');

  common(cmd.command('list').description('Streams the server runs, with state and ingest stats'))
    .action(async (o: ClientOptions & { json?: boolean }) => {
      const body = (await call(o, 'GET', '/v1/streams')) as { streams: StreamRow[] };
      if (o.json) return print(body);
      if (!body.streams.length) { process.stdout.write('no streams\n'); return; }
      process.stdout.write(`${pad('ID', 20)} ${pad('STATE', 13)} ${pad('FRAMES', 8)} ${pad('FPS', 6)} ${pad('LAG', 7)} SOURCE\n`);
      for (const s of body.streams) {
        process.stdout.write(`${pad(s.id, 20)} ${pad(s.state, 13)} ${pad(String(s.ingest?.frames ?? 0), 8)} ${pad(String(s.ingest?.fps ?? 0), 6)} ${pad(s.ingest ? `${s.ingest.lagMs}ms` : '-', 7)} ${s.source}\n`);
      }
    });

  common(cmd.command('add').description('Add a stream').argument('<source>', 'file path (under a media root) or rtsp:// URL'))
    .option('--id <id>', 'stream id')
    .option('--pipeline <name>', 'built-in pipeline name')
    .option('--stages <list>', 'comma-separated stages (none = ingest only)')
    .option('--fps <n>', 'frames per second sampled')
    .action(async (source: string, o: ClientOptions & { json?: boolean; id?: string; pipeline?: string; stages?: string; fps?: string }) => {
      const body: Record<string, unknown> = { source };
      if (o.id) body.id = o.id;
      if (o.pipeline) body.pipeline = o.pipeline;
      if (o.stages !== undefined) body.stages = o.stages.split(',').map((s) => s.trim()).filter((s) => s && s !== 'none');
      if (o.fps !== undefined) body.fps = Number(o.fps);
      const s = (await call(o, 'POST', '/v1/streams', body)) as StreamRow;
      if (o.json) return print(s);
      process.stdout.write(`added ${s.id} (${s.state}) ${s.source}\n`);
    });

  common(cmd.command('rm').description('Stop and remove a stream (its data is kept)').argument('<id>'))
    .action(async (id: string, o: ClientOptions & { json?: boolean }) => {
      const s = (await call(o, 'DELETE', `/v1/streams/${encodeURIComponent(id)}`)) as StreamRow;
      if (o.json) return print(s);
      process.stdout.write(`removed ${s.id} (${s.ingest?.frames ?? 0} frames ingested)\n`);
    });
}

interface StreamRow { id: string; state: string; source: string; ingest: { frames: number; fps: number; lagMs: number } | null }

async function call(o: ClientOptions, method: string, path: string, body?: unknown): Promise<unknown> {
  const { request } = require('undici') as typeof import('undici');
  const key = o.key ?? secretEnv('VIDEO_AGENT_API_KEY')?.split(',')[0]?.trim();
  let res;
  try {
    res = await request(new URL(path, o.url), {
      method: method as 'GET',
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      headersTimeout: 60_000, bodyTimeout: 60_000,
    });
  } catch (err) {
    throw new VideoAgentError('E_SERVER_UNREACHABLE', `cannot reach the server at ${scrubUserinfo(o.url)}: ${(err as Error).message} (is \`video-agent serve\` running? --url / VIDEO_AGENT_URL)`, { kind: 'unreachable' });
  }
  const text = await res.body.text();
  let json: unknown = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  if (res.statusCode >= 400) {
    const e = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new VideoAgentError(e?.code ?? 'E_SERVER_ERROR', `server answered ${res.statusCode}: ${e?.message ?? text.slice(0, 200)}`, { kind: res.statusCode === 401 ? 'unauthorized' : 'bad_input' });
  }
  return json;
}

function print(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
