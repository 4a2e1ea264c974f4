/** The static analysis report `analyze` writes: key frames from the tap, results from the read layer, one HTML file. */
export { KeyFrameCollector, type KeyFrame, type KeyFrameOptions, type KeyFrameReason } from './key-frames';
export { renderReport, escapeHtml, formatTime, type ReportData, type ReportEvent, type ReportSegment, type ReportHighlight, type DetectionSeries } from './render-report';
export { writeReport, gatherReport, type WriteReportOptions, type ReportLimits } from './write-report';
