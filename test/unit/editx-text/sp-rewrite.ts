// Test helper: rewrites the pieces of a sentencepiece `.model` file (piece text and type), keeping every other byte,
// to make deliberately broken tokenizers (audio pieces marked CONTROL, special tokens at other ids) from a good one.

import { readFields } from '../../../src-main/engines/editx/text/protobuf';
import { parseSpModel, type PieceTypeValue } from '../../../src-main/engines/editx/text/sp-model';

export interface PieceEdit {
  piece?: string;
  type?: PieceTypeValue;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

function lenField(field: number, payload: Uint8Array): Uint8Array {
  const head = [...varint(field * 8 + 2), ...varint(payload.length)];
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

function pieceMessage(piece: string, score: number, type: number): Uint8Array {
  const score32 = new Uint8Array(4);
  new DataView(score32.buffer).setFloat32(0, score, true);
  const text = lenField(1, new TextEncoder().encode(piece));
  return Uint8Array.from([...text, 0x15, ...score32, 0x18, ...varint(type)]);
}

/** The model with `edit(piece, id)`'s changes applied (undefined: unchanged). */
export function rewritePieces(bytes: Uint8Array, edit: (piece: string, id: number) => PieceEdit | undefined): Uint8Array {
  const pieces = parseSpModel(bytes).pieces;
  const parts: Uint8Array[] = [];
  let id = 0;
  for (const f of readFields(bytes)) {
    if (f.wire !== 2) throw new Error(`unexpected top-level field ${f.field} in a sentencepiece model`);
    if (f.field === 1) {
      const p = pieces[id]!;
      const e = edit(p.piece, id);
      parts.push(e ? lenField(1, pieceMessage(e.piece ?? p.piece, p.score, e.type ?? p.type)) : lenField(1, f.bytes));
      id++;
    } else {
      parts.push(lenField(f.field, f.bytes));
    }
  }
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
