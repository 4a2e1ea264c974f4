import { VideoAgentError } from '../errors';
import type { ConsumeOptions } from './types';

/** A consumer takes exactly one kind of handler: entry by entry, or whole batches. */
export function assertOneHandler(opts: Pick<ConsumeOptions, 'handler' | 'batchHandler' | 'group'>): void {
  if (!opts.handler === !opts.batchHandler) {
    throw new VideoAgentError('E_BAD_CONFIG', `consumer group "${opts.group}": give exactly one of handler and batchHandler`);
  }
}
