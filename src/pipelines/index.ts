/**
 * Declarative pipelines: `pipelines/*.yaml` launch templates with typed parameters, rendered for one
 * source and checked by GStreamer before anything starts.
 */
import { loadPipelineTemplate } from './loader';
import { resolveParams } from './params';
import { renderLaunch, type RenderedPipeline } from './render';
import type { PipelineTemplate, SourceVariables } from './schema';
import { checkLaunch } from './validate';

export * from './schema';
export { loadPipelineTemplate, parsePipelineTemplate, resolvePipelinePath, listBuiltinPipelines, BUILTIN_PIPELINE_DIR } from './loader';
export { resolveParams } from './params';
export { renderLaunch, withFakeSinks, launchToArgv, quoteLaunchValue, type RenderedPipeline, type RenderOptions } from './render';
export { checkLaunch } from './validate';

export interface PreparePipelineOptions {
  /** Template name (`file`, `rtsp`, `appsrc`, or one in ./pipelines) or a path to a .yaml file; or a loaded template. */
  pipeline: string | PipelineTemplate;
  /** Parameter overrides (typed or CLI strings); undefined entries are ignored. */
  params?: Record<string, unknown>;
  source: SourceVariables;
  withAudio: boolean;
  /** Parse with GStreamer before returning (default true). */
  check?: boolean;
}

/** Load, resolve parameters, render and (by default) check: every failure is an E_BAD_PIPELINE. */
export function preparePipeline(opts: PreparePipelineOptions): RenderedPipeline {
  const tpl = typeof opts.pipeline === 'string' ? loadPipelineTemplate(opts.pipeline) : opts.pipeline;
  const params = resolveParams(tpl, opts.params ?? {});
  const rendered = renderLaunch(tpl, { params, source: opts.source, withAudio: opts.withAudio });
  if (opts.check !== false) checkLaunch(rendered);
  return rendered;
}
