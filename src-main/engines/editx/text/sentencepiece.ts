// A sentencepiece tokenizer in TypeScript that gives the same ids as the reference library for unigram and BPE models
// (byte fallback, user-defined symbols, `identity` and precompiled-charsmap normalizers): load a `.model` file,
// encode text to ids, decode ids to text. The only departure from the reference API is that BOS/EOS and the dummy
// prefix can be chosen per call, because the EditX prompt assembly needs them as settings.

import { readFile } from 'node:fs/promises';
import { RetakeError } from '../../../contract/errors';
import { Normalizer, SPACE_SYMBOL } from './normalizer';
import { BpeSegmenter, type Segment, UnigramSegmenter, type Vocab } from './segment';
import { ModelType, parseSpModel, PieceType, type SpModelProto } from './sp-model';
import { CodeUnitTrie } from './trie';

/** `model`: as the model file says (`normalizer_spec.add_dummy_prefix`); `never` / `always`: override it. */
export type DummyPrefixMode = 'model' | 'never' | 'always';

export interface EncodeOptions {
  /** Prepend the model's BOS id (default false, as the reference `encode`). */
  addBos?: boolean;
  /** Append the model's EOS id (default false). */
  addEos?: boolean;
  addDummyPrefix?: DummyPrefixMode;
}

/** Reads and parses a `.model` file; a missing file is E_FILE_NOT_FOUND. */
export async function readSpModelFile(path: string): Promise<SpModelProto> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new RetakeError('E_FILE_NOT_FOUND', `The tokenizer file ${path} does not exist.`);
    }
    throw new RetakeError('E_IO', `The tokenizer file ${path} could not be read: ${(e as Error).message}.`);
  }
  return parseSpModel(bytes);
}

function unavailable(message: string): RetakeError {
  return new RetakeError('E_ENGINE_UNAVAILABLE', message);
}

export class SentencePieceTokenizer {
  readonly mode = 'sentencepiece' as const;
  readonly model: SpModelProto;
  private readonly vocab: Vocab;
  private readonly normalizer: Normalizer;
  private readonly segmenter: UnigramSegmenter | BpeSegmenter;
  private readonly byteIds: Int32Array;

  /** Reads a `.model` file; a missing file is E_FILE_NOT_FOUND. */
  static async fromFile(path: string): Promise<SentencePieceTokenizer> {
    return new SentencePieceTokenizer(await readSpModelFile(path));
  }

  static fromBytes(bytes: Uint8Array): SentencePieceTokenizer {
    return new SentencePieceTokenizer(parseSpModel(bytes));
  }

  constructor(model: SpModelProto) {
    this.model = model;
    const t = model.trainerSpec;
    if (t.modelType !== ModelType.UNIGRAM && t.modelType !== ModelType.BPE) {
      throw unavailable(
        `The tokenizer model is of sentencepiece type ${t.modelType === ModelType.WORD ? 'WORD' : t.modelType === ModelType.CHAR ? 'CHAR' : t.modelType}; only unigram and BPE models are supported.`,
      );
    }
    if (t.treatWhitespaceAsSuffix) {
      throw unavailable('The tokenizer model treats whitespace as a suffix, which this tokenizer does not support.');
    }
    const n = model.pieces.length;
    const pieces: string[] = new Array<string>(n);
    const scores = new Float32Array(n);
    const types = new Uint8Array(n);
    const matchable = new Map<string, number>();
    const reserved = new Map<string, number>();
    let unkId = -1;
    let userDefined: CodeUnitTrie | null = null;
    for (let i = 0; i < n; i++) {
      const p = model.pieces[i]!;
      if (p.piece.length === 0) throw unavailable(`The tokenizer model has an empty piece at id ${i}; the file is damaged.`);
      pieces[i] = p.piece;
      scores[i] = p.score;
      types[i] = p.type;
      const isMatchable = p.type === PieceType.NORMAL || p.type === PieceType.USER_DEFINED || p.type === PieceType.UNUSED;
      const map = isMatchable ? matchable : reserved;
      if (map.has(p.piece)) throw unavailable(`The tokenizer model defines the piece "${p.piece}" twice; the file is damaged.`);
      map.set(p.piece, i);
      if (p.type === PieceType.USER_DEFINED) (userDefined ??= new CodeUnitTrie()).add(p.piece, i);
      if (p.type === PieceType.UNKNOWN) {
        if (unkId >= 0) throw unavailable('The tokenizer model defines the unknown piece twice; the file is damaged.');
        unkId = i;
      }
    }
    if (unkId < 0) throw unavailable('The tokenizer model has no unknown piece; the file is damaged.');
    const pieceToId = (piece: string): number => reserved.get(piece) ?? matchable.get(piece) ?? unkId;
    this.vocab = { pieces, scores, types, unkId, matchable, pieceToId, userDefined };
    this.normalizer = new Normalizer(model.normalizerSpec, userDefined);
    if (t.modelType === ModelType.UNIGRAM) {
      const trie = new CodeUnitTrie();
      for (const [piece, id] of matchable) trie.add(piece, id);
      this.segmenter = new UnigramSegmenter(this.vocab, trie);
    } else {
      this.segmenter = new BpeSegmenter(this.vocab);
    }
    this.byteIds = new Int32Array(256);
    for (let b = 0; b < 256; b++) this.byteIds[b] = pieceToId(bytePiece(b));
  }

  get vocabSize(): number {
    return this.vocab.pieces.length;
  }
  get unkId(): number {
    return this.vocab.unkId;
  }
  get bosId(): number {
    return this.model.trainerSpec.bosId;
  }
  get eosId(): number {
    return this.model.trainerSpec.eosId;
  }
  get padId(): number {
    return this.model.trainerSpec.padId;
  }
  /** Whether the model file asks for the dummy `▁` prefix. */
  get addsDummyPrefix(): boolean {
    return this.model.normalizerSpec.addDummyPrefix;
  }

  idToPiece(id: number): string {
    const p = this.vocab.pieces[id];
    if (p === undefined) throw new RangeError(`Token id ${id} is outside the vocabulary (0..${this.vocabSize - 1}).`);
    return p;
  }

  /** The id of a piece, or the unknown id when the vocabulary has no such piece (as the reference). */
  pieceToId(piece: string): number {
    return this.vocab.pieceToId(piece);
  }

  /** The normalized form the segmenter sees (with `▁` for spaces). */
  normalize(text: string, options: EncodeOptions = {}): string {
    return this.normalizer.normalize(text, { addDummyPrefix: this.dummyPrefix(options.addDummyPrefix ?? 'model') });
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.encodeSegments(text, options).map(([, id]) => id);
  }

  encodePieces(text: string, options: EncodeOptions = {}): string[] {
    return this.encodeSegments(text, options).map(([piece]) => piece);
  }

  private dummyPrefix(mode: DummyPrefixMode): boolean {
    return mode === 'model' ? this.model.normalizerSpec.addDummyPrefix : mode === 'always';
  }

  private encodeSegments(text: string, options: EncodeOptions): Segment[] {
    const normalized = this.normalize(text, options);
    const out: Segment[] = [];
    if (options.addBos) out.push([this.specialPiece(this.bosId, 'BOS'), this.bosId]);
    const { types, unkId } = this.vocab;
    const byteFallback = this.model.trainerSpec.byteFallback;
    let prevUnk = false;
    for (const seg of this.segmenter.segment(normalized)) {
      const isUnk = types[seg[1]] === PieceType.UNKNOWN;
      if (isUnk && byteFallback) {
        for (const b of utf8.encode(seg[0])) out.push([bytePiece(b), this.byteIds[b]!]);
      } else if (isUnk && prevUnk) {
        // A run of unknown characters becomes one unknown token, as in the reference.
        const last = out[out.length - 1]!;
        last[0] += seg[0];
      } else {
        out.push(isUnk ? [seg[0], unkId] : seg);
      }
      prevUnk = isUnk;
    }
    if (options.addEos) out.push([this.specialPiece(this.eosId, 'EOS'), this.eosId]);
    return out;
  }

  private specialPiece(id: number, what: string): string {
    const p = this.vocab.pieces[id];
    if (id < 0 || p === undefined) throw unavailable(`The tokenizer model has no ${what} token.`);
    return p;
  }

  /** Ids to text as the reference `decode`: control ids vanish, byte pieces are joined into UTF-8, `▁` is a space. */
  decode(ids: readonly number[]): string {
    const den = this.model.denormalizerSpec;
    if (den && den.precompiledCharsmap.length > 0) {
      throw unavailable('The tokenizer model has denormalization rules, which this tokenizer does not support.');
    }
    const { types } = this.vocab;
    const stripLeading =
      this.model.normalizerSpec.addDummyPrefix || this.model.normalizerSpec.removeExtraWhitespaces;
    let text = '';
    let bytes: number[] = [];
    // The reference strips the dummy-prefix `▁` from the first piece that shows anything (control pieces before it
    // show nothing); with whitespace cleanup on it keeps stripping until some text has appeared.
    let atStart = true;
    const flushBytes = () => {
      if (bytes.length === 0) return;
      text += decodeBytesLikeReference(bytes);
      bytes = [];
      atStart = false;
    };
    for (const id of ids) {
      let piece = this.idToPiece(id);
      const type = types[id];
      if (type === PieceType.BYTE) {
        bytes.push(Number.parseInt(piece.slice(3, 5), 16));
        continue;
      }
      flushBytes();
      if (type === PieceType.CONTROL) continue;
      if (type === PieceType.UNKNOWN) {
        const surface = this.model.trainerSpec.unkSurface;
        text += surface;
        if (surface.length > 0) atStart = false;
        continue;
      }
      let strippedSpace = false;
      if (atStart && stripLeading && piece.startsWith(SPACE_SYMBOL)) {
        piece = piece.slice(SPACE_SYMBOL.length);
        strippedSpace = !this.model.normalizerSpec.removeExtraWhitespaces;
      }
      const surface = piece.replaceAll(SPACE_SYMBOL, ' ');
      text += surface;
      if (strippedSpace || surface.length > 0) atStart = false;
    }
    flushBytes();
    return text;
  }
}

const utf8 = new TextEncoder();

function bytePiece(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
}

/** UTF-8 decoding where each byte of a malformed sequence becomes one U+FFFD (the reference's rule). */
function decodeBytesLikeReference(bytes: number[]): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i]!;
    let len = 0;
    let cp = 0;
    let min = 0;
    if (b0 < 0x80) {
      len = 1;
      cp = b0;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      len = 2;
      cp = b0 & 0x1f;
      min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      len = 3;
      cp = b0 & 0x0f;
      min = 0x800;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      len = 4;
      cp = b0 & 0x07;
      min = 0x10000;
    }
    let ok = len > 0 && i + len <= bytes.length;
    for (let k = 1; ok && k < len; k++) {
      const b = bytes[i + k]!;
      if ((b & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (b & 0x3f);
    }
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok) {
      out += String.fromCodePoint(cp);
      i += len;
    } else {
      out += '\ufffd';
      i += 1;
    }
  }
  return out;
}
