import { GstError, Pipeline, type PipelineOptions, toGstError } from '../gst';
import type { RenderedPipeline } from './render';

/**
 * Parses the rendered launch line with GStreamer and returns the parsed, not started, Pipeline: the
 * one a session then runs, so validating costs no second parse. A bad element, property or link is
 * an E_BAD_PIPELINE naming the template, with GStreamer's own words naming the culprit.
 */
export function parseLaunch(rendered: RenderedPipeline, options: PipelineOptions = {}): Pipeline {
  try {
    return Pipeline.create(rendered.launch, options);
  } catch (err) {
    if (!(err instanceof GstError) || err.code !== 'E_BAD_PIPELINE') throw err;
    // Same native error, named after the template rather than the source.
    throw toGstError(err.cause, { kind: 'pipeline', name: `pipeline '${rendered.template.name}' (${rendered.template.path})` }, { launch: rendered.launch });
  }
}

/** Parse only (create, then stop: nothing runs), for callers that just want the check. */
export function checkLaunch(rendered: RenderedPipeline): void {
  parseLaunch(rendered).stop();
}
