/**
 * Cuts [from, to] of a stream's media into an MP4 (faststart, H.264 + AAC: plays in a browser) and a
 * poster JPEG. Cut on key frames with a remux where the source allows it (H.264 in MP4/Matroska, a
 * browser-safe profile): the clip starts at the key frame at or before `from`. Anything else is decoded
 * and re-encoded, cut exactly. A recording is cut piece by piece from the segments overlapping the range,
 * and the pieces are concatenated. Everything is written to a private temp folder, removed on failure.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { VideoAgentError } from '../errors';
import { discover, type DiscoverInfo } from '../gst';
import { type AudioPlan, concatLaunch, concatReencodeLaunch, demuxerFor, keyframeProbeLaunch, posterLaunch, reencodeLaunch, remuxLaunch, type MuxTarget } from './clip-launch';
import { type ClipSource, piecesInRange, type SourcePiece } from './clip-source';
import { pickEncoders } from './encoders';
import { clipError, firstSample, runToEos } from './run-pipeline';

export type ClipMode = 'remux' | 'reencode';

/** The longest range one export accepts (the API's bound too). */
export const MAX_CLIP_S = 600;

export interface ExportOptions {
  /** Media seconds of the stream (for a file: of the file). */
  fromS: number;
  toS: number;
  /** Where the poster is taken, media seconds (a highlight's peak); default the middle of the range. */
  posterAtS?: number;
  /** 'reencode' forces decoding (benchmarks, sources a remux would not serve well); default 'auto'. */
  prefer?: 'auto' | 'reencode';
  /** Whole export budget; default 30 s + 2 s per second of range. */
  timeoutMs?: number;
  /** Parent of the export's temp folder (default the OS temp dir). */
  workDir?: string;
  maxDurationS?: number;
}

export interface ExportedClip {
  /** The MP4 and the poster, in a temp folder owned by the caller until dispose(). */
  path: string;
  posterPath: string;
  mode: ClipMode;
  /** Media µs the clip really covers (a remux starts at the key frame at or before `from`). */
  startUs: number;
  endUs: number;
  /** As GstDiscoverer reads the output. */
  durationS: number;
  sizeBytes: number;
  width: number;
  height: number;
  hasAudio: boolean;
  exportMs: number;
  /** Removes the temp folder. */
  dispose(): void;
}

function badRange(message: string): VideoAgentError {
  return new VideoAgentError('E_CLIP_BAD_RANGE', message, { kind: 'bad_input' });
}

function checkRange(o: ExportOptions): void {
  const max = o.maxDurationS ?? MAX_CLIP_S;
  if (typeof o.fromS !== 'number' || !Number.isFinite(o.fromS) || o.fromS < 0) throw badRange(`from must be a finite number of seconds >= 0, got ${String(o.fromS)}`);
  if (typeof o.toS !== 'number' || !Number.isFinite(o.toS) || o.toS <= o.fromS) throw badRange(`to must be a finite number of seconds after from (${o.fromS}), got ${String(o.toS)}`);
  if (o.toS - o.fromS > max) throw badRange(`the range is ${(o.toS - o.fromS).toFixed(1)} s; a clip is at most ${max} s`);
  if (o.posterAtS !== undefined && !(Number.isFinite(o.posterAtS) && o.posterAtS >= o.fromS && o.posterAtS <= o.toS)) {
    throw badRange(`posterAt must lie within [${o.fromS}, ${o.toS}], got ${String(o.posterAtS)}`);
  }
}

interface Probed {
  info: DiscoverInfo;
  /** Set when this file can be remuxed (H.264, browser-safe profile, a container we demux). */
  demuxer?: string;
  audio: AudioPlan;
}

/** Profiles every browser decodes; 4:4:4, 4:2:2 and 10-bit H.264 must be re-encoded. */
function browserSafeH264(codec: string): boolean {
  return /^H\.264\b/i.test(codec) && !/4:4:4|4:2:2|High 10|Hi10|Intra/i.test(codec);
}

async function probe(file: string, deadline: number): Promise<Probed> {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new VideoAgentError('E_CLIP_SOURCE_UNREADABLE', `clip source ${file} is not a file`, { kind: 'bad_input' });
  } catch (err) {
    if (err instanceof VideoAgentError) throw err;
    throw new VideoAgentError('E_CLIP_SOURCE_NOT_FOUND', `clip source not found: ${file}`, { kind: 'not_found', cause: err });
  }
  let info: DiscoverInfo;
  try {
    info = await discover(file, Math.max(1_000, Math.min(30_000, deadline - Date.now())));
  } catch (err) {
    throw clipError(err, file);
  }
  if (!info.video) throw new VideoAgentError('E_CLIP_NO_VIDEO', `clip source ${file} has no video stream`, { kind: 'bad_input' });
  const demuxer = browserSafeH264(info.video.codec) ? demuxerFor(info.tags['container-format']) : undefined;
  const audio: AudioPlan = !info.audio ? 'none' : /AAC/i.test(info.audio.codec) ? 'copy' : 'encode';
  return { info, demuxer, audio };
}

interface PieceResult { startUs: number; endUs: number }

/** One file's local [fromUs, toUs] into `t.out`; returns the local range it really covers. */
async function exportPiece(piece: SourcePiece, p: Probed, mode: ClipMode, withAudio: boolean, t: MuxTarget, deadline: number): Promise<PieceResult> {
  const durUs = p.info.durationNs > 0 ? p.info.durationNs / 1000 : Number.POSITIVE_INFINITY;
  const toUs = Math.min(piece.toUs, durUs);
  const stopNs = Number.isFinite(durUs) && piece.toUs >= durUs ? -1 : Math.round(toUs * 1000);
  const startNs = Math.round(piece.fromUs * 1000);
  const run = { deadline, subject: piece.path };
  if (mode === 'remux') {
    const enc = pickEncoders(p.audio === 'encode' && withAudio);
    // The key frame the cut will start at: the same key-unit seek on a parse-only pipeline.
    const key = startNs === 0 ? null : await firstSample(keyframeProbeLaunch(piece.path, p.demuxer!), 'k', { ...run, seek: { startNs, stopNs, flags: 'key-unit' } });
    await runToEos(remuxLaunch(piece.path, p.demuxer!, withAudio ? p.audio : 'none', enc, t), { ...run, seek: { startNs, stopNs, flags: 'key-unit', element: 'd' } });
    const startUs = key && key.ptsNs >= 0 ? Math.min(piece.fromUs, key.ptsNs / 1000) : piece.fromUs;
    return { startUs, endUs: toUs };
  }
  const enc = pickEncoders(withAudio);
  const size = { width: p.info.video!.width, height: p.info.video!.height };
  await runToEos(reencodeLaunch(piece.path, size, withAudio, enc, t), { ...run, seek: { startNs, stopNs, flags: 'accurate', element: 'vq' } });
  return { startUs: piece.fromUs, endUs: toUs };
}

/** What must match for pieces to be joined without decoding. */
function formatOf(p: Probed, withAudio: boolean): string {
  const v = p.info.video!;
  const a = withAudio && p.info.audio ? `${p.info.audio.codec}|${p.info.audio.rate}|${p.info.audio.channels}` : '';
  return `${v.codec}|${v.width}x${v.height}|${v.fpsN}/${v.fpsD}|${a}`;
}

/** Exports the clip; throws E_CLIP_BAD_RANGE, E_CLIP_SOURCE_NOT_FOUND, E_CLIP_SOURCE_UNREADABLE, E_CLIP_NO_VIDEO, E_CLIP_MISSING_PLUGIN, E_CLIP_TIMEOUT or E_CLIP_EXPORT_FAILED. */
export async function exportClip(source: ClipSource, o: ExportOptions): Promise<ExportedClip> {
  checkRange(o);
  const t0 = Date.now();
  // Re-encoding 720p30 runs at ~3x real time on 2 cores (bench/clips): 2 s per media second leaves room for 1080p.
  const deadline = t0 + (o.timeoutMs ?? 30_000 + (o.toS - o.fromS) * 2000);
  const fromUs = Math.round(o.fromS * 1e6);
  const toUs = Math.round(o.toS * 1e6);
  const pieces: SourcePiece[] = source.kind === 'file'
    ? [{ path: source.path, fromUs, toUs, offsetUs: 0 }]
    : piecesInRange(source.segments, fromUs, toUs);
  if (pieces.length === 0) throw badRange(`no recording covers ${o.fromS}..${o.toS} s`);

  const dir = fs.mkdtempSync(path.join(o.workDir ?? os.tmpdir(), 'va-clip-'));
  const dispose = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const probed: Probed[] = [];
    for (const p of pieces) probed.push(await probe(p.path, deadline));
    const first = probed[0]!;
    if (source.kind === 'file' && first.info.durationNs > 0 && fromUs >= first.info.durationNs / 1000) {
      throw badRange(`from (${o.fromS} s) is at or past the end of the media (${(first.info.durationNs / 1e9).toFixed(2)} s)`);
    }
    // Concatenated pieces must agree: audio only when every piece has it; copied only when they match.
    const withAudio = probed.every((p) => p.audio !== 'none');
    const alike = probed.every((p) => formatOf(p, withAudio) === formatOf(first, withAudio));
    const remuxable = o.prefer !== 'reencode' && probed.every((p) => p.demuxer !== undefined);
    const mode: ClipMode = remuxable && alike ? 'remux' : 'reencode';
    const out = path.join(dir, 'clip.mp4');
    const scratch = (name: string) => path.join(dir, `${name}.mdat`);
    const covered: PieceResult[] = [];
    if (pieces.length === 1) {
      covered.push(await exportPiece(pieces[0]!, first, mode, withAudio, { out, scratch: scratch('clip') }, deadline));
    } else {
      const files: string[] = [];
      for (const [i, p] of pieces.entries()) {
        const file = path.join(dir, `piece-${i}.mp4`);
        // Pieces that differ are cut cheaply (remux where each allows) and encoded once when joined.
        const pieceMode: ClipMode = mode === 'remux' || (!alike && o.prefer !== 'reencode' && probed[i]!.demuxer) ? 'remux' : 'reencode';
        covered.push(await exportPiece(p, probed[i]!, pieceMode, withAudio, { out: file, scratch: scratch(`piece-${i}`) }, deadline));
        files.push(file);
      }
      const target = { out, scratch: scratch('clip') };
      const launch = alike ? concatLaunch(files, withAudio, target)
        : concatReencodeLaunch(files, { width: first.info.video!.width, height: first.info.video!.height }, withAudio, pickEncoders(withAudio), target);
      await runToEos(launch, { deadline, subject: 'the recording' });
    }
    const startUs = Math.round(pieces[0]!.offsetUs + covered[0]!.startUs);
    const endUs = Math.round(pieces[pieces.length - 1]!.offsetUs + covered[covered.length - 1]!.endUs);

    const outInfo = await discover(out, Math.max(1_000, Math.min(10_000, deadline - Date.now()))).catch((err) => { throw clipError(err, out); });
    const posterAtUs = o.posterAtS !== undefined ? o.posterAtS * 1e6 : (Math.max(startUs, fromUs) + endUs) / 2;
    const posterPath = path.join(dir, 'poster.jpg');
    await writePoster(out, Boolean(outInfo.audio), Math.max(0, posterAtUs - startUs), posterPath, deadline);
    return {
      path: out, posterPath, mode, startUs, endUs,
      durationS: outInfo.durationNs / 1e9,
      sizeBytes: fs.statSync(out).size,
      width: outInfo.video?.width ?? 0,
      height: outInfo.video?.height ?? 0,
      hasAudio: Boolean(outInfo.audio),
      exportMs: Date.now() - t0,
      dispose,
    };
  } catch (err) {
    dispose();
    throw clipError(err, source.kind === 'file' ? source.path : 'the recording');
  }
}

/** One frame of the exported clip at `atUs` (clip time) as a JPEG. */
async function writePoster(clip: string, audio: boolean, atUs: number, out: string, deadline: number): Promise<void> {
  const startNs = Math.round(atUs * 1000);
  const sample = await firstSample(posterLaunch(clip, audio), 'poster', { deadline, subject: clip, seek: { startNs, stopNs: -1, flags: 'accurate' } })
    ?? await firstSample(posterLaunch(clip, audio), 'poster', { deadline, subject: clip });
  if (!sample) throw new VideoAgentError('E_CLIP_EXPORT_FAILED', `no frame for the poster in ${clip}`, { kind: 'internal' });
  fs.writeFileSync(out, sample.data);
}
