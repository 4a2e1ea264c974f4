import net from 'node:net';

/** Fail (never skip) with a message that says how to start the missing service. */
async function reachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export async function requirePostgres(): Promise<string> {
  // Probe the server TEST_DATABASE_URL names (the default is the shared one on 127.0.0.1:5432).
  const u = new URL(TEST_DATABASE_URL);
  const host = u.hostname || '127.0.0.1';
  const port = Number(u.port || 5432);
  if (!(await reachable(host, port))) {
    throw new Error(`PostgreSQL is not reachable on ${host}:${port}. Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start (or run bash scripts/setup.sh)`);
  }
  return TEST_DATABASE_URL;
}

export async function requireRedis(): Promise<string> {
  if (!(await reachable('127.0.0.1', 6379))) {
    throw new Error('Redis is not reachable on 127.0.0.1:6379. Start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" (or run bash scripts/setup.sh)');
  }
  return TEST_REDIS_URL;
}
