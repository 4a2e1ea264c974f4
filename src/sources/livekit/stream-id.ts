import crypto from 'node:crypto';
import { isValidStreamId } from '../../ingest';

const UNSAFE = /[^A-Za-z0-9_.-]/g;

/**
 * A participant's stream id, `<room>:<identity>`. Stream ids are Redis-key and SQL-safe tokens that allow
 * no '/', so ':' joins the two (room names are restricted to the same token set without ':'). An identity
 * with other characters (an e-mail, spaces) is rewritten with '_' plus a short hash of the original, so two
 * identities that differ only there never share a stream.
 */
export function participantStreamId(room: string, identity: string): string {
  let id = identity.replace(UNSAFE, '_');
  if (id !== identity || id.length === 0) id = `${id}.${crypto.createHash('sha1').update(identity).digest('hex').slice(0, 8)}`;
  const max = 128 - room.length - 1;
  if (id.length > max) id = `${id.slice(0, max - 9)}.${crypto.createHash('sha1').update(identity).digest('hex').slice(0, 8)}`;
  const streamId = `${room}:${id}`;
  if (!isValidStreamId(streamId)) throw new Error(`bug: stream id '${streamId}' for room '${room}' is not valid`);
  return streamId;
}
