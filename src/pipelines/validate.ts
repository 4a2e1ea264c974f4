import { Pipeline } from '../gst';
import { isVideoAgentError } from '../errors';
import { badPipeline } from './errors';
import type { RenderedPipeline } from './render';

/**
 * Parses the launch line with GStreamer (create, then stop: nothing runs) so a bad element, property
 * or link is reported before a session starts, with GStreamer's own words naming the culprit.
 */
export function checkLaunch(rendered: RenderedPipeline): void {
  let p: Pipeline | undefined;
  try {
    p = Pipeline.create(rendered.launch);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw badPipeline(`pipeline '${rendered.template.name}' (${rendered.template.path}) does not parse: ${msg}`, err);
  } finally {
    try {
      p?.stop();
    } catch (err) {
      if (!isVideoAgentError(err)) throw err;
    }
  }
}
