import { badPipeline } from '../pipelines/errors';
import type { ParamValues, RenderedPipeline } from '../pipelines';

/** Reads `width=(int)640` style fields from a caps string. */
export function capsInt(caps: string, field: string): number | undefined {
  const m = new RegExp(`\\b${field}=(?:\\(int\\))?(\\d+)`).exec(caps);
  return m ? Number(m[1]) : undefined;
}

export function frameSize(caps: string, params: ParamValues): { width: number; height: number } {
  const width = capsInt(caps, 'width') ?? (typeof params.width === 'number' ? params.width : 0);
  const height = capsInt(caps, 'height') ?? (typeof params.height === 'number' ? params.height : 0);
  return { width, height };
}

/** The sink contract, checked on the first sample: a user's template that violates it fails loudly. */
export function checkFrameCaps(p: RenderedPipeline, caps: string): void {
  if (!caps.startsWith('image/jpeg')) {
    throw badPipeline(`pipeline '${p.template.name}': sink 'frames' must produce image/jpeg, got ${caps.split(',')[0]}`);
  }
}

export function checkAudioCaps(p: RenderedPipeline, caps: string): void {
  const ok = caps.startsWith('audio/x-raw') && /format=\(string\)S16LE|format=S16LE/.test(caps) && capsInt(caps, 'rate') === 16000 && capsInt(caps, 'channels') === 1;
  if (!ok) throw badPipeline(`pipeline '${p.template.name}': sink 'audio' must produce S16LE 16 kHz mono, got ${caps}`);
}
