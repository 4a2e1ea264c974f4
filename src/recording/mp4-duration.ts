import fs from 'node:fs';

/**
 * Track durations of an MP4 from its `moov` box, without GStreamer: GstDiscoverer reports the movie's
 * duration, the longest track's, and a segment with audio may end an AAC frame or two after its video.
 * The recording's offsets follow the video (frames' media clock), so a segment's length is its video
 * track's (tkhd duration, in the movie's timescale, edit lists included: what the movie duration is
 * for a video-only file).
 */
export interface Mp4Durations {
  /** The movie's (mvhd), µs. */
  movieUs: number;
  /** The first video track's, µs; null without one. */
  videoUs: number | null;
  /** The first audio track's, µs; null without one. */
  audioUs: number | null;
}

interface Box {
  type: string;
  /** Payload start and end (after the header). */
  start: number;
  end: number;
}

function* boxes(buf: Buffer, start: number, end: number): Generator<Box> {
  let pos = start;
  while (pos + 8 <= end) {
    let size = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    let header = 8;
    if (size === 1) {
      if (pos + 16 > end) return;
      size = Number(buf.readBigUInt64BE(pos + 8));
      header = 16;
    } else if (size === 0) {
      size = end - pos;
    }
    if (size < header || pos + size > end) return;
    yield { type, start: pos + header, end: pos + size };
    pos += size;
  }
}

function child(buf: Buffer, box: Box, type: string): Box | undefined {
  for (const b of boxes(buf, box.start, box.end)) if (b.type === type) return b;
  return undefined;
}

/** mvhd's timescale and duration, or tkhd's duration (timescale 0): version 0 (32-bit) or 1 (64-bit). */
function mvhd(buf: Buffer, b: Box): { timescale: number; duration: number } {
  const v = buf.readUInt8(b.start);
  return v === 1
    ? { timescale: buf.readUInt32BE(b.start + 20), duration: Number(buf.readBigUInt64BE(b.start + 24)) }
    : { timescale: buf.readUInt32BE(b.start + 12), duration: buf.readUInt32BE(b.start + 16) };
}

function tkhdDuration(buf: Buffer, b: Box): number {
  const v = buf.readUInt8(b.start);
  return v === 1 ? Number(buf.readBigUInt64BE(b.start + 28)) : buf.readUInt32BE(b.start + 20);
}

function handlerType(buf: Buffer, trak: Box): string | undefined {
  const mdia = child(buf, trak, 'mdia');
  const hdlr = mdia && child(buf, mdia, 'hdlr');
  return hdlr && hdlr.start + 12 <= hdlr.end ? buf.toString('latin1', hdlr.start + 8, hdlr.start + 12) : undefined;
}

/** Reads only the box headers and the moov box (at the end of splitmuxsink's mp4mux files). null when there is no usable moov. */
export async function mp4Durations(file: string): Promise<Mp4Durations | null> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(16);
    let pos = 0;
    while (pos + 8 <= size) {
      const { bytesRead } = await fh.read(head, 0, 16, pos);
      if (bytesRead < 8) return null;
      let boxSize = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (boxSize === 1) {
        if (bytesRead < 16) return null;
        boxSize = Number(head.readBigUInt64BE(8));
      } else if (boxSize === 0) {
        boxSize = size - pos;
      }
      if (boxSize < 8 || pos + boxSize > size) return null;
      if (type === 'moov') {
        const moov = Buffer.alloc(boxSize);
        await fh.read(moov, 0, boxSize, pos);
        return parseMoov(moov);
      }
      pos += boxSize;
    }
    return null;
  } finally {
    await fh.close();
  }
}

function parseMoov(buf: Buffer): Mp4Durations | null {
  try {
    const moov = [...boxes(buf, 0, buf.length)][0];
    if (!moov) return null;
    const mv = child(buf, moov, 'mvhd');
    if (!mv) return null;
    const { timescale, duration } = mvhd(buf, mv);
    if (!(timescale > 0)) return null;
    const us = (d: number) => Math.round((d / timescale) * 1e6);
    const out: Mp4Durations = { movieUs: us(duration), videoUs: null, audioUs: null };
    for (const b of boxes(buf, moov.start, moov.end)) {
      if (b.type !== 'trak') continue;
      const tkhd = child(buf, b, 'tkhd');
      if (!tkhd) continue;
      const kind = handlerType(buf, b);
      if (kind === 'vide' && out.videoUs === null) out.videoUs = us(tkhdDuration(buf, tkhd));
      else if (kind === 'soun' && out.audioUs === null) out.audioUs = us(tkhdDuration(buf, tkhd));
    }
    return out;
  } catch {
    return null; // a truncated or odd box: the caller keeps GstDiscoverer's duration
  }
}
