// Reads a sentencepiece `.model` file (a serialized `ModelProto`) into plain data: the pieces with their scores and
// types, the trainer settings that change encoding, and the normalizer settings. Field numbers follow the public
// `sentencepiece_model.proto`; defaults are that file's defaults, applied when a field is absent.

import { RetakeError } from '../../../contract/errors';
import { fieldBool, fieldFloat, fieldInt32, fieldString, readFields } from './protobuf';

export const PieceType = {
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;
export type PieceTypeValue = (typeof PieceType)[keyof typeof PieceType];

export const ModelType = { UNIGRAM: 1, BPE: 2, WORD: 3, CHAR: 4 } as const;

export interface SpPiece {
  piece: string;
  score: number;
  type: PieceTypeValue;
}

export interface SpTrainerSpec {
  modelType: number;
  vocabSize: number;
  byteFallback: boolean;
  treatWhitespaceAsSuffix: boolean;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  unkPiece: string;
  bosPiece: string;
  eosPiece: string;
  padPiece: string;
  /** What decoding writes for the unknown piece. */
  unkSurface: string;
}

export interface SpNormalizerSpec {
  name: string;
  /** Empty for `identity`; otherwise the compiled rules (a darts trie plus the replacement strings). */
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

export interface SpModelProto {
  pieces: SpPiece[];
  trainerSpec: SpTrainerSpec;
  normalizerSpec: SpNormalizerSpec;
  /** Present only in models trained with a denormalizer (rare); decoding refuses those with rules. */
  denormalizerSpec: SpNormalizerSpec | null;
}

const utf8 = new TextDecoder('utf-8');

// Pieces are most of the file (75k of them in the published tokenizer): scan their three fields directly instead of
// building the generic field list, and decode ASCII pieces without TextDecoder. Anything unexpected (other fields,
// truncation) goes through the generic reader, which reports damage.
function parsePiece(buf: Uint8Array): SpPiece {
  let piece = '';
  let score = 0;
  let type = -2; // absent
  let pos = 0;
  const n = buf.length;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; shift < 35 && pos < n; shift += 7) {
      const b = buf[pos++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    return -1;
  };
  let fast = true;
  while (fast && pos < n) {
    const key = buf[pos++]!;
    if (key === 0x0a) {
      const len = varint();
      if (len < 0 || pos + len > n) fast = false;
      else {
        let ascii = true;
        for (let i = pos; i < pos + len; i++) if (buf[i]! >= 0x80) ascii = false;
        if (ascii) {
          piece = '';
          for (let i = pos; i < pos + len; i++) piece += String.fromCharCode(buf[i]!);
        } else piece = utf8.decode(buf.subarray(pos, pos + len));
        pos += len;
      }
    } else if (key === 0x15 && pos + 4 <= n) {
      score = new DataView(buf.buffer, buf.byteOffset + pos, 4).getFloat32(0, true);
      pos += 4;
    } else if (key === 0x18) {
      type = varint();
      if (type < 0) fast = false;
    } else fast = false;
  }
  if (fast) return checked(piece, score, type === -2 ? PieceType.NORMAL : type);
  piece = '';
  score = 0;
  type = PieceType.NORMAL;
  for (const f of readFields(buf)) {
    if (f.field === 1) piece = fieldString(f);
    else if (f.field === 2) score = fieldFloat(f);
    else if (f.field === 3) type = fieldInt32(f);
  }
  return checked(piece, score, type);
}

function checked(piece: string, score: number, type: number): SpPiece {
  if (type < 1 || type > 6) {
    throw new RetakeError('E_ENGINE_UNAVAILABLE', `The tokenizer model has a piece of unknown type ${type}; this file is not supported.`);
  }
  return { piece, score, type: type as PieceTypeValue };
}

function parseTrainerSpec(buf: Uint8Array | null): SpTrainerSpec {
  const t: SpTrainerSpec = {
    modelType: ModelType.UNIGRAM,
    vocabSize: 8000,
    byteFallback: false,
    treatWhitespaceAsSuffix: false,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    unkPiece: '<unk>',
    bosPiece: '<s>',
    eosPiece: '</s>',
    padPiece: '<pad>',
    unkSurface: ' \u2047 ',
  };
  if (!buf) return t;
  for (const f of readFields(buf)) {
    switch (f.field) {
      case 3: t.modelType = fieldInt32(f); break;
      case 4: t.vocabSize = fieldInt32(f); break;
      case 24: t.treatWhitespaceAsSuffix = fieldBool(f); break;
      case 35: t.byteFallback = fieldBool(f); break;
      case 40: t.unkId = fieldInt32(f); break;
      case 41: t.bosId = fieldInt32(f); break;
      case 42: t.eosId = fieldInt32(f); break;
      case 43: t.padId = fieldInt32(f); break;
      case 44: t.unkSurface = fieldString(f); break;
      case 45: t.unkPiece = fieldString(f); break;
      case 46: t.bosPiece = fieldString(f); break;
      case 47: t.eosPiece = fieldString(f); break;
      case 48: t.padPiece = fieldString(f); break;
      default: break;
    }
  }
  return t;
}

function parseNormalizerSpec(buf: Uint8Array | null): SpNormalizerSpec {
  const n: SpNormalizerSpec = {
    name: '',
    precompiledCharsmap: new Uint8Array(0),
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
  };
  if (!buf) return n;
  for (const f of readFields(buf)) {
    switch (f.field) {
      case 1: n.name = fieldString(f); break;
      case 2: n.precompiledCharsmap = f.bytes.slice(); break;
      case 3: n.addDummyPrefix = fieldBool(f); break;
      case 4: n.removeExtraWhitespaces = fieldBool(f); break;
      case 5: n.escapeWhitespaces = fieldBool(f); break;
      default: break;
    }
  }
  return n;
}

/** Parses the bytes of a `.model` file. */
export function parseSpModel(bytes: Uint8Array): SpModelProto {
  const pieces: SpPiece[] = [];
  let trainer: Uint8Array | null = null;
  let normalizer: Uint8Array | null = null;
  let denormalizer: Uint8Array | null = null;
  for (const f of readFields(bytes)) {
    if (f.field === 1) pieces.push(parsePiece(f.bytes));
    else if (f.field === 2) trainer = f.bytes;
    else if (f.field === 3) normalizer = f.bytes;
    else if (f.field === 5) denormalizer = f.bytes;
  }
  if (pieces.length === 0) {
    throw new RetakeError('E_ENGINE_UNAVAILABLE', 'The tokenizer model file has no pieces; it is not a sentencepiece model.');
  }
  return {
    pieces,
    trainerSpec: parseTrainerSpec(trainer),
    normalizerSpec: parseNormalizerSpec(normalizer),
    denormalizerSpec: denormalizer ? parseNormalizerSpec(denormalizer) : null,
  };
}
