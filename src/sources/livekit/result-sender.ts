import type { LocalParticipantLike } from './room-like';

/** LiveKit's limit for one reliable data packet is about 15 KiB; a bigger result is dropped, not split. */
export const MAX_RESULT_BYTES = 15_000;
const MAX_QUEUED = 64;

/**
 * Results to the room as reliable data messages on one topic, one in flight at a time (order kept); when
 * the room cannot keep up the oldest queued result is dropped. Media (Buffers) never go out.
 */
export class ResultSender {
  target: LocalParticipantLike | null = null;
  sent = 0;
  dropped = 0;
  private readonly queue: Uint8Array[] = [];
  private sending: Promise<void> | null = null;
  private warned = false;

  constructor(private readonly topic: string, private readonly warn: (msg: string) => void) {}

  send(message: unknown): void {
    const bytes = Buffer.from(JSON.stringify(message, replacer));
    if (bytes.length > MAX_RESULT_BYTES) {
      this.dropped++;
      return;
    }
    this.queue.push(bytes);
    if (this.queue.length > MAX_QUEUED) {
      this.queue.shift();
      this.dropped++;
    }
    this.sending ??= this.drain().finally(() => { this.sending = null; });
  }

  /** Waits for the queue to empty, at most `ms`. */
  async flush(ms: number): Promise<void> {
    if (!this.sending) return;
    await Promise.race([this.sending, new Promise((r) => setTimeout(r, ms).unref())]);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const target = this.target;
      const data = this.queue.shift()!;
      if (!target) {
        this.dropped++;
        continue;
      }
      try {
        await target.publishData(data, { reliable: true, topic: this.topic });
        this.sent++;
      } catch (err) {
        this.dropped++;
        if (!this.warned) {
          this.warned = true;
          this.warn(`results not sent to the room: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  }
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value && typeof value === 'object' && (Buffer.isBuffer(value) || ArrayBuffer.isView(value))) return undefined;
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) return undefined;
  return value;
}
