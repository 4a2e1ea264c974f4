import { isoMicros } from './time';
import type { ColumnType } from './tables';

/**
 * Value encoders shared by both insert strategies. Arrays and jsonb travel as their Postgres text form
 * (`{1,2,3,4}`, JSON text) and are cast in SQL: a multi-dimensional parameter would be flattened by unnest,
 * and COPY's text format wants exactly this literal form anyway.
 */
function textArrayLiteral(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

/** The Postgres text representation of a value, or null for SQL NULL. */
export function toPgText(type: ColumnType, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'timestamptz':
      return isoMicros(v as number);
    case 'jsonb':
      return JSON.stringify(v);
    case 'real[]':
      return `{${(v as number[]).join(',')}}`;
    case 'text[]':
      return textArrayLiteral(v as string[]);
    case 'boolean':
      return v ? 't' : 'f';
    default:
      return String(v);
  }
}

/** Escapes one field for COPY ... FROM STDIN (FORMAT text). */
export function copyField(text: string | null): string {
  if (text === null) return '\\N';
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** The parameter type unnest receives: composite values travel as text and are cast in the SELECT. */
export function unnestType(type: ColumnType): string {
  return type === 'real[]' || type === 'text[]' || type === 'jsonb' ? 'text' : type;
}

/** Values unnest can take as they are (pg serialises JS arrays of these itself). */
export function unnestValue(type: ColumnType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'timestamptz' || unnestType(type) === 'text') return toPgText(type, v);
  return v;
}
