/**
 * A private redis-server on a free 127.0.0.1 port in a temp dir, for drills that stop and restart Redis
 * (never the shared instance on 6379). Persistence is off unless `aof` is set (then appendfsync always:
 * every acknowledged write survives a SIGTERM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface PrivateRedis {
  url: string;
  port: number;
  dir: string;
  /** SIGTERM, waits for the process to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and dir. */
  start(): Promise<void>;
  /** Stops it and removes the dir. */
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function pingable(port: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => s.write('PING\r\n'));
      s.once('data', (d) => { s.destroy(); resolve(d.toString().startsWith('+PONG')); });
      s.once('error', () => { s.destroy(); resolve(false); });
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`private redis-server on port ${port} did not answer within ${timeoutMs} ms (is redis-server installed? apt-get install redis-server)`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startPrivateRedis(opts: { aof?: boolean } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no',
    ...(opts.aof ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'])];
  let proc: ChildProcess | null = null;
  const start = async () => {
    proc = spawn('redis-server', args, { stdio: 'ignore' });
    proc.once('error', () => undefined);
    await pingable(port, 10_000);
  };
  const stop = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => { p.once('exit', () => resolve()); p.kill('SIGTERM'); });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`, port, dir, start, stop,
    async close() { await stop(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}
