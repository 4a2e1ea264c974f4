/** Clips: export a media range as a faststart MP4 + poster (export-clip), publish it (clip-store), the `clips` table (clips-writer). */
export { exportClip, MAX_CLIP_S, type ClipMode, type ExportOptions, type ExportedClip } from './export-clip';
export { piecesInRange, type ClipSource, type RecordingSegment, type SourcePiece } from './clip-source';
export { clipKeys, publicUrl, publishClip, type PublishOptions, type PublishedClip } from './clip-store';
export { listClips, writeClip, type ClipRow, type StoredClip } from './clips-writer';
