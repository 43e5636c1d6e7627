// Layer I and Layer II frame decoding (ISO/IEC 11172-3 §2.4.1.5–2.4.1.6 and §2.4.3.2–2.4.3.3; the MPEG-2 low
// sampling frequencies' Layer II allocation table of 13818-3 Annex B, Table B.1): bit allocation, scale factor
// selection information, scale factors, (grouped) samples, requantisation, and the synthesis filterbank (./synth).
// Both layers code 32 subbands directly, so there is no reservoir and no state between frames but the filterbank's.
// A frame whose allocation or scale factors hold values no encoder writes yields silence and is reported.

import type { MpegHeader } from './header';
import { MODE_JOINT, MODE_MONO } from './header';
import { Synthesis } from './synth';

/**
 * Quantisation classes by code (11172-3 Table B.4): 0 none; 2..16 ungrouped with 2^n - 1 levels in n bits (2 only in
 * Layer I); 17, 18, 19 grouped three samples to one codeword of 5, 7, 10 bits with 3, 5, 9 levels.
 */
const GROUPED_LEVELS = [3, 5, 9];
const GROUPED_BITS = [5, 7, 10];

/**
 * Layer II possible allocations per subband group (Tables B.2a–d, 13818-3 B.1), as quantisation class codes indexed by
 * the allocation value read from the stream.
 */
const CLASSES_A = [0, 17, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]; // 3, 7, 15 … 65535 levels
const CLASSES_B = [0, 17, 18, 3, 19, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16]; // 3, 5, 7, 9, 15 … 8191, 65535
const CLASSES_C = [0, 17, 18, 3, 19, 4, 5, 16]; // 3, 5, 7, 9, 15, 31, 65535
const CLASSES_D = [0, 17, 18, 16]; // 3, 5, 65535
const CLASSES_E = [0, 17, 18, 19, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]; // 3, 5, 9, 15 … 32767 (first 8 / 4 in 3 / 2 bits)
const CLASSES_F = [0, 17, 18, 3, 19, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]; // 3, 5, 7, 9, 15 … 16383

/** [subbands, allocation bits, classes] runs of one table, from subband 0 on. */
type AllocTable = readonly (readonly [number, number, readonly number[]])[];
/** Table B.2a (27 subbands) and B.2b (30): the same runs, cut at the table's subband limit. */
const TABLE_AB: AllocTable = [
  [3, 4, CLASSES_A],
  [8, 4, CLASSES_B],
  [12, 3, CLASSES_C],
  [7, 2, CLASSES_D],
];
/** Tables B.2c (8 subbands) and B.2d (12): low bitrates. */
const TABLE_CD: AllocTable = [
  [2, 4, CLASSES_E],
  [10, 3, CLASSES_E],
];
/** 13818-3 Table B.1: Layer II at 16, 22.05 and 24 kHz (30 subbands). */
const TABLE_LSF: AllocTable = [
  [4, 4, CLASSES_F],
  [7, 3, CLASSES_E],
  [19, 2, CLASSES_E],
];

/** Scale factors (Table B.1): 2 · 2^(-i/3) for i = 0..62; 63 is not a scale factor. */
const SCALE = Float64Array.from({ length: 63 }, (_, i) => 2 * Math.pow(2, -i / 3));

/** The allocation table and subband limit of a Layer II frame (11172-3 Table B.2 selection, 13818-3 B.1). */
function layer2Table(h: MpegHeader): { table: AllocTable; limit: number } {
  if (h.lsf) return { table: TABLE_LSF, limit: 30 };
  const perChannel = h.mode === MODE_MONO ? h.bitrate : h.bitrate / 2;
  if (perChannel < 56) return { table: TABLE_CD, limit: h.sampleRate === 32000 ? 12 : 8 };
  if (perChannel >= 96 && h.sampleRate !== 48000) return { table: TABLE_AB, limit: 30 };
  return { table: TABLE_AB, limit: 27 };
}

/** Reads bits MSB first; past the end it reads zeros. */
class Reader {
  pos: number;
  constructor(
    private readonly b: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start * 8;
  }
  read(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const p = this.pos++;
      const byte = p >> 3 < this.end ? this.b[p >> 3]! : 0;
      v = (v << 1) | ((byte >> (7 - (p & 7))) & 1);
    }
    return v >>> 0;
  }
  get overrun(): boolean {
    return this.pos > this.end * 8;
  }
}

export class Layer12Decoder {
  readonly channels: number;
  private readonly synth = [new Synthesis(), new Synthesis()];
  /** Quantisation class per channel and subband. */
  private readonly cls = [new Int32Array(32), new Int32Array(32)];
  /** Scale factor per channel, subband and part (three parts in Layer II, one in Layer I). */
  private readonly scale = [new Float64Array(96), new Float64Array(96)];
  /** Subband samples of one time slot group: [ch][sb · 18 + t], the layout ./synth reads (t < 3 used here). */
  private readonly sub = [new Float64Array(576), new Float64Array(576)];

  constructor(first: MpegHeader) {
    this.channels = first.channels;
  }

  /** Decodes the frame at b[off..off + h.frameBytes) into out[ch][at..at + h.samples); silence when it cannot. */
  decodeFrame(b: Uint8Array, off: number, h: MpegHeader, out: Float32Array[], at: number): 'ok' | 'damaged' {
    const end = off + h.frameBytes;
    const r = new Reader(b, off + 4 + (h.crc ? 2 : 0), end);
    const ok = h.layer === 1 ? this.layer1(r, h, out, at) : this.layer2(r, h, out, at);
    if (ok && !r.overrun) return 'ok';
    for (const o of out) o.fill(0, at, at + h.samples);
    for (const s of this.synth) s.reset();
    return 'damaged';
  }

  private bound(h: MpegHeader, limit: number): number {
    if (h.mode === MODE_JOINT) return Math.min(limit, 4 * (h.modeExtension + 1));
    return limit;
  }

  private layer1(r: Reader, h: MpegHeader, out: Float32Array[], at: number): boolean {
    const nch = this.channels;
    const bound = this.bound(h, 32);
    for (let sb = 0; sb < 32; sb++) {
      for (let ch = 0; ch < nch; ch++) {
        if (sb >= bound && ch === 1) {
          this.cls[1]![sb] = this.cls[0]![sb]!;
          continue;
        }
        const a = r.read(4);
        if (a === 15) return false; // forbidden allocation
        this.cls[ch]![sb] = a === 0 ? 0 : a + 1;
      }
    }
    for (let sb = 0; sb < 32; sb++) {
      for (let ch = 0; ch < nch; ch++) {
        if (this.cls[ch]![sb]) {
          const i = r.read(6);
          if (i === 63) return false;
          this.scale[ch]![sb * 3] = SCALE[i]!;
        }
      }
    }
    for (let slot = 0; slot < 12; slot++) {
      for (let sb = 0; sb < 32; sb++) {
        // Above the joint stereo bound one sample serves both channels, each with its own scale factor.
        let sample = 0;
        for (let ch = 0; ch < nch; ch++) {
          const n = this.cls[ch]![sb]!;
          if (n && !(sb >= bound && ch === 1)) sample = ungrouped(r.read(n), n);
          this.sub[ch]![sb * 18] = n ? sample * this.scale[ch]![sb * 3]! : 0;
        }
      }
      for (let ch = 0; ch < nch; ch++) this.synth[ch]!.run(this.sub[ch]!, 0, out[ch]!, at + slot * 32);
    }
    return true;
  }

  private layer2(r: Reader, h: MpegHeader, out: Float32Array[], at: number): boolean {
    const nch = this.channels;
    const { table, limit } = layer2Table(h);
    const bound = this.bound(h, limit);
    let sb = 0;
    for (const [count, bits, classes] of table) {
      for (let k = 0; k < count && sb < limit; k++, sb++) {
        for (let ch = 0; ch < nch; ch++) {
          if (sb >= bound && ch === 1) this.cls[1]![sb] = this.cls[0]![sb]!;
          else this.cls[ch]![sb] = classes[r.read(bits)]!;
        }
      }
    }
    for (; sb < 32; sb++) for (let ch = 0; ch < nch; ch++) this.cls[ch]![sb] = 0;
    const scfsi = new Int32Array(64);
    for (let s = 0; s < limit; s++) for (let ch = 0; ch < nch; ch++) if (this.cls[ch]![s]) scfsi[ch * 32 + s] = r.read(2);
    for (let s = 0; s < limit; s++) {
      for (let ch = 0; ch < nch; ch++) {
        if (!this.cls[ch]![s]) continue;
        const sc = this.scale[ch]!;
        const read = (): number => r.read(6);
        let i0: number;
        let i1: number;
        let i2: number;
        // scfsi (11172-3 §2.4.2.6): 0 three scale factors; 1 the first serves parts 0 and 1; 2 one for all three;
        // 3 the second serves parts 1 and 2.
        switch (scfsi[ch * 32 + s]) {
          case 0:
            i0 = read();
            i1 = read();
            i2 = read();
            break;
          case 1:
            i0 = i1 = read();
            i2 = read();
            break;
          case 2:
            i0 = i1 = i2 = read();
            break;
          default:
            i0 = read();
            i1 = i2 = read();
        }
        if (i0 === 63 || i1 === 63 || i2 === 63) return false;
        sc[s * 3] = SCALE[i0]!;
        sc[s * 3 + 1] = SCALE[i1]!;
        sc[s * 3 + 2] = SCALE[i2]!;
      }
    }
    const triple = new Float64Array(3);
    for (let gr = 0; gr < 12; gr++) {
      const part = gr >> 2;
      for (let s = 0; s < 32; s++) {
        for (let ch = 0; ch < nch; ch++) {
          const dst = this.sub[ch]!;
          const n = this.cls[ch]![s]!;
          if (!n || s >= limit) {
            dst[s * 18] = dst[s * 18 + 1] = dst[s * 18 + 2] = 0;
            continue;
          }
          if (!(s >= bound && ch === 1)) {
            if (n >= 17) {
              const levels = GROUPED_LEVELS[n - 17]!;
              let code = r.read(GROUPED_BITS[n - 17]!);
              for (let k = 0; k < 3; k++) {
                triple[k] = (2 * (code % levels) - (levels - 1)) / levels;
                code = Math.floor(code / levels);
              }
            } else {
              for (let k = 0; k < 3; k++) triple[k] = ungrouped(r.read(n), n);
            }
          }
          // Above the joint stereo bound the right channel reuses the left's samples (still in `triple`).
          const f = this.scale[ch]![s * 3 + part]!;
          for (let k = 0; k < 3; k++) dst[s * 18 + k] = triple[k]! * f;
        }
      }
      for (let ch = 0; ch < nch; ch++) {
        for (let k = 0; k < 3; k++) this.synth[ch]!.run(this.sub[ch]!, k, out[ch]!, at + (gr * 3 + k) * 32);
      }
    }
    return true;
  }
}

/** An n-bit sample code of 2^n - 1 levels as a fraction in (-1, 1) (11172-3 §2.4.3.2.1: s''' = C (s'' + D)). */
function ungrouped(code: number, n: number): number {
  const levels = (1 << n) - 1;
  return (2 * code - (levels - 1)) / levels;
}
