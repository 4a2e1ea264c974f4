import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * tfjs in plain Node loads models through `fetch`, which cannot read file:// URLs. Inside an inference thread
 * (its own globals) we route file:// to the filesystem so weights shipped inside npm packages load offline;
 * every other URL is refused, because a local worker must never reach the network.
 */
export function installFileFetchShim(): void {
  const shim = async (input: string | URL | Request): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file://')) throw new Error(`local worker refused to fetch ${url.split('?')[0]}: only file:// model paths are allowed`);
    const body = await readFile(fileURLToPath(url));
    return new Response(body, { status: 200, headers: { 'content-type': url.endsWith('.json') ? 'application/json' : 'application/octet-stream' } });
  };
  globalThis.fetch = shim as typeof fetch;
}
