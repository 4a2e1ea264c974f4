import { badPipeline } from './errors';
import { substitute } from './placeholders';
import { AUDIO_SINK, FRAMES_SINK, type ParamValues, type RecordVariables, type SourceVariables } from './contract';
import { recordBranchFor } from './record-branch';
import type { PipelineTemplate } from './schema';

export interface RenderOptions {
  params: ParamValues;
  source: SourceVariables;
  /** From discovery: render and link the audio branch only when the source really has audio. */
  withAudio: boolean;
  /** Recording on: render the template's record branch for the source's codec (splitmuxsink, no appsink). */
  record?: RecordVariables;
}

export interface RenderedPipeline {
  template: PipelineTemplate;
  launch: string;
  params: ParamValues;
  /** Appsinks this launch line provides (always `frames`, `audio` when the branch was rendered). */
  sinks: string[];
  kind: PipelineTemplate['kind'];
  /** Set when the record branch was rendered; its `audio` only when the audio is recorded too (record_audio rendered). */
  record?: RecordVariables;
}

/** GStreamer launch syntax: a double-quoted value with `\` escaping `"` and `\`. */
export function quoteLaunchValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function formatParam(tpl: PipelineTemplate, name: string, value: ParamValues[string]): string {
  const spec = tpl.params[name];
  if (spec?.type === 'string') return quoteLaunchValue(String(value));
  return String(value);
}

let renders = 0;

/** renderLaunch calls in this process so far (tests count renders per session). */
export function renderCount(): number {
  return renders;
}

export function renderLaunch(tpl: PipelineTemplate, opts: RenderOptions): RenderedPipeline {
  renders++;
  const value = (name: string): string => {
    if (name in opts.params) return formatParam(tpl, name, opts.params[name]);
    if (name in opts.source) return quoteLaunchValue(opts.source[name as keyof SourceVariables]);
    throw badPipeline(`pipeline '${tpl.name}': no value for placeholder {${name}}`);
  };
  const parts = [substitute(tpl.launch, value)];
  const sinks = [FRAMES_SINK];
  if (opts.withAudio && tpl.audio) {
    parts.push(substitute(tpl.audio, value));
    sinks.push(AUDIO_SINK);
  }
  let rec = opts.record;
  if (rec) {
    parts.push(substitute(recordBranchFor(tpl, rec.codec), (name) => {
      if (name === 'record_location') return quoteLaunchValue(rec!.location);
      if (name === 'segment_ns') return String(Math.round(rec!.segmentNs));
      if (name === 'max_files') return String(rec!.maxFiles);
      return value(name);
    }));
    // The audio goes into the same segments only when the audio branch (its RTP tee) is there too; a
    // template without a record_audio branch for the codec records video only (the caller says so).
    const audio = rec.audio;
    const audioBranch = audio && opts.withAudio && tpl.audio ? tpl.record_audio?.[audio.codec] : undefined;
    if (audio && audioBranch) {
      parts.push(substitute(audioBranch, (name) => {
        if (name === 'audio_depay') {
          if (audio.codec !== 'aac') throw badPipeline(`pipeline '${tpl.name}': record_audio.other decodes the audio and has no {audio_depay}`);
          return audio.depay;
        }
        if (name === 'audio_decode' || name === 'aac_encoder') {
          if (audio.codec !== 'other') throw badPipeline(`pipeline '${tpl.name}': record_audio.aac copies AAC and has no {${name}}`);
          return name === 'audio_decode' ? audio.decode : audio.encoder;
        }
        return value(name);
      }));
    } else if (audio) {
      const { audio: _dropped, ...videoOnly } = rec;
      rec = videoOnly;
    }
  }
  const launch = parts.join(' ').replace(/\s+/g, ' ').trim();
  return { template: tpl, launch, params: opts.params, sinks, kind: tpl.kind, ...(rec ? { record: rec } : {}) };
}

/** `appsink` and its `key=value` properties (values possibly quoted), up to the next non-property token. */
const APPSINK_WITH_PROPS = /\bappsink((?:\s+[\w-]+=(?:"(?:[^"\\]|\\.)*"|[^\s!"]+))*)/g;

/** The same launch line with every appsink replaced by `fakesink sync=false`, for gst-launch-1.0 baselines. */
export function withFakeSinks(launch: string): string {
  return launch.replace(APPSINK_WITH_PROPS, (_m, props: string) => {
    const name = /\bname=(\S+)/.exec(props);
    return `fakesink sync=false${name ? ` name=${name[1]}` : ''} `;
  }).replace(/\s+/g, ' ').trim();
}

/**
 * gst-launch-1.0 argv for a launch line. gst-launch escapes spaces inside each argument (like a shell
 * would have quoted them), so the line is split on unquoted whitespace and the launch-syntax quotes are
 * removed, exactly as a shell would hand them over.
 */
export function launchToArgv(launch: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quoted = false;
  for (let i = 0; i < launch.length; i++) {
    const ch = launch[i];
    if (quoted) {
      if (ch === '\\' && i + 1 < launch.length) cur += launch[++i];
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') {
      quoted = true;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}
