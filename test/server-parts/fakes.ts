import sharp from 'sharp';
import { parseVlmReply, type VlmMessage } from '../../src/runpod/contracts';
import type { DescribeOptions, DescribePort, DescribeRequest, DescribeResult } from '../../src/runpod/inference';
import { FrameRing } from '../../src/server/frames/frame-ring';
import type { FrameMsg } from '../../src/topics/frames';

/** A describe() that records each request and answers with `content` (or a function of the request). */
export class FakeDescribe implements DescribePort {
  readonly calls: { req: DescribeRequest; opts: DescribeOptions | undefined }[] = [];
  constructor(private readonly answer: string | ((messages: VlmMessage[]) => string) | Error, private readonly model = 'fake-vlm') {}

  async describe(req: DescribeRequest, opts?: DescribeOptions): Promise<DescribeResult> {
    this.calls.push({ req, opts });
    if (this.answer instanceof Error) throw this.answer;
    const messages = 'messages' in req ? req.messages : [];
    const content = typeof this.answer === 'function' ? this.answer(messages) : this.answer;
    return { content, reply: parseVlmReply(content), model: this.model };
  }

  /** The messages of the only call. */
  messages(): VlmMessage[] {
    if (this.calls.length !== 1) throw new Error(`expected one describe call, got ${this.calls.length}`);
    const req = this.calls[0]!.req;
    if (!('messages' in req)) throw new Error('expected a messages request');
    return req.messages;
  }

  userText(): string {
    return this.messages().filter((m) => m.role === 'user').flatMap((m) => (typeof m.content === 'string' ? [m.content] : m.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])))).join('\n');
  }

  imageUrls(): string[] {
    return this.messages().flatMap((m) => (typeof m.content === 'string' ? [] : m.content.flatMap((p) => (p.type === 'image_url' ? [p.image_url.url] : []))));
  }
}

/** A small JPEG whose grey level encodes `level` (so tests can tell frames apart by their bytes). */
export async function levelJpeg(level: number, width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: level, g: level, b: level } } }).jpeg().toBuffer();
}

/** A ring holding one real JPEG per second of media from 0 to `seconds`, each a distinct image. */
export async function ringWithFrames(streamId: string, seconds: number): Promise<{ ring: FrameRing; frames: FrameMsg[] }> {
  const ring = new FrameRing({ keepEveryUs: 1_000_000 });
  const frames: FrameMsg[] = [];
  for (let s = 0; s <= seconds; s++) {
    const f: FrameMsg = { streamId, ptsUs: s * 1_000_000, ts: 1_767_268_800_000 + s * 1000, width: 64, height: 48, jpeg: await levelJpeg((s * 3) % 256), sceneScore: null };
    frames.push(f);
    ring.push(f);
  }
  return { ring, frames };
}
