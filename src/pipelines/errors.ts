import { VideoAgentError } from '../errors';

/** E_BAD_PIPELINE: a template, parameter or launch string that cannot work; raised before anything starts. */
export function badPipeline(message: string, cause?: unknown): VideoAgentError {
  return new VideoAgentError('E_BAD_PIPELINE', message, cause === undefined ? undefined : { cause });
}
