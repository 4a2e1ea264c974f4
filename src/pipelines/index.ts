/**
 * Declarative pipelines: `pipelines/*.yaml` launch templates with typed parameters, rendered for one
 * source and parsed by GStreamer before anything starts. A session resolves (template + parameters,
 * before touching the source), renders once (after discovery says whether there is audio) and parses
 * once: the parsed Pipeline is the one it runs.
 */
import { loadPipelineTemplate } from './loader';
import { resolveParams } from './params';
import { renderLaunch, type RenderedPipeline } from './render';
import type { ParamValues, RecordVariables } from './contract';
import type { PipelineTemplate, SourceVariables } from './schema';
import { checkLaunch } from './validate';

export type * from './schema';
export { AUDIO_SINK, FRAMES_SINK, SOURCE_VARIABLES, RECORD_VARIABLES, RECORD_CODECS, RECORD_AUDIO_CODECS, RECORD_AUDIO_VARIABLES, RECORD_MUX, type RecordCodec, type RecordVariables, type RecordAudio, type RecordAudioCodec, type ParamValue, type ParamValues, type SourceVariables } from './contract';
export { loadPipelineTemplate, parsePipelineTemplate, resolvePipelinePath, listBuiltinPipelines, BUILTIN_PIPELINE_DIR } from './loader';
export { resolveParams } from './params';
export { renderLaunch, renderCount, withFakeSinks, launchToArgv, quoteLaunchValue, type RenderedPipeline, type RenderOptions } from './render';
export { checkLaunch, parseLaunch } from './validate';
export { recordCodecOf, recordAudioOf, aacEncoder } from './record-branch';

export interface ResolvePipelineOptions {
  /** Template name (`file`, `rtsp`, `appsrc`, or one in ./pipelines) or a path to a .yaml file; or a loaded template. */
  pipeline: string | PipelineTemplate;
  /** Parameter overrides (typed or CLI strings); undefined entries are ignored. */
  params?: Record<string, unknown>;
}

/** A template with its parameters checked: everything but the source, so it can be checked first. */
export interface ResolvedPipeline {
  template: PipelineTemplate;
  params: ParamValues;
}

/** Load the template and check the parameters (no rendering, no GStreamer): every failure is an E_BAD_PIPELINE. */
export function resolvePipeline(opts: ResolvePipelineOptions): ResolvedPipeline {
  const template = typeof opts.pipeline === 'string' ? loadPipelineTemplate(opts.pipeline) : opts.pipeline;
  return { template, params: resolveParams(template, opts.params ?? {}) };
}

export interface PreparePipelineOptions extends ResolvePipelineOptions {
  source: SourceVariables;
  withAudio: boolean;
  /** Render the template's record branch for this codec (recording on). */
  record?: RecordVariables;
  /** Parse with GStreamer (and discard the result) before returning (default true). */
  check?: boolean;
}

/** Resolve, render and (by default) check: every failure is an E_BAD_PIPELINE. */
export function preparePipeline(opts: PreparePipelineOptions): RenderedPipeline {
  const { template, params } = resolvePipeline(opts);
  const rendered = renderLaunch(template, { params, source: opts.source, withAudio: opts.withAudio, record: opts.record });
  if (opts.check !== false) checkLaunch(rendered);
  return rendered;
}
