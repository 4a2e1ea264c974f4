import type { TableSpec, ColumnType } from './tables';

/**
 * Encodes rows in COPY's binary format (https://www.postgresql.org/docs/current/sql-copy.html, "Binary
 * Format"): the server then skips parsing timestamps, floats and array literals, which dominates the cost
 * of text COPY. Values are encoded exactly as the text path would store them; in particular a timestamptz is
 * Math.round(epochMs * 1000) µs, the same rounding as isoMicros() in ./time, because `ts` is part of every
 * unique key and both paths must produce the same key for the same row.
 */

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** µs between 1970-01-01 and 2000-01-01, Postgres' timestamp epoch. */
const PG_EPOCH_US = 946_684_800_000_000;
const TWO_32 = 4_294_967_296;
const OID_FLOAT4 = 700;
const OID_TEXT = 25;
const JSONB_VERSION = 1;

/** A growable buffer with the big-endian writers the binary format needs. */
class Out {
  buf: Buffer;
  pos = 0;
  constructor(size: number) { this.buf = Buffer.allocUnsafe(size); }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  i16(v: number): void { this.ensure(2); this.pos = this.buf.writeInt16BE(v, this.pos); }
  i32(v: number): void { this.ensure(4); this.pos = this.buf.writeInt32BE(v, this.pos); }
  /** A safe-integer number as int64 (split into two 32-bit halves: no BigInt per value). */
  i64(v: number): void {
    this.ensure(8);
    const hi = Math.floor(v / TWO_32);
    this.buf.writeInt32BE(hi, this.pos);
    this.pos = this.buf.writeUInt32BE(v - hi * TWO_32, this.pos + 4);
  }
  f32(v: number): void { this.ensure(4); this.pos = this.buf.writeFloatBE(v, this.pos); }
  f64(v: number): void { this.ensure(8); this.pos = this.buf.writeDoubleBE(v, this.pos); }
  u8(v: number): void { this.ensure(1); this.buf[this.pos++] = v; }
  /** A length-prefixed UTF-8 string, written in one pass (UTF-8 never exceeds 3 bytes per UTF-16 unit). */
  str(s: string, prefix?: number): void {
    const extra = prefix === undefined ? 0 : 1;
    this.ensure(4 + extra + s.length * 3);
    const start = this.pos;
    if (prefix !== undefined) this.buf[start + 4] = prefix;
    const n = this.buf.write(s, start + 4 + extra, 'utf8');
    this.buf.writeInt32BE(n + extra, start);
    this.pos = start + 4 + extra + n;
  }
  /** Reserves a 4-byte length slot; returns where it is. */
  lengthSlot(): number { this.ensure(4); const at = this.pos; this.pos += 4; return at; }
  closeSlot(at: number): void { this.buf.writeInt32BE(this.pos - at - 4, at); }
}

function arrayHeader(out: Out, values: unknown[], elemOid: number): void {
  const hasNull = values.some((v) => v === null || v === undefined);
  if (values.length === 0) {
    out.i32(0); out.i32(0); out.i32(elemOid); // ndim 0: the empty array
    return;
  }
  out.i32(1); out.i32(hasNull ? 1 : 0); out.i32(elemOid);
  out.i32(values.length); out.i32(1); // one dimension, lower bound 1
}

function field(out: Out, type: ColumnType, v: unknown): void {
  if (v === null || v === undefined) { out.i32(-1); return; }
  switch (type) {
    case 'text': out.str(String(v)); return;
    case 'bigint': out.i32(8); out.i64(v as number); return;
    case 'integer': out.i32(4); out.i32(v as number); return;
    case 'real': out.i32(4); out.f32(v as number); return;
    case 'double precision': out.i32(8); out.f64(v as number); return;
    case 'boolean': out.i32(1); out.u8(v ? 1 : 0); return;
    case 'timestamptz': out.i32(8); out.i64(Math.round((v as number) * 1000) - PG_EPOCH_US); return;
    case 'jsonb': out.str(JSON.stringify(v), JSONB_VERSION); return;
    case 'real[]': {
      const a = v as (number | null)[];
      const slot = out.lengthSlot();
      arrayHeader(out, a, OID_FLOAT4);
      for (const x of a) { if (x === null || x === undefined) out.i32(-1); else { out.i32(4); out.f32(x); } }
      out.closeSlot(slot);
      return;
    }
    case 'text[]': {
      const a = v as (string | null)[];
      const slot = out.lengthSlot();
      arrayHeader(out, a, OID_TEXT);
      for (const x of a) { if (x === null || x === undefined) out.i32(-1); else out.str(x); }
      out.closeSlot(slot);
      return;
    }
  }
}

/**
 * The COPY … (FORMAT binary) payload for `rows` in pieces of `rowsPerChunk` tuples (the header goes with
 * the first, the trailer with the last), so a caller can send one piece while it encodes the next.
 */
export function* binaryCopyChunks<T>(spec: TableSpec<T>, rows: readonly T[], rowsPerChunk = 2000): Generator<Buffer> {
  const cols = spec.columns;
  for (let start = 0; start < rows.length || start === 0; start += rowsPerChunk) {
    const end = Math.min(rows.length, start + rowsPerChunk);
    const out = new Out(19 + (end - start) * (2 + cols.length * 12) + 2);
    if (start === 0) {
      out.ensure(SIGNATURE.length);
      out.pos += SIGNATURE.copy(out.buf, out.pos);
      out.i32(0); // flags: no OIDs
      out.i32(0); // header extension length
    }
    for (let i = start; i < end; i++) {
      const r = rows[i];
      out.i16(cols.length);
      for (const c of cols) field(out, c.type, c.get(r));
    }
    if (end === rows.length) out.i16(-1);
    yield out.buf.subarray(0, out.pos);
    if (end === rows.length) return;
  }
}

/** The whole payload in one Buffer. */
export function encodeBinaryCopy<T>(spec: TableSpec<T>, rows: readonly T[]): Buffer {
  return Buffer.concat([...binaryCopyChunks(spec, rows)]);
}
