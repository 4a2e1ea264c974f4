import { VideoAgentError } from '../../errors';
import type { SourceInfo } from '../../ingest';
import { TRACK_SOURCE, type TrackSourceName } from './room-like';
import type { LivekitSourceOptions } from './livekit-source';

type FromUrl = Pick<LivekitSourceOptions, 'url' | 'room' | 'identity' | 'participants' | 'sources' | 'publishResults'>;

/**
 * Options from a `livekit://host/room?participants=a,b&sources=camera,microphone&identity=x&publish=1` source
 * (resolveSource). Unknown query keys are refused, so a typo never silently subscribes to everything.
 */
export function livekitOptionsFromSource(source: Extract<SourceInfo, { kind: 'livekit' }>): FromUrl {
  const q = source.query;
  const known = new Set(['participants', 'sources', 'identity', 'publish']);
  for (const k of Object.keys(q)) {
    if (!known.has(k)) throw new VideoAgentError('E_BAD_SOURCE', `unknown LiveKit URL option '${k}' (known: ${[...known].join(', ')})`, { kind: 'bad_input' });
  }
  const list = (v: string | undefined) => v?.split(',').map((s) => s.trim()).filter(Boolean);
  const sources = list(q.sources);
  for (const s of sources ?? []) {
    if (!(s in TRACK_SOURCE)) throw new VideoAgentError('E_BAD_SOURCE', `unknown track source '${s}' (use ${Object.keys(TRACK_SOURCE).join(', ')})`, { kind: 'bad_input' });
  }
  return {
    url: source.uri,
    room: source.room,
    ...(q.identity ? { identity: q.identity } : {}),
    ...(list(q.participants) ? { participants: list(q.participants) } : {}),
    ...(sources ? { sources: sources as TrackSourceName[] } : {}),
    ...(q.publish !== undefined ? { publishResults: q.publish === '1' || q.publish === 'true' } : {}),
  };
}
