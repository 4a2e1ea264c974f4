/**
 * Sends a local file with HTTP range support (one `bytes=a-b` range), so a browser's <video> can seek in
 * a clip without downloading it whole; the file is streamed, never read into memory.
 */
import fs from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VideoAgentError } from '../../errors';

export async function sendFileRange(req: FastifyRequest, reply: FastifyReply, file: string, type: string): Promise<FastifyReply> {
  let size: number;
  try {
    size = (await fs.promises.stat(file)).size;
  } catch {
    throw new VideoAgentError('E_CLIP_GONE', 'the clip file is no longer in the object store', { kind: 'not_found' });
  }
  reply.header('accept-ranges', 'bytes').header('content-type', type).header('cache-control', 'private, max-age=300');
  const m = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? '').trim());
  if (!m || (m[1] === '' && m[2] === '')) return reply.header('content-length', size).send(fs.createReadStream(file));
  // bytes=a-b, bytes=a- (to the end), bytes=-n (the last n bytes)
  const start = m[1] === '' ? Math.max(0, size - Number(m[2])) : Number(m[1]);
  const end = m[1] === '' || m[2] === '' ? size - 1 : Math.min(size - 1, Number(m[2]));
  if (start >= size || end < start) return reply.code(416).header('content-range', `bytes */${size}`).send();
  return reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`).header('content-length', end - start + 1)
    .send(fs.createReadStream(file, { start, end }));
}
