/**
 * I420 layouts. LiveKit hands planes packed tightly (chroma width ⌈w/2⌉); GStreamer's raw I420 pads each
 * row to a multiple of 4 and the luma plane to an even row count, so frames whose width is not a multiple
 * of 8 (or whose height is odd) are repacked row by row before they are pushed.
 */
export interface I420Layout {
  yStride: number;
  cStride: number;
  /** Rows of the luma plane in GStreamer's layout (height rounded up to even). */
  yRows: number;
  cRows: number;
  size: number;
}

const up4 = (n: number) => (n + 3) & ~3;

export function gstI420Layout(width: number, height: number): I420Layout {
  const yRows = height + (height & 1);
  const cRows = yRows / 2;
  const yStride = up4(width);
  const cStride = up4(Math.ceil(width / 2));
  return { yStride, cStride, yRows, cRows, size: yStride * yRows + 2 * cStride * cRows };
}

/** Bytes of a tightly packed I420 frame (LiveKit's layout). */
export function packedI420Size(width: number, height: number): number {
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

/** A packed I420 frame in GStreamer's layout: the same memory when they coincide, else a repacked copy. */
export function toGstI420(data: Uint8Array, width: number, height: number): Buffer {
  const gst = gstI420Layout(width, height);
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  if (data.byteLength < packedI420Size(width, height)) throw new RangeError(`I420 ${width}x${height} needs ${packedI420Size(width, height)} bytes, got ${data.byteLength}`);
  if (gst.yStride === width && gst.cStride === cw && gst.yRows === height) {
    return Buffer.from(data.buffer, data.byteOffset, gst.size);
  }
  const out = Buffer.alloc(gst.size, 128);
  const src = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (let y = 0; y < height; y++) src.copy(out, y * gst.yStride, y * width, y * width + width);
  const uSrc = width * height;
  const vSrc = uSrc + cw * ch;
  const uDst = gst.yStride * gst.yRows;
  const vDst = uDst + gst.cStride * gst.cRows;
  for (let y = 0; y < ch; y++) {
    src.copy(out, uDst + y * gst.cStride, uSrc + y * cw, uSrc + y * cw + cw);
    src.copy(out, vDst + y * gst.cStride, vSrc + y * cw, vSrc + y * cw + cw);
  }
  return out;
}

/**
 * Nearest-neighbour scale of a packed I420 frame to another size, packed. Only for a track that changes
 * resolution mid-stream (a simulcast layer switch): the pipeline's caps are fixed when it starts, and a
 * restart would break the stream's timeline. Blocky, but cheap enough for the rare layer change.
 */
export function scaleI420Nearest(data: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(packedI420Size(dw, dh));
  scalePlane(data, 0, sw, sh, out, 0, dw, dh);
  const scw = Math.ceil(sw / 2), sch = Math.ceil(sh / 2), dcw = Math.ceil(dw / 2), dch = Math.ceil(dh / 2);
  scalePlane(data, sw * sh, scw, sch, out, dw * dh, dcw, dch);
  scalePlane(data, sw * sh + scw * sch, scw, sch, out, dw * dh + dcw * dch, dcw, dch);
  return out;
}

function scalePlane(src: Uint8Array, so: number, sw: number, sh: number, dst: Uint8Array, d0: number, dw: number, dh: number): void {
  const xs = new Uint32Array(dw);
  for (let x = 0; x < dw; x++) xs[x] = Math.min(sw - 1, Math.floor(((x + 0.5) * sw) / dw));
  for (let y = 0; y < dh; y++) {
    const row = so + Math.min(sh - 1, Math.floor(((y + 0.5) * sh) / dh)) * sw;
    const o = d0 + y * dw;
    for (let x = 0; x < dw; x++) dst[o + x] = src[row + xs[x]];
  }
}
