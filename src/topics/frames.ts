/** `frames` (bus key `video:<id>`): one sampled JPEG frame, with the scene-change score ingest computed for it. */
import type { Frame } from '../types';
import type { TopicCodec } from './codec';
import { field, intField, numberField, streamIdField } from './codec';

export interface FrameMsg extends Frame {
  /** Distance (0..1) to the previous scored frame; null when this frame was not scored (or is the first). */
  sceneScore: number | null;
}

export const framesCodec: TopicCodec<FrameMsg> = {
  topic: 'frames',
  encode: (f) => ({
    streamId: f.streamId, ptsUs: f.ptsUs, ts: f.ts, width: f.width, height: f.height, jpeg: f.jpeg,
    ...(f.sceneScore !== null ? { sceneScore: f.sceneScore } : {}),
  }),
  decode: (d) => ({
    streamId: streamIdField(d), ptsUs: intField(d, 'ptsUs'), ts: numberField(d, 'ts'),
    width: intField(d, 'width'), height: intField(d, 'height'), jpeg: field(d, 'jpeg'),
    sceneScore: d.fields.sceneScore !== undefined ? numberField(d, 'sceneScore') : null,
  }),
  toJson: (f) => ({ stream_id: f.streamId, pts_us: f.ptsUs, ts: f.ts, width: f.width, height: f.height, bytes: f.jpeg.length, scene_score: f.sceneScore }),
};
