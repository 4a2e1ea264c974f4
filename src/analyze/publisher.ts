/**
 * Stage results onto the bus as `<topic>:<streamId>` entries (JSON payload, pts as a readable field),
 * capped with MAXLEN ~ so a stream nobody reads cannot grow Redis without bound.
 */
import type { Bus } from '../bus/types';
import { streamKey } from '../bus/keys';
import { encodeJson } from '../bus/messages';
import type { Publisher } from '../stages/ports';

export const RESULT_MAXLEN = 10_000;

export function busPublisher(bus: Bus, maxLen = RESULT_MAXLEN): Publisher {
  return {
    async publish(topic, streamId, payload) {
      await bus.publish(streamKey(topic, streamId), encodeJson(streamId, Number(payload.pts_us ?? 0), payload), { maxLen });
    },
  };
}
