/** A webhook receiver on 127.0.0.1 that fails the first `failFirst` requests of each idempotency key with 500. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER } from '../../src/alerts';

export interface Received { body: string; signature: string | undefined; key: string; status: number; at: number }

export async function receiver(failFirst: number): Promise<{ url: string; seen: Received[]; close(): Promise<void> }> {
  const seen: Received[] = [];
  const perKey = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const at = Date.now();
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const key = String(req.headers[IDEMPOTENCY_HEADER]);
      const n = (perKey.get(key) ?? 0) + 1;
      perKey.set(key, n);
      const status = n <= failFirst ? 500 : 200;
      seen.push({ body, signature: req.headers[SIGNATURE_HEADER] as string | undefined, key, status, at });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hooks/alerts`, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
