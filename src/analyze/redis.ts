/** Redis side of analyze/worker: opens the Redis bus when REDIS_URL is set. */
import type { Bus } from '../bus/types';
import type { Publisher } from '../stages/ports';
import { busPublisher } from './publisher';

export interface ResultPublisher { bus: Bus; publisher: Publisher; close(): Promise<void> }

/** Null when no Redis URL is given (analyze then uses only the in-process fan-out). */
export async function openResultPublisher(redisUrl: string | undefined): Promise<ResultPublisher | null> {
  if (!redisUrl) return null;
  const bus = await openRedisBus(redisUrl);
  return { bus, publisher: busPublisher(bus), close: () => bus.close() };
}

export async function openRedisBus(_redisUrl: string): Promise<Bus> {
  throw new Error('Redis bus not available yet');
}
