/**
 * A stream spec (config file or POST body) → what runs: defaults applied, the source confined and checked
 * (a missing file is reported now, as a 4xx, not later as a failed stream), stages known, the id chosen.
 * Streams added through the API may only use built-in pipelines: a pipeline file is a GStreamer launch
 * line, and an API caller must not be able to write files or open devices through one.
 */
import { VideoAgentError } from '../../errors';
import { defaultStreamId, isValidStreamId, resolveSource } from '../../ingest';
import { listBuiltinPipelines } from '../../pipelines/loader';
import { webhookSecret } from '../../rules/alert-dispatcher';
import { defaultStageNames, parseStages, stageModule } from '../../stages';
import type { StreamDefaults, StreamSpec } from '../config/server-config';
import { confineSource, type SourcePolicy } from '../sources/confine-source';
import type { StreamPlan } from './supervised-stream';

export function planStream(spec: StreamSpec, defaults: StreamDefaults, policy: SourcePolicy, origin: 'config' | 'api'): StreamPlan {
  const input = confineSource(spec.source, policy);
  const source = resolveSource(input);
  const id = spec.id ?? (source.kind === 'livekit' ? source.room : defaultStreamId(source));
  if (!isValidStreamId(id)) throw new VideoAgentError('E_BAD_STREAM_ID', `bad stream id '${id}': use 1-128 letters, digits, '_', '-', '.', ':'`, { kind: 'bad_input' });
  const pipeline = spec.pipeline ?? defaults.pipeline;
  if (pipeline !== undefined && origin === 'api' && !listBuiltinPipelines().includes(pipeline)) {
    throw new VideoAgentError('E_BAD_PIPELINE', `pipeline '${pipeline}' is not a built-in pipeline (choose from ${listBuiltinPipelines().join(', ')}); pipeline files can only be named in the config file`, { kind: 'bad_input' });
  }
  const stageList = spec.stages ?? defaults.stages ?? defaultStageNames();
  let stages: string[];
  try {
    stages = [...parseStages(stageList.join(',') || 'none')];
  } catch (err) {
    throw new VideoAgentError('E_UNKNOWN_STAGE', (err as Error).message, { kind: 'bad_input' });
  }
  const stageOptions: Record<string, Record<string, unknown>> = {};
  // The stream's settings override the defaults key by key, per stage.
  for (const name of new Set([...Object.keys(defaults.stageOptions), ...Object.keys(spec.stageOptions ?? {})])) {
    const merged = { ...defaults.stageOptions[name], ...spec.stageOptions?.[name] };
    let m;
    try {
      m = stageModule(name);
    } catch (err) {
      throw new VideoAgentError('E_UNKNOWN_STAGE', `stageOptions: ${(err as Error).message}`, { kind: 'bad_input' });
    }
    const r = m.options?.safeParse(merged);
    if (r && !r.success) {
      const issue = r.error.issues[0];
      throw new VideoAgentError('E_BAD_STAGE_OPTIONS', `stageOptions.${name}.${issue.path.join('.') || '(options)'}: ${issue.message}`, { kind: 'bad_input' });
    }
    stageOptions[name] = merged;
  }
  planRules(spec, defaults, stages, stageOptions);
  return {
    id, input, display: source.display, pipeline, params: { ...defaults.params, ...spec.params }, stages,
    fps: spec.fps ?? defaults.fps, origin, stageOptions, room: source.kind === 'livekit',
    // Both halves are checked already (bounds per key), so the stream's keys simply win.
    recording: { ...defaults.recording, ...spec.recording },
    clipTop: spec.clips?.top ?? defaults.clips.top,
  };
}

/**
 * Rules: the defaults' and the stream's (same id: the stream's wins) go to the rules stage's options. Any
 * stream with analysis stages also runs the rules stage, even without rules yet: rules added over the API
 * (`POST /v1/rules`) then apply to it within the stage's refresh interval, with no restart.
 */
function planRules(spec: StreamSpec, defaults: StreamDefaults, stages: string[], stageOptions: Record<string, Record<string, unknown>>): void {
  const byId = new Map([...defaults.rules, ...(spec.rules ?? [])].map((r) => [r.id, r]));
  const given = (stageOptions.rules?.rules as unknown[] | undefined) ?? [];
  const rules = [...given, ...[...byId.values()].filter((r) => !given.some((g) => (g as { id?: string }).id === r.id))];
  for (const r of byId.values()) for (const h of r.actions.webhooks) {
    try { webhookSecret(h); } catch (err) { throw new VideoAgentError('E_BAD_RULE', `rules: ${r.id}: ${(err as Error).message}`, { kind: 'bad_input' }); }
  }
  if (!stages.length && !rules.length) return;
  if (!stages.includes('rules')) stages.push('rules');
  if (rules.length) stageOptions.rules = { ...stageOptions.rules, rules };
}
