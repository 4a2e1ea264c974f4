/**
 * The snapshot image: a sampled frame with its detections drawn (box, `class #track 0.87`). One SVG overlay
 * composited by sharp, so drawing costs one decode + one encode whatever the number of boxes.
 */
import sharp from 'sharp';
import { VideoAgentError } from '../../errors';
import type { DetectedObject } from '../../topics/detections';

export interface DrawOptions {
  /** JPEG quality of the output, 1..100 (default 85). */
  quality?: number;
}

/** Distinct, saturated colours that read on bright and dark scenes alike. */
const PALETTE = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#008080', '#ff8c00', '#00c853'];
/** Palette entries light enough to need dark label text. */
const LIGHT = new Set(['#ffe119', '#46f0f0', '#bcf60c', '#ff8c00', '#00c853']);
const MAX_PIXELS = 64_000_000;

/** Same track → same colour across snapshots; untracked boxes are coloured by class. */
export function boxColour(o: Pick<DetectedObject, 'trackId' | 'classId'>): string {
  const key = o.trackId !== null ? o.trackId * 2 + 1 : o.classId * 2;
  // Integer mix so neighbouring ids land on unrelated colours.
  const h = Math.imul(key ^ (key >>> 7), 0x9e3779b1) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}

export function labelText(o: DetectedObject): string {
  const track = o.trackId !== null ? ` #${o.trackId}` : '';
  return `${o.className}${track} ${o.confidence.toFixed(2)}`;
}

export function escapeXml(s: string): string {
  // Characters XML 1.0 forbids even escaped are dropped rather than breaking the document.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]!};`);
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** The overlay for an image of `width`×`height`; boxes in frame pixels are scaled by (sx, sy). */
export function overlaySvg(width: number, height: number, objects: DetectedObject[], sx = 1, sy = 1): string {
  const stroke = Math.max(3, Math.round(Math.min(width, height) / 120));
  const font = Math.max(10, Math.round(Math.min(width, height) / 36));
  const labelH = Math.round(font * 1.35);
  const parts: string[] = [];
  for (const o of objects) {
    const [a, b, c, d] = o.bbox;
    if (![a, b, c, d].every(Number.isFinite)) continue;
    const x1 = Math.max(0, Math.min(width, Math.min(a, c) * sx));
    const x2 = Math.max(0, Math.min(width, Math.max(a, c) * sx));
    const y1 = Math.max(0, Math.min(height, Math.min(b, d) * sy));
    const y2 = Math.max(0, Math.min(height, Math.max(b, d) * sy));
    if (x2 - x1 < 1 || y2 - y1 < 1) continue;
    const colour = boxColour(o);
    // The stroke lies inside the box so the box edge pixels themselves are painted.
    const w = Math.max(0, x2 - x1 - stroke), h = Math.max(0, y2 - y1 - stroke);
    parts.push(`<rect x="${r1(x1 + stroke / 2)}" y="${r1(y1 + stroke / 2)}" width="${r1(w)}" height="${r1(h)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>`);
    const text = labelText(o);
    // No text metrics in SVG without a renderer: ~0.6 em per character is a safe width for sans-serif.
    const labelW = Math.min(width - x1, Math.ceil(text.length * font * 0.6) + 6);
    const ly = y1 >= labelH ? y1 - labelH : y1; // above the box, or inside its top when at the image edge
    parts.push(
      `<rect x="${r1(x1)}" y="${r1(ly)}" width="${r1(labelW)}" height="${labelH}" fill="${colour}"/>`,
      `<text x="${r1(x1 + 3)}" y="${r1(ly + font)}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="${font}" fill="${LIGHT.has(colour) ? '#000000' : '#ffffff'}">${escapeXml(text)}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/**
 * `jpeg` with each object drawn. Boxes are in the pixels of `frame` (the analysed size); a JPEG of another
 * size gets them scaled. Zero objects returns the input JPEG as is.
 */
export async function drawDetections(jpeg: Buffer, frame: { width: number; height: number }, objects: DetectedObject[], opts: DrawOptions = {}): Promise<Buffer> {
  if (!objects.length) return jpeg;
  const quality = Math.max(1, Math.min(100, Math.round(opts.quality ?? 85)));
  let meta: sharp.Metadata;
  try {
    meta = await sharp(jpeg, { limitInputPixels: MAX_PIXELS }).metadata();
  } catch (err) {
    throw new VideoAgentError('E_BAD_IMAGE', `snapshot: the frame is not a decodable image: ${(err as Error).message}`, { kind: 'bad_input', cause: err });
  }
  const width = meta.width ?? frame.width;
  const height = meta.height ?? frame.height;
  const sx = frame.width > 0 ? width / frame.width : 1;
  const sy = frame.height > 0 ? height / frame.height : 1;
  const svg = overlaySvg(width, height, objects, sx, sy);
  try {
    return await sharp(jpeg, { limitInputPixels: MAX_PIXELS })
      .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
      .jpeg({ quality, chromaSubsampling: '4:4:4' }) // thin saturated box edges keep their colour
      .toBuffer();
  } catch (err) {
    throw new VideoAgentError('E_BAD_IMAGE', `snapshot: drawing the detections failed: ${(err as Error).message}`, { kind: 'internal', cause: err });
  }
}
