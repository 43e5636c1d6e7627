// Sentencepiece text normalization, step for step as the reference `Normalizer::Normalize`: user-defined symbols pass
// through untouched (longest match first), everything else goes through the precompiled character map when the model
// has one (nmt_nfkc and friends; `identity` has none), then whitespace handling: optional removal of leading, repeated
// and trailing spaces, spaces written as U+2581 `▁`, and the dummy `▁` prefix.

import { PrecompiledCharsmap } from './charsmap';
import type { SpNormalizerSpec } from './sp-model';
import { charLen, utf8Length, type CodeUnitTrie } from './trie';

export const SPACE_SYMBOL = '\u2581';

export interface NormalizeOptions {
  addDummyPrefix: boolean;
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

export class Normalizer {
  private readonly charsmap: PrecompiledCharsmap | null;

  constructor(
    private readonly spec: SpNormalizerSpec,
    /** User-defined symbols: matched before any rule and copied verbatim. */
    private readonly userDefined: CodeUnitTrie | null,
  ) {
    this.charsmap = spec.precompiledCharsmap.length > 0 ? new PrecompiledCharsmap(spec.precompiledCharsmap) : null;
  }

  normalize(input: string, options: NormalizeOptions): string {
    if (input.length === 0) return '';
    const spec = this.spec;
    const bytes = this.charsmap ? utf8Encoder.encode(input) : null;
    let si = 0; // position in `input` (code units)
    let bi = 0; // the same position in `bytes`

    // One normalization step at the current position: the replacement text and how much input it consumed.
    const prefix = (): { text: string; units: number; bytes: number } => {
      if (this.userDefined) {
        const end = this.userDefined.longestPrefix(input, si);
        if (end > si) {
          const text = input.slice(si, end);
          return { text, units: end - si, bytes: bytes ? utf8Length(input, si, end) : 0 };
        }
      }
      if (this.charsmap && bytes) {
        const m = this.charsmap.longestMatch(bytes, bi);
        if (m) {
          // Rules cover whole characters, so the byte length maps back onto whole code points.
          let units = 0;
          let consumed = 0;
          while (consumed < m.length && si + units < input.length) {
            const cl = charLen(input, si + units);
            consumed += utf8Bytes(input.codePointAt(si + units)!, cl);
            units += cl;
          }
          return { text: utf8Decoder.decode(m.replacement), units, bytes: m.length };
        }
      }
      const cl = charLen(input, si);
      const text = input.slice(si, si + cl);
      const cp = input.codePointAt(si)!;
      // A lone surrogate cannot be UTF-8; the reference replaces malformed input by U+FFFD.
      const lone = cl === 1 && cp >= 0xd800 && cp <= 0xdfff;
      return { text: lone ? '\ufffd' : text, units: cl, bytes: bytes ? utf8Bytes(cp, cl) : 0 };
    };
    const advance = (p: { units: number; bytes: number }) => {
      si += p.units;
      bi += p.bytes;
    };

    if (spec.removeExtraWhitespaces) {
      while (si < input.length) {
        const p = prefix();
        if (p.text !== ' ') break;
        advance(p);
      }
    }
    if (si >= input.length) return '';

    const ws = spec.escapeWhitespaces ? SPACE_SYMBOL : ' ';
    let out = '';
    if (options.addDummyPrefix) out += ws;
    let isPrevSpace = spec.removeExtraWhitespaces;
    while (si < input.length) {
      const p = prefix();
      let sp = p.text;
      if (isPrevSpace) {
        let k = 0;
        while (k < sp.length && sp.charCodeAt(k) === 0x20) k++;
        sp = sp.slice(k);
      }
      if (sp.length > 0) {
        out += spec.escapeWhitespaces ? sp.replaceAll(' ', SPACE_SYMBOL) : sp;
        isPrevSpace = sp.endsWith(' ');
      }
      advance(p);
      if (!spec.removeExtraWhitespaces) isPrevSpace = false;
    }
    if (spec.removeExtraWhitespaces) {
      while (out.endsWith(ws)) out = out.slice(0, out.length - ws.length);
    }
    return out;
  }
}

function utf8Bytes(cp: number, units: number): number {
  if (units === 2) return 4;
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  return 3;
}
