/**
 * Recording: the encoded stream of a live source as rolling MP4 segments (the pipeline template's
 * `record` branch, splitmuxsink), their index in the stream's media time, retention by age and size,
 * and the lookup clip exporters cut from. A file source is its own recording.
 */
export { recordingConfigSchema, recordingOverridesSchema, parseRecordingConfig, DEFAULT_RECORDING, type RecordingConfig, type RecordingOverrides } from './recording-config';
export { recordingDir, writingLocation } from './recording-paths';
export { readIndex, type SegmentEntry } from './segment-index';
export { applyRetention, type RetentionLimits, type RetentionResult } from './retention';
export { SegmentRecorder, type SegmentRecorderOptions } from './segment-recorder';
export { mp4Durations, type Mp4Durations } from './mp4-duration';
export { recordingSegments, recordingLookup, type RecordedSegment, type RecordingLookupOptions } from './recording-segments';
export { recordFileSource } from './file-recording';
export { startRecording, segmentNsFor, type RecordingOptions, type StreamRecording } from './start-recording';
