export { toSrt, srtCue, srtText } from './to-srt';
export { toVtt, vttCue, escapeVtt, VTT_HEADER } from './to-vtt';
export { toCsv, csvHeader, csvRecord, csvRow, CSV_COLUMNS } from './to-csv';
export { isCue, cueLines } from './cue-text';
export { clockTime, parseClockTime } from './timestamp';
export { parseSrt, parseVtt, type ParsedCue } from './parse-subtitles';
