// Minimal protobuf wire-format reader: enough to walk the messages of a sentencepiece `.model` file
// (varints, 32/64-bit fixed fields, length-delimited fields). No schema, no writer.

import { RetakeError } from '../../../contract/errors';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

export interface ProtoField {
  field: number;
  wire: number;
  /** Varint fields: the value (exact up to 2^53; used for bools, enums and unsigned sizes). */
  varint: number;
  /** Varint fields: the low 32 bits as a signed integer (int32 fields, negative ones included). */
  int32: number;
  /** Length-delimited fields: a view of the payload (no copy). Fixed fields: their raw bytes. */
  bytes: Uint8Array;
}

function corrupt(what: string): RetakeError {
  return new RetakeError('E_ENGINE_UNAVAILABLE', `The tokenizer model file is damaged (${what}). Reinstall the model pack.`);
}

/** Every field of one message, in file order. Unknown wire types (groups) are rejected. */
export function readFields(buf: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  const n = buf.length;
  let low32 = 0;
  const readVarint = (): number => {
    let result = 0;
    let scale = 1;
    low32 = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= n) throw corrupt('truncated varint');
      const b = buf[pos++]!;
      result += (b & 0x7f) * scale;
      if (i < 5) low32 = (low32 | ((b & 0x7f) << (7 * i))) | 0;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw corrupt('varint longer than 10 bytes');
  };
  while (pos < n) {
    const key = readVarint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) throw corrupt('field number 0');
    switch (wire) {
      case WIRE_VARINT:
        out.push({ field, wire, varint: readVarint(), int32: low32, bytes: EMPTY });
        break;
      case WIRE_FIXED64:
        if (pos + 8 > n) throw corrupt('truncated fixed64');
        out.push({ field, wire, varint: 0, int32: 0, bytes: buf.subarray(pos, pos + 8) });
        pos += 8;
        break;
      case WIRE_LEN: {
        const len = readVarint();
        if (pos + len > n) throw corrupt('truncated length-delimited field');
        out.push({ field, wire, varint: 0, int32: 0, bytes: buf.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      case WIRE_FIXED32:
        if (pos + 4 > n) throw corrupt('truncated fixed32');
        out.push({ field, wire, varint: 0, int32: 0, bytes: buf.subarray(pos, pos + 4) });
        pos += 4;
        break;
      default:
        throw corrupt(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8', { fatal: false });

export function fieldString(f: ProtoField): string {
  if (f.wire !== WIRE_LEN) throw corrupt(`field ${f.field} is not a string`);
  return utf8.decode(f.bytes);
}

export function fieldFloat(f: ProtoField): number {
  if (f.wire !== WIRE_FIXED32) throw corrupt(`field ${f.field} is not a float`);
  return new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true);
}

export function fieldBool(f: ProtoField): boolean {
  if (f.wire !== WIRE_VARINT) throw corrupt(`field ${f.field} is not a bool`);
  return f.varint !== 0;
}

/** int32 fields are varints of the sign-extended 64-bit value: the low 32 bits carry the number. */
export function fieldInt32(f: ProtoField): number {
  if (f.wire !== WIRE_VARINT) throw corrupt(`field ${f.field} is not an integer`);
  return f.int32;
}
