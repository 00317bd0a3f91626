/**
 * PostgreSQL's binary COPY format (https://www.postgresql.org/docs/current/sql-copy.html, "Binary
 * Format"). Bulk log bytes go in as they are: postgres.js sends every query parameter as text,
 * which for bytea means hex — twice the bytes, and most of the controller's CPU when logs stream.
 */
export type CopyColumnType = 'int8' | 'int4' | 'text' | 'bytea';
export type CopyValue = number | string | Uint8Array | null;

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Flags (no OIDs) and the length of the header extension area, both zero. */
const HEADER_REST = Buffer.alloc(8);
const TRAILER = Buffer.from([0xff, 0xff]);

function field(type: CopyColumnType, value: CopyValue, column: number): Buffer[] {
  if (value === null) return [Buffer.from([0xff, 0xff, 0xff, 0xff])];
  switch (type) {
    case 'int8': {
      const out = Buffer.alloc(12);
      out.writeInt32BE(8, 0);
      out.writeBigInt64BE(BigInt(value as number), 4);
      return [out];
    }
    case 'int4': {
      const out = Buffer.alloc(8);
      out.writeInt32BE(4, 0);
      out.writeInt32BE(value as number, 4);
      return [out];
    }
    case 'text': {
      if (typeof value !== 'string') throw new TypeError(`column ${column}: text needs a string`);
      const bytes = Buffer.from(value, 'utf8');
      const length = Buffer.alloc(4);
      length.writeInt32BE(bytes.byteLength, 0);
      return [length, bytes];
    }
    case 'bytea': {
      if (!(value instanceof Uint8Array)) throw new TypeError(`column ${column}: bytea needs bytes`);
      const length = Buffer.alloc(4);
      length.writeInt32BE(value.byteLength, 0);
      return [length, Buffer.from(value.buffer, value.byteOffset, value.byteLength)];
    }
  }
}

/** One buffer holding the rows in binary COPY format, for `COPY t (columns…) FROM STDIN (FORMAT binary)`. */
export function encodeCopyBinary(types: readonly CopyColumnType[], rows: readonly (readonly CopyValue[])[]): Buffer {
  const parts: Buffer[] = [SIGNATURE, HEADER_REST];
  const count = Buffer.alloc(2);
  count.writeInt16BE(types.length, 0);
  for (const row of rows) {
    if (row.length !== types.length) throw new TypeError(`a row has ${row.length} values for ${types.length} columns`);
    parts.push(count);
    row.forEach((value, i) => parts.push(...field(types[i]!, value, i)));
  }
  parts.push(TRAILER);
  return Buffer.concat(parts);
}
