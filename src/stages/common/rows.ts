/**
 * What stages write: the store's own row types (src/store/rows.ts), through the store's one writer per
 * table. Stages take this narrow view so their tests can hand them an in-memory fake of the same shape.
 */
import type { Store } from '../../store';
import type { AlertStore } from '../../rules/alert-store';

export type RowWriters = Pick<Store,
  'writeDetections' | 'writeEmotions' | 'writeAudioSegments' | 'writeEvents' | 'writeHighlights' | 'writeMemoryChunks' | 'writeSpeakerTurns'
  | 'recordSkip' | 'recordEndpointCall'> & {
  /** Alerts rows, delivery attempts and API rules (the rules stage); absent in stores without them. */
  alerts?: AlertStore;
};
