/** `audio` (bus key `audio:<id>`): a chunk of S16LE 16 kHz mono PCM as ingest delivered it. */
import type { AudioChunk } from '../types';
import type { TopicCodec } from './codec';
import { field, intField, numberField, streamIdField } from './codec';

/** The ingest chunk as it is (src/types.ts). */
export type AudioMsg = AudioChunk;

export const audioCodec: TopicCodec<AudioMsg> = {
  topic: 'audio',
  encode: (a) => ({ streamId: a.streamId, ptsUs: a.ptsUs, ts: a.ts, pcm: a.pcm }),
  decode: (d) => {
    const pcm = field(d, 'pcm');
    return { streamId: streamIdField(d), ptsUs: intField(d, 'ptsUs'), ts: numberField(d, 'ts'), pcm };
  },
  toJson: (a) => ({ stream_id: a.streamId, pts_us: a.ptsUs, ts: a.ts, samples: a.pcm.length / 2 }),
};
