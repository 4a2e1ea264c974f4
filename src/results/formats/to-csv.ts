import { detectionItem, eventItem, transcriptItem } from '../schemas';

/**
 * RFC 4180 CSV: CRLF line ends, a header row, fields with a comma, quote or line break quoted (quotes
 * doubled). Arrays and objects (bbox, tags, prosody) are one JSON field, always quoted; null is empty.
 */
function field(value: unknown): string {
  if (value === null || value === undefined) return '';
  const structured = typeof value === 'object';
  const text = structured ? JSON.stringify(value) : String(value);
  return structured || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly unknown[]): string {
  return `${values.map(field).join(',')}\r\n`;
}

export function csvHeader(columns: readonly string[]): string {
  return csvRow(columns);
}

export function csvRecord<T extends object>(item: T, columns: readonly string[]): string {
  return csvRow(columns.map((c) => (item as Record<string, unknown>)[c]));
}

export function toCsv<T extends object>(items: readonly T[], columns: readonly string[]): string {
  return csvHeader(columns) + items.map((it) => csvRecord(it, columns)).join('');
}

/** Column order per list: the JSON item's own field names, so CSV and JSON read the same. */
export const CSV_COLUMNS = {
  detections: Object.keys(detectionItem.shape),
  transcript: Object.keys(transcriptItem.shape),
  events: Object.keys(eventItem.shape),
} as const;
