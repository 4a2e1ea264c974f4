export { MotAccumulator, type MotEvent, type MotEventType } from './accumulator';
export { accumulate, evaluateSequence, type CompareOptions, type SequenceResult } from './compare';
export { byFrame, formatMotCsv, parseMotCsv, readMotCsv, type MotRow } from './csv';
export { countMot, deriveMetrics, sumCounts, type MotCounts, type MotMetrics } from './metrics';
export { formatMotTable, MOT_COLUMNS, withOverall } from './table';
