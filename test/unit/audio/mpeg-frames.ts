// A seeded writer of syntactically valid MPEG audio Layer I and Layer II frames with random content (allocations,
// scale factor selection, scale factors and sample codes drawn at random within what the standard allows), for
// comparing our decoder with `lame --decode` on every table entry without an MP1/MP2 encoder.

import { prng } from './fuzz-cases';

class BitWriter {
  readonly bytes: Uint8Array;
  pos = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }
  write(v: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) {
      if ((v >>> i) & 1) this.bytes[this.pos >> 3]! |= 0x80 >> (this.pos & 7);
      this.pos++;
    }
  }
}

export interface FrameSpec {
  layer: 1 | 2;
  /** 0 MPEG-2.5 (Layer III only, not used here), 2 MPEG-2, 3 MPEG-1: the header's version bits. */
  versionBits: 2 | 3;
  bitrateIndex: number;
  rateIndex: number;
  /** 0 stereo, 1 joint stereo, 2 dual channel, 3 mono. */
  mode: number;
  modeExtension: number;
  /** Layer II: the allocation runs [subbands, bits, levels per allocation value] of the table this header selects. */
  table?: readonly (readonly [number, number, readonly number[]])[];
  /** Layer II subband limit (27, 30, 8 or 12; 30 for MPEG-2). */
  limit?: number;
  frameBytes: number;
  /** The largest allocation value drawn (Layer I: 14, 15 bits per sample). */
  maxAllocation?: number;
  /**
   * Joint stereo content written as a plain stereo stream: the same random draws (above the bound the right channel
   * shares the left's allocation and samples), but the header says stereo and both channels are written in full.
   */
  asStereo?: boolean;
}

/** Levels of Layer II allocation values; 3, 5 and 9 are grouped. */
export const L2_A = [0, 3, 7, 15, 31, 63, 127, 255, 511, 1023, 2047, 4095, 8191, 16383, 32767, 65535];
export const L2_B = [0, 3, 5, 7, 9, 15, 31, 63, 127, 255, 511, 1023, 2047, 4095, 8191, 65535];
export const L2_C = [0, 3, 5, 7, 9, 15, 31, 65535];
export const L2_D = [0, 3, 5, 65535];
export const L2_E = [0, 3, 5, 9, 15, 31, 63, 127, 255, 511, 1023, 2047, 4095, 8191, 16383, 32767];
export const L2_F = [0, 3, 5, 7, 9, 15, 31, 63, 127, 255, 511, 1023, 2047, 4095, 8191, 16383];

const bitsOf = (levels: number): number => Math.ceil(Math.log2(levels + 1));

/** `count` frames by `spec`, random content from `seed`. Scale factors stay ≥ 20 (quiet) so nothing clips. */
export function randomFrames(spec: FrameSpec, count: number, seed: number): Uint8Array {
  const rnd = prng(seed);
  const nch = spec.mode === 3 ? 1 : 2;
  const sblimit = spec.layer === 1 ? 32 : spec.limit!;
  const bound = spec.mode === 1 ? Math.min(sblimit, 4 * (spec.modeExtension + 1)) : sblimit;
  const out = new Uint8Array(spec.frameBytes * count);
  for (let f = 0; f < count; f++) {
    // Levels per [ch][sb] and the allocation value written; shrink allocations until the frame's bits fit.
    const alloc: number[][] = [[], []];
    const bitsPerSb: number[] = [];
    let sb = 0;
    if (spec.layer === 1) for (; sb < 32; sb++) bitsPerSb.push(4);
    else for (const [n, bits] of spec.table!) for (let k = 0; k < n && sb < sblimit; k++, sb++) bitsPerSb.push(bits);
    const levelsOf = (s: number, a: number): number => {
      if (spec.layer === 1) return a === 0 ? 0 : (1 << (a + 1)) - 1;
      let i = 0;
      for (const [n, , levels] of spec.table!) {
        if (s < i + n) return levels[a]!;
        i += n;
      }
      return 0;
    };
    for (let s = 0; s < sblimit; s++) {
      for (let ch = 0; ch < nch; ch++) {
        const max = Math.min(spec.maxAllocation ?? 14, spec.layer === 1 ? 14 : (1 << bitsPerSb[s]!) - 1);
        alloc[ch]![s] = s >= bound && ch === 1 ? alloc[0]![s]! : rnd() < 0.25 ? 0 : Math.floor(rnd() ** 2 * (max + 1));
      }
    }
    const scfsi: number[][] = [[], []];
    for (let s = 0; s < sblimit; s++) for (let ch = 0; ch < nch; ch++) scfsi[ch]![s] = Math.floor(rnd() * 4);
    const sampleBits = (s: number, ch: number): number => {
      const lv = levelsOf(s, alloc[ch]![s]!);
      if (!lv) return 0;
      if (spec.layer === 2 && (lv === 3 || lv === 5 || lv === 9)) return lv === 3 ? 5 : lv === 5 ? 7 : 10;
      return spec.layer === 2 ? 3 * bitsOf(lv) : bitsOf(lv);
    };
    const total = (): number => {
      let bits = 32;
      for (let s = 0; s < sblimit; s++) {
        for (let ch = 0; ch < nch; ch++) {
          // Counted as written in full, so the joint and the asStereo stream draw the same allocations.
          bits += bitsPerSb[s]!;
          if (alloc[ch]![s]) {
            if (spec.layer === 1) bits += 6;
            else bits += 2 + 6 * [3, 2, 1, 2][scfsi[ch]![s]!]!;
          }
          bits += 12 * sampleBits(s, ch);
        }
      }
      return bits;
    };
    while (total() > spec.frameBytes * 8) {
      const s = Math.floor(rnd() * sblimit);
      for (let ch = 0; ch < nch; ch++) if (alloc[ch]![s]) alloc[ch]![s] = Math.floor(alloc[ch]![s]! / 2);
      if (bound <= s) alloc[1]![s] = alloc[0]![s]!;
    }
    const w = new BitWriter(spec.frameBytes);
    w.write(0xfff, 11);
    w.write(spec.versionBits, 2);
    w.write(4 - spec.layer, 2);
    w.write(1, 1); // no CRC
    w.write(spec.bitrateIndex, 4);
    w.write(spec.rateIndex, 2);
    w.write(0, 1); // no padding: frameBytes is the unpadded length
    w.write(0, 1);
    w.write(spec.asStereo ? 0 : spec.mode, 2);
    w.write(spec.asStereo ? 0 : spec.modeExtension, 2);
    const shared = (s: number, ch: number): boolean => !spec.asStereo && s >= bound && ch === 1;
    w.write(0, 4); // copyright, original, emphasis
    for (let s = 0; s < sblimit; s++) for (let ch = 0; ch < nch; ch++) if (!shared(s, ch)) w.write(alloc[ch]![s]!, bitsPerSb[s]!);
    if (spec.layer === 2) for (let s = 0; s < sblimit; s++) for (let ch = 0; ch < nch; ch++) if (alloc[ch]![s]) w.write(scfsi[ch]![s]!, 2);
    const scf = (): number => 12 + Math.floor(rnd() * 51);
    for (let s = 0; s < sblimit; s++) {
      for (let ch = 0; ch < nch; ch++) {
        if (!alloc[ch]![s]) continue;
        const n = spec.layer === 1 ? 1 : [3, 2, 1, 2][scfsi[ch]![s]!]!;
        for (let i = 0; i < n; i++) w.write(scf(), 6);
      }
    }
    // Twelve time slots of one sample (Layer I) or twelve granules of three (Layer II).
    for (let gr = 0; gr < 12; gr++) {
      for (let s = 0; s < sblimit; s++) {
        // Above the bound the right channel repeats the left's codes (written again only in the asStereo form).
        let codes: [number, number][] = [];
        for (let ch = 0; ch < nch; ch++) {
          const lv = levelsOf(s, alloc[ch]![s]!);
          if (s >= bound && ch === 1) {
            if (!shared(s, ch)) for (const [v, n] of codes) w.write(v, n);
            continue;
          }
          codes = [];
          if (!lv) continue;
          if (spec.layer === 1) codes.push([Math.floor(rnd() * lv), bitsOf(lv)]);
          else if (lv === 3 || lv === 5 || lv === 9) codes.push([Math.floor(rnd() * lv ** 3), lv === 3 ? 5 : lv === 5 ? 7 : 10]);
          else for (let k = 0; k < 3; k++) codes.push([Math.floor(rnd() * lv), bitsOf(lv)]);
          for (const [v, n] of codes) w.write(v, n);
        }
      }
    }
    out.set(w.bytes, f * spec.frameBytes);
  }
  return out;
}
