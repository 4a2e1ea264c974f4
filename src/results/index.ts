/**
 * The results read layer: validated queries, keyset-paged lists by media time, full-text search and the
 * subtitle/CSV formats. Shared by the HTTP API (`video-agent serve`) and `video-agent export`.
 */
export * from './schemas';
export { encodeCursor, decodeCursor, type CursorKey } from './cursor';
export { timeRangeConditions, type TimeRange, type TimeSpan } from './time-range';
export { SqlParams } from './sql-params';
export { keysetPage, type ListSpec, type ListRequest, type KeyColumn } from './keyset-page';
export { listDetections, detectionsList } from './list-detections';
export { listTranscript, transcriptList } from './list-transcript';
export { listEvents, eventsList } from './list-events';
export { listHighlights, highlightsList } from './list-highlights';
export { emotionCounts, listEmotions, emotionsList } from './list-emotions';
export { listSpeakerTurns, speakerSummary as summariseSpeakers, speakerTurnsList } from './list-speakers';
export { searchText, SNIPPET_START, SNIPPET_STOP } from './search';
export { streamExists, listStreams } from './streams';
export * from './formats';
