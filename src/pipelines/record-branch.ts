import { VideoAgentError } from '../errors';
import type { RecordCodec } from './contract';
import type { PipelineTemplate } from './schema';

/**
 * The record branch for a source's video codec, from GstDiscoverer's codec description ("H.264 (Main
 * Profile)", "H.265 (Main Profile)"): h264/h265 copy the encoded stream, anything else is `other`.
 */
export function recordCodecOf(description: string | undefined): RecordCodec {
  if (!description) return 'other';
  if (/H\.?264|AVC/i.test(description)) return 'h264';
  if (/H\.?265|HEVC/i.test(description)) return 'h265';
  return 'other';
}

/**
 * The record branch text for a codec. A template without a branch for the codec (and no `other` fallback)
 * cannot record this source: refused before anything starts rather than silently not recording.
 */
export function recordBranchFor(tpl: PipelineTemplate, codec: RecordCodec): string {
  const branch = tpl.record?.[codec] ?? tpl.record?.other;
  if (!branch) {
    const has = Object.keys(tpl.record ?? {});
    throw new VideoAgentError(
      'E_RECORD_UNSUPPORTED',
      `pipeline '${tpl.name}' cannot record ${codec === 'other' ? 'this codec' : codec.toUpperCase()} video (${has.length ? `its record branches: ${has.join(', ')}` : 'it has no record branch'})`,
      { kind: 'bad_input' },
    );
  }
  return branch;
}
