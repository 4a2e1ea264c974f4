/**
 * Alert ids: a hash of the stream, the rule and the moment that fired it (the track and the time it
 * entered, the crossing, the segment…), never of when it was evaluated. A rule re-evaluated over the same
 * data (a restart, a redelivered bus entry, a dry-run) therefore yields the same id, which is the
 * `alerts` primary key and the webhook idempotency key.
 */
import crypto from 'node:crypto';

export function alertId(streamId: string, ruleId: string, ...moment: (string | number)[]): string {
  return crypto.createHash('sha256').update(JSON.stringify([streamId, ruleId, ...moment])).digest('hex').slice(0, 32);
}
