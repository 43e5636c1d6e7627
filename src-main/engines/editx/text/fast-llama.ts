// The tokenizer the reference actually runs: transformers' *fast* Llama tokenizer (LlamaTokenizerFast) as transformers
// 4.53 builds it from `tokenizer.model` with its LlamaConverter (legacy=False), reproduced id for id from the same
// `.model` file. It is the default tokenizer mode of a pack (EDITX-SPEC.md §3); SentencePieceTokenizer keeps the
// sentencepiece semantics for packs that ask for them.
//
// What the converted tokenizer is: a `tokenizers` pipeline of
//   added tokens → (no normalizer) → Metaspace pre-tokenizer → Unigram model → (post-processor: BOS if asked).
// Exactly, for one call encode(text):
// 1. Added tokens are cut out of the raw text before anything else. They are every CONTROL and USER_DEFINED piece of
//    the model (the converter adds them all, the CONTROL ones as special) plus the unknown piece (transformers
//    registers `unk_token` as a special token). Special tokens are matched too (`split_special_tokens` is off), so
//    `<s>`, `<|BOT|>` or `<|EOT|>` typed inside a text become their ids, unlike sentencepiece. Matching is
//    leftmost-longest over all of them; no lstrip/rstrip/single_word (the converter sets none). Each matched token
//    is one id; the stretches between them go on alone.
// 2. No normalizer. The `.model`'s precompiled charsmap (nmt_nfkc …), `remove_extra_whitespaces` and
//    `add_dummy_prefix` are all ignored: runs of spaces, newlines and full-width letters reach the model as typed.
// 3. Metaspace(replacement "▁", prepend_scheme "first", split false) on each stretch separately: every " " becomes
//    "▁" (no other whitespace), then one "▁" is prepended only to the stretch that begins at offset 0 of the text, and
//    only if it does not already begin with "▁" after that replacement. So: "▁" is prepended on every call whatever
//    add_dummy_prefix says; " x" gives "▁x" (not "▁▁x"); a call whose text starts with an added token gets no "▁"
//    anywhere ("<audio_1>abc" → <audio_1>, "abc"), and no stretch after an added token gets one. split=false (what
//    the Llama converter passes) leaves each stretch whole, so pieces may span "▁" boundaries as in sentencepiece;
//    split=true would cut it before every "▁" (merged with the next word) and is not used by this converter.
// 4. Unigram (tokenizers' optimized Viterbi) over each stretch: every vocabulary entry is a candidate, CONTROL, BYTE
//    and UNUSED pieces included (so the literal text "<0x41>" is the byte piece for "A"); scores are the `.model`'s
//    float32 scores as float64, with the first three pieces scored 0 (LlamaConverter.vocab); path sums stay float64
//    (sentencepiece rounds them to float32); ties go to the earliest start, then the shortest piece. A character no
//    piece starts gets an unknown node scored min(all scores) − 10; adjacent unknowns are fused into one string,
//    which becomes its UTF-8 bytes as `<0xXX>` pieces when all of them exist (byte_fallback, set by the converter
//    whatever trainer_spec says), else id 0 (LlamaConverter.unk_id).
// 5. BOS only when asked: LlamaTokenizerFast adds it by default, but the prompt assembly writes BOS itself and asks
//    for none (a pack setting, prompt/settings.ts).
// legacy=False is what the audit of the reference found (Metaspace "first", no normalizer). With legacy=True the
// converter would instead build a normalizer (Prepend "▁", Replace " " → "▁") that prepends "▁" to every stretch,
// also after an added token and before a leading space; that variant is not reproduced.
// The converter handles unigram models only here (a BPE `.model` gets merges the converter invents; not supported).
// JavaScript strings may hold lone surrogates, which Python cannot hand to `tokenizers`; they are read as U+FFFD.

import { RetakeError } from '../../../contract/errors';
import { SPACE_SYMBOL } from './normalizer';
import type { EncodeOptions } from './sentencepiece';
import { ModelType, PieceType, type SpModelProto } from './sp-model';
import { charLen, CodeUnitTrie } from './trie';

// tokenizers' Unigram: an unknown character scores the lowest vocabulary score minus 10.
const UNK_PENALTY = 10;
// LlamaConverter.unk_id.
const UNK_ID = 0;
// LlamaConverter.vocab replaces the scores of the first three pieces (<unk>, <s>, </s>) by 0.
const ZERO_SCORED = 3;

const utf8 = new TextEncoder();
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export class FastLlamaTokenizer {
  readonly mode = 'transformers-fast' as const;
  readonly model: SpModelProto;
  private readonly pieces: string[];
  private readonly scores: Float64Array;
  private readonly ids = new Map<string, number>();
  private readonly vocabTrie = new CodeUnitTrie();
  private readonly addedTrie = new CodeUnitTrie();
  private readonly byteIds = new Int32Array(256).fill(-1);
  private readonly unkScore: number;

  constructor(model: SpModelProto) {
    this.model = model;
    if (model.trainerSpec.modelType !== ModelType.UNIGRAM) {
      throw new RetakeError(
        'E_ENGINE_UNAVAILABLE',
        'The tokenizer model is not a unigram model; the transformers-fast tokenizer mode reproduces unigram models only. Set components.textTokenizer.promptEncoding.tokenizer to "sentencepiece".',
      );
    }
    const n = model.pieces.length;
    this.pieces = model.pieces.map((p) => p.piece);
    this.scores = new Float64Array(n);
    let min = Infinity;
    for (let i = 0; i < n; i++) {
      const s = i < ZERO_SCORED ? 0 : model.pieces[i]!.score;
      this.scores[i] = s;
      min = Math.min(min, s);
      this.ids.set(this.pieces[i]!, i); // a later duplicate wins, as in the library's hash map
    }
    this.unkScore = min - UNK_PENALTY;
    for (const [piece, id] of this.ids) this.vocabTrie.add(piece, id);
    for (let i = 0; i < n; i++) {
      const t = model.pieces[i]!.type;
      if (t === PieceType.CONTROL || t === PieceType.USER_DEFINED || t === PieceType.UNKNOWN) {
        this.addedTrie.add(this.pieces[i]!, this.ids.get(this.pieces[i]!)!);
      }
    }
    for (let b = 0; b < 256; b++) {
      this.byteIds[b] = this.ids.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`) ?? -1;
    }
  }

  get vocabSize(): number {
    return this.pieces.length;
  }
  get unkId(): number {
    return UNK_ID;
  }
  get bosId(): number {
    return this.model.trainerSpec.bosId;
  }

  idToPiece(id: number): string {
    const p = this.pieces[id];
    if (p === undefined) throw new RangeError(`Token id ${id} is outside the vocabulary (0..${this.vocabSize - 1}).`);
    return p;
  }

  /** The id of a vocabulary entry, or the unknown id. */
  pieceToId(piece: string): number {
    return this.ids.get(piece) ?? UNK_ID;
  }

  /** `options.addDummyPrefix` is a sentencepiece-mode setting: this tokenizer accepts only its absence (or "model"). */
  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.encodeSegments(text, options).map(([, id]) => id);
  }

  encodePieces(text: string, options: EncodeOptions = {}): string[] {
    return this.encodeSegments(text, options).map(([piece]) => piece);
  }

  private encodeSegments(input: string, options: EncodeOptions): [string, number][] {
    if (options.addDummyPrefix !== undefined && options.addDummyPrefix !== 'model') {
      throw new RetakeError(
        'E_INTERNAL',
        `The dummy-prefix override "${options.addDummyPrefix}" applies to the sentencepiece tokenizer mode only. Please report this bug.`,
      );
    }
    const text = input.replace(LONE_SURROGATE, '\ufffd');
    const out: [string, number][] = [];
    if (options.addBos) out.push([this.idToPiece(this.bosId), this.bosId]);
    let start = 0;
    let i = 0;
    while (i < text.length) {
      const end = this.addedTrie.longestPrefix(text, i);
      if (end < 0) {
        i += charLen(text, i);
        continue;
      }
      if (i > start) this.stretch(text, start, i, out);
      const token = text.slice(i, end);
      out.push([token, this.ids.get(token)!]);
      i = end;
      start = i;
    }
    if (start < text.length) this.stretch(text, start, text.length, out);
    if (options.addEos) out.push([this.idToPiece(this.model.trainerSpec.eosId), this.model.trainerSpec.eosId]);
    return out;
  }

  /** Metaspace + Unigram on text[start, end), a stretch between added tokens. */
  private stretch(text: string, start: number, end: number, out: [string, number][]): void {
    let s = text.slice(start, end).replaceAll(' ', SPACE_SYMBOL);
    if (start === 0 && !s.startsWith(SPACE_SYMBOL)) s = SPACE_SYMBOL + s;
    const n = s.length;
    const best = new Float64Array(n + 1);
    const from = new Int32Array(n + 1).fill(-1);
    const node = new Int32Array(n + 1);
    for (let pos = 0; pos < n; ) {
      const cl = charLen(s, pos);
      const base = best[pos]!;
      let single = false;
      this.vocabTrie.forEachPrefix(s, pos, (e, id) => {
        const cand = this.scores[id]! + base;
        if (from[e] === -1 || cand > best[e]!) {
          best[e] = cand;
          from[e] = pos;
          node[e] = id;
        }
        if (e - pos === cl) single = true;
      });
      if (!single) {
        const e = pos + cl;
        const cand = this.unkScore + base;
        if (from[e] === -1 || cand > best[e]!) {
          best[e] = cand;
          from[e] = pos;
          node[e] = UNK_ID;
        }
      }
      pos += cl;
    }
    // Back from the end; a run of adjacent unknown nodes becomes one string.
    const strings: string[] = [];
    for (let e = n; e > 0; ) {
      let b = from[e]!;
      if (node[e] === UNK_ID) while (b > 0 && node[b] === UNK_ID) b = from[b]!;
      strings.push(s.slice(b, e));
      e = b;
    }
    for (let k = strings.length - 1; k >= 0; k--) {
      const piece = strings[k]!;
      const id = this.ids.get(piece);
      if (id !== undefined) {
        out.push([piece, id]);
        continue;
      }
      const bytes = utf8.encode(piece);
      const byteIds = Array.from(bytes, (b) => this.byteIds[b]!);
      if (byteIds.every((id) => id >= 0)) {
        bytes.forEach((b, j) => out.push([this.pieces[byteIds[j]!]!, byteIds[j]!]));
      } else {
        out.push([piece, UNK_ID]);
      }
    }
  }
}
