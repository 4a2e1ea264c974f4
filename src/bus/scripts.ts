import crypto from 'node:crypto';
import type Redis from 'ioredis';

/**
 * A Lua script run by its SHA (EVALSHA), loaded on first use or after the server lost its script cache
 * (restart, SCRIPT FLUSH): the fencing and trim checks run on every acknowledgement and read, so the
 * script body is not sent each time.
 */
export class Script {
  readonly sha: string;
  constructor(readonly body: string) {
    this.sha = crypto.createHash('sha1').update(body).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!/NOSCRIPT/.test((err as Error).message)) throw err;
      return redis.eval(this.body, keys.length, ...keys, ...args);
    }
  }
}
