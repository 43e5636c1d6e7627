// Layer III frame decoding (ISO/IEC 11172-3 §2.4.1.7–2.4.3.4, with the MPEG-2/2.5 low-sampling-frequency side
// information and scale factors of 13818-3 §2.4.3.2): side information, the bit reservoir, scale factors, Huffman
// decoding, requantisation, short-block reordering, M/S and intensity stereo, alias reduction, IMDCT with overlap-add,
// frequency inversion, and the synthesis filterbank (./synth). One Layer3Decoder holds one stream's state between
// frames (reservoir, overlap, synthesis FIFO). A frame it cannot decode (damaged side information, data beyond what
// the frame and the reservoir hold, a CRC mismatch) yields silence and is reported; nothing here throws on bad input.

import { bigValueTables, count1Tables, PRIMARY_BITS, type HuffmanTable } from './huffman';
import { MODE_JOINT, sideInfoBytes, type MpegHeader } from './header';
import { Synthesis } from './synth';
import { ALIAS_C, LINBITS, LONG_BAND_WIDTHS, LSF_SFB_COUNTS, PRETAB, SHORT_BAND_WIDTHS, SLEN_MPEG1 } from './tables';

/** What decodeFrame made of a frame. */
export type FrameOutcome = 'ok' | 'damaged' | 'no-reservoir';

interface GranuleInfo {
  part23: number;
  bigValues: number;
  globalGain: number;
  sfCompress: number;
  blockType: number;
  mixed: boolean;
  tableSelect: [number, number, number];
  subblockGain: [number, number, number];
  region1Start: number;
  region2Start: number;
  preflag: number;
  sfScale: number;
  count1Table: number;
}

/** Reads bits MSB first from a byte array that has at least 8 readable bytes past any position read. */
class Bits {
  buf: Uint8Array;
  pos = 0;
  constructor(buf: Uint8Array) {
    this.buf = buf;
  }
  /** The 32 bits from pos on, left-aligned, as an unsigned number. */
  peek32(): number {
    const p = this.pos >>> 3;
    const s = this.pos & 7;
    const b = this.buf;
    const w = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    return s === 0 ? w : ((w << s) | (b[p + 4]! >>> (8 - s))) >>> 0;
  }
  /** n ≤ 24 bits. */
  read(n: number): number {
    if (n === 0) return 0;
    const v = this.peek32() >>> (32 - n);
    this.pos += n;
    return v;
  }
}

/** |i|^(4/3) for every value a Huffman code with 13 linbits can give (15 + 2^13 - 1). */
const POW43 = new Float64Array(8207);
for (let i = 0; i < POW43.length; i++) POW43[i] = Math.pow(i, 4 / 3);

/** Alias-reduction butterflies cs_i, ca_i (11172-3 §2.4.3.4.10, from Table B.9's c_i). */
const CS = ALIAS_C.map((c) => 1 / Math.sqrt(1 + c * c));
const CA = ALIAS_C.map((c) => c / Math.sqrt(1 + c * c));

/** IMDCT windows for block types 0, 1, 3 (36 taps) and 2 (12 taps): 11172-3 §2.4.3.4.10.1. */
const WINDOWS: Float64Array[] = (() => {
  const w = [new Float64Array(36), new Float64Array(36), new Float64Array(12), new Float64Array(36)];
  for (let i = 0; i < 36; i++) w[0]![i] = Math.sin((Math.PI / 36) * (i + 0.5));
  for (let i = 0; i < 18; i++) w[1]![i] = w[0]![i]!;
  for (let i = 18; i < 24; i++) w[1]![i] = 1;
  for (let i = 24; i < 30; i++) w[1]![i] = Math.sin((Math.PI / 12) * (i - 18 + 0.5));
  for (let i = 6; i < 12; i++) w[3]![i] = Math.sin((Math.PI / 12) * (i - 6 + 0.5));
  for (let i = 12; i < 18; i++) w[3]![i] = 1;
  for (let i = 18; i < 36; i++) w[3]![i] = w[0]![i]!;
  for (let i = 0; i < 12; i++) w[2]![i] = Math.sin((Math.PI / 12) * (i + 0.5));
  return w;
})();

/**
 * The 36-point IMDCT folds out of an 18-point DCT-IV, y[m] = Σ_k x[k] cos(π/18 (m + ½)(k + ½)), computed as a DCT-II
 * of x[k] · 2cos(π(2k + 1)/72) followed by y[m] = v[m] - y[m - 1] (2 cos a cos b = cos(a + b) + cos(a - b)); the
 * DCT-II of 18 splits into two of 9 (sums, and differences scaled by 1 / (2 cos(π(2k + 1)/36))), done directly.
 */
const IV_PRE = Float64Array.from({ length: 18 }, (_, k) => 2 * Math.cos((Math.PI * (2 * k + 1)) / 72));
const II_ODD = Float64Array.from({ length: 9 }, (_, k) => 1 / (2 * Math.cos((Math.PI * (2 * k + 1)) / 36)));
/** cos(π m (2k + 1) / 18) at [9m + k]: the 9-point DCT-II. */
const COS9 = new Float64Array(81);
for (let m = 0; m < 9; m++) for (let k = 0; k < 9; k++) COS9[9 * m + k] = Math.cos((Math.PI * m * (2 * k + 1)) / 18);
/** Scratch of the 18-point DCT-IV: u (18), a (9), b (9), A (9), B (9). */
const IV = new Float64Array(54);

/** y[m] = Σ_k x[o + k] cos(π/18 (m + ½)(k + ½)) for m < 18 (exported for its unit test). */
export function dct4x18(x: Float64Array, o: number, y: Float64Array): void {
  const t = IV;
  for (let k = 0; k < 9; k++) {
    const u = x[o + k]! * IV_PRE[k]!;
    const v = x[o + 17 - k]! * IV_PRE[17 - k]!;
    t[k] = u + v;
    t[9 + k] = (u - v) * II_ODD[k]!;
  }
  for (let m = 0; m < 9; m++) {
    let a = 0;
    let b = 0;
    const r = 9 * m;
    for (let k = 0; k < 9; k++) {
      a += t[k]! * COS9[r + k]!;
      b += t[9 + k]! * COS9[r + k]!;
    }
    t[18 + m] = a;
    t[27 + m] = b;
  }
  // v[2m] = A[m], v[2m + 1] = B[m] + B[m + 1] (B[9] = 0); then y[m] = v[m] - y[m - 1], y[0] = v[0] / 2.
  let prev = t[18]! / 2;
  y[0] = prev;
  for (let m = 1; m < 18; m++) {
    const h = m >> 1;
    const v = m & 1 ? t[27 + h]! + (h < 8 ? t[28 + h]! : 0) : t[18 + h]!;
    prev = v - prev;
    y[m] = prev;
  }
}

/** The 12-point IMDCT of a short window: x[i] = Σ_k X[k] cos(π/24 (2i + 1 + 6)(2k + 1)). */
const COS12 = new Float64Array(12 * 6);
for (let i = 0; i < 12; i++) for (let k = 0; k < 6; k++) COS12[i * 6 + k] = Math.cos((Math.PI / 24) * (2 * i + 7) * (2 * k + 1));

/** MPEG-1 intensity ratios for is_pos 0..6: left and right factors tan/(1+tan) and 1/(1+tan) (§2.4.3.4.9.3). */
const IS_LEFT = new Float64Array(7);
const IS_RIGHT = new Float64Array(7);
for (let p = 0; p < 7; p++) {
  if (p === 6) {
    IS_LEFT[p] = 1; // tan(π/2): all to the left
    IS_RIGHT[p] = 0;
  } else {
    const r = Math.tan((p * Math.PI) / 12);
    IS_LEFT[p] = r / (1 + r);
    IS_RIGHT[p] = 1 / (1 + r);
  }
}

/** Band boundaries per rate index: long[0..22] and short[0..13] (one window's lines). */
const LONG_BOUNDS = LONG_BAND_WIDTHS.map((w) => bounds(w));
const SHORT_BOUNDS = SHORT_BAND_WIDTHS.map((w) => bounds(w));
function bounds(widths: readonly number[]): Int32Array {
  const b = new Int32Array(widths.length + 1);
  for (let i = 0; i < widths.length; i++) b[i + 1] = b[i]! + widths[i]!;
  return b;
}

/** Reservoir bytes kept: main_data_begin reaches back at most 511 bytes (9 bits, MPEG-1). */
const RESERVOIR_KEEP = 512;
/** The longest Layer III frame: 320 kbit/s at 32 kHz, or 160 kbit/s at 8 kHz, is 1441 bytes; a margin above it. */
const MAX_FRAME = 2048;

/** What the decoded granules used (for tests that must know a feature was exercised). */
export interface GranuleCounts {
  granules: number;
  short: number;
  mixed: number;
  msStereo: number;
  intensityStereo: number;
  /** Scale factor bands (per window for short blocks) holding sound that were decoded as intensity stereo. */
  intensityBands: number;
}

export class Layer3Decoder {
  readonly channels: number;
  readonly counts: GranuleCounts = { granules: 0, short: 0, mixed: 0, msStereo: 0, intensityStereo: 0, intensityBands: 0 };
  private readonly lsf: boolean;
  private readonly longBounds: Int32Array;
  private readonly shortBounds: Int32Array;
  private readonly longWidths: readonly number[];
  private readonly shortWidths: readonly number[];
  /** Main data of past frames followed by the current frame's, 8 zero bytes of slack after it. */
  private readonly md = new Uint8Array(RESERVOIR_KEEP + MAX_FRAME * 2 + 8);
  private mdLen = 0;
  private readonly bits = new Bits(this.md);
  private readonly gr: GranuleInfo[][];
  private readonly scfsi = [new Int32Array(4), new Int32Array(4)];
  /** Scale factors per channel: long bands 0–21, then short bands 0–12 × 3 windows at 22 + 3·sfb + w. */
  private readonly sf = [new Int32Array(22 + 39), new Int32Array(22 + 39)];
  /** The largest legal value of each scale factor (2^slen - 1), for MPEG-2 intensity stereo's illegal position. */
  private readonly sfMax = new Int32Array(22 + 39);
  private readonly ints = [new Int32Array(576), new Int32Array(576)];
  private readonly xr = [new Float64Array(576), new Float64Array(576)];
  /** One past the last line that may be nonzero, per channel. */
  private readonly nonzero = new Int32Array(2);
  private readonly overlap = [new Float64Array(576), new Float64Array(576)];
  private readonly synth = [new Synthesis(), new Synthesis()];
  private readonly reordered = new Float64Array(576);
  private readonly subbandOut = new Float64Array(576);
  private readonly rawX = new Float64Array(18);
  private readonly imdctY = new Float64Array(36);
  private readonly pairTables = bigValueTables();
  private readonly quadTables = count1Tables();

  constructor(first: MpegHeader) {
    this.channels = first.channels;
    this.lsf = first.lsf;
    this.longBounds = LONG_BOUNDS[first.rateIndex]!;
    this.shortBounds = SHORT_BOUNDS[first.rateIndex]!;
    this.longWidths = LONG_BAND_WIDTHS[first.rateIndex]!;
    this.shortWidths = SHORT_BAND_WIDTHS[first.rateIndex]!;
    const granule = (): GranuleInfo => ({
      part23: 0,
      bigValues: 0,
      globalGain: 0,
      sfCompress: 0,
      blockType: 0,
      mixed: false,
      tableSelect: [0, 0, 0],
      subblockGain: [0, 0, 0],
      region1Start: 0,
      region2Start: 0,
      preflag: 0,
      sfScale: 0,
      count1Table: 0,
    });
    this.gr = [
      [granule(), granule()],
      [granule(), granule()],
    ];
  }

  /**
   * Decodes the frame at b[off..off + h.frameBytes) into out[ch][at..at + h.samples) (one array per stream channel).
   * A frame that cannot be decoded leaves silence there.
   */
  decodeFrame(b: Uint8Array, off: number, h: MpegHeader, out: Float32Array[], at: number): FrameOutcome {
    const nch = this.channels;
    const sideAt = off + 4 + (h.crc ? 2 : 0);
    const sideLen = sideInfoBytes(h);
    const dataAt = sideAt + sideLen;
    const end = off + h.frameBytes;
    if (dataAt > end) {
      this.silence(out, at, h.samples);
      return 'damaged';
    }
    if (h.crc && crc16(b, off, sideAt, sideLen) !== ((b[off + 4]! << 8) | b[off + 5]!)) {
      this.appendMainData(b, dataAt, end);
      this.silence(out, at, h.samples);
      return 'damaged';
    }
    const side = new Bits(b);
    side.pos = sideAt * 8;
    const mainDataBegin = this.readSideInfo(side, h);
    const added = this.appendMainData(b, dataAt, end);
    const reservoir = this.mdLen - added;
    if (mainDataBegin < 0) {
      this.silence(out, at, h.samples);
      return 'damaged';
    }
    if (mainDataBegin > reservoir) {
      // The frames holding the start of this one's data are missing (a stream cut from the middle, or lost frames).
      this.silence(out, at, h.samples);
      return 'no-reservoir';
    }
    const startBit = (reservoir - mainDataBegin) * 8;
    const availableBits = this.mdLen * 8 - startBit;
    const granules = this.lsf ? 1 : 2;
    let need = 0;
    for (let g = 0; g < granules; g++) for (let ch = 0; ch < nch; ch++) need += this.gr[g]![ch]!.part23;
    if (need > availableBits) {
      this.silence(out, at, h.samples);
      return 'damaged';
    }
    let pos = startBit;
    const msStereo = h.mode === MODE_JOINT && (h.modeExtension & 2) !== 0;
    const iStereo = h.mode === MODE_JOINT && (h.modeExtension & 1) !== 0;
    for (let g = 0; g < granules; g++) {
      for (let ch = 0; ch < nch; ch++) {
        const gi = this.gr[g]![ch]!;
        this.bits.pos = pos;
        if (this.lsf) this.readScalefactorsLsf(gi, ch, iStereo && ch === 1);
        else this.readScalefactorsMpeg1(gi, ch, g);
        if (!this.huffman(gi, ch, pos + gi.part23)) {
          this.silence(out, at, h.samples);
          return 'damaged';
        }
        this.dequantize(gi, ch);
        if (gi.blockType === 2) this.reorder(gi, ch);
        pos += gi.part23;
      }
      const c = this.counts;
      c.granules++;
      if (this.gr[g]![0]!.blockType === 2) c.short++;
      if (this.gr[g]![0]!.mixed) c.mixed++;
      if (nch === 2 && msStereo) c.msStereo++;
      if (nch === 2 && iStereo) c.intensityStereo++;
      if (nch === 2 && (msStereo || iStereo)) this.stereo(this.gr[g]!, msStereo, iStereo);
      for (let ch = 0; ch < nch; ch++) this.hybridAndSynth(this.gr[g]![ch]!, ch, out[ch]!, at + g * 576);
    }
    return 'ok';
  }

  /** Clears the state carried between frames except the reservoir (after a gap in the stream). */
  private silence(out: Float32Array[], at: number, n: number): void {
    for (const o of out) o.fill(0, at, at + n);
    for (const o of this.overlap) o.fill(0);
    for (const s of this.synth) s.reset();
  }

  /** Appends a frame's main data (keeping the reservoir's last bytes when the buffer is full); returns its length. */
  private appendMainData(b: Uint8Array, from: number, to: number): number {
    const n = Math.max(0, Math.min(to, b.length) - from);
    if (this.mdLen + n > this.md.length - 8) {
      const keep = Math.min(this.mdLen, RESERVOIR_KEEP);
      this.md.copyWithin(0, this.mdLen - keep, this.mdLen);
      this.mdLen = keep;
    }
    this.md.set(b.subarray(from, from + n), this.mdLen);
    this.mdLen += n;
    this.md.fill(0, this.mdLen, this.mdLen + 8);
    return n;
  }

  /** Side information into this.gr; returns main_data_begin, or -1 when a field has a value no encoder writes. */
  private readSideInfo(r: Bits, h: MpegHeader): number {
    const nch = this.channels;
    let mainDataBegin: number;
    if (this.lsf) {
      mainDataBegin = r.read(8);
      r.read(nch === 1 ? 1 : 2); // private bits
    } else {
      mainDataBegin = r.read(9);
      r.read(nch === 1 ? 5 : 3);
      for (let ch = 0; ch < nch; ch++) for (let band = 0; band < 4; band++) this.scfsi[ch]![band] = r.read(1);
    }
    const granules = this.lsf ? 1 : 2;
    let ok = true;
    for (let g = 0; g < granules; g++) {
      for (let ch = 0; ch < nch; ch++) {
        const gi = this.gr[g]![ch]!;
        gi.part23 = r.read(12);
        gi.bigValues = r.read(9);
        gi.globalGain = r.read(8);
        gi.sfCompress = r.read(this.lsf ? 9 : 4);
        // 288 pairs fill the 576 lines; more cannot be placed.
        if (gi.bigValues > 288) ok = false;
        if (r.read(1)) {
          gi.blockType = r.read(2);
          gi.mixed = r.read(1) === 1;
          gi.tableSelect[0] = r.read(5);
          gi.tableSelect[1] = r.read(5);
          gi.tableSelect[2] = 0;
          for (let w = 0; w < 3; w++) gi.subblockGain[w] = r.read(3);
          // Block type 0 with window switching is forbidden (11172-3 §2.4.2.7).
          if (gi.blockType === 0) ok = false;
          // Regions are implicit (region 2 is empty): region 1 starts after the first three short bands of each window
          // for short blocks, after long band 8 for the other switched blocks; mixed blocks start it at line 36 except
          // in MPEG-2.5, as mpg123 does (the standard leaves the 8 kHz band layout's wider bands to implementations).
          const shortOnly = gi.blockType === 2 && !gi.mixed;
          gi.region1Start = shortOnly ? 3 * this.shortBounds[3]! : gi.mixed && !h.mpeg25 ? 36 : this.longBounds[8]!;
          gi.region2Start = 576;
        } else {
          gi.blockType = 0;
          gi.mixed = false;
          for (let t = 0; t < 3; t++) gi.tableSelect[t] = r.read(5);
          gi.subblockGain[0] = gi.subblockGain[1] = gi.subblockGain[2] = 0;
          const r0 = r.read(4);
          const r1 = r.read(3);
          gi.region1Start = this.longBounds[Math.min(r0 + 1, 22)]!;
          gi.region2Start = this.longBounds[Math.min(r0 + r1 + 2, 22)]!;
        }
        for (let t = 0; t < 3; t++) if (gi.tableSelect[t] === 4 || gi.tableSelect[t] === 14) ok = false;
        gi.preflag = this.lsf ? 0 : r.read(1);
        gi.sfScale = r.read(1);
        gi.count1Table = r.read(1);
      }
    }
    return ok ? mainDataBegin : -1;
  }

  private readScalefactorsMpeg1(gi: GranuleInfo, ch: number, g: number): void {
    const sf = this.sf[ch]!;
    const r = this.bits;
    const [slen1, slen2] = SLEN_MPEG1[gi.sfCompress]!;
    if (gi.blockType === 2) {
      let sfb = 0;
      if (gi.mixed) {
        for (; sfb < 8; sfb++) sf[sfb] = r.read(slen1);
        sfb = 3;
      }
      for (; sfb < 12; sfb++) {
        const n = sfb < 6 ? slen1 : slen2;
        for (let w = 0; w < 3; w++) sf[22 + 3 * sfb + w] = r.read(n);
      }
      for (let w = 0; w < 3; w++) sf[22 + 36 + w] = 0;
      return;
    }
    const groups = [0, 6, 11, 16, 21];
    for (let band = 0; band < 4; band++) {
      if (g === 1 && this.scfsi[ch]![band]) continue; // kept from granule 0
      const n = band < 2 ? slen1 : slen2;
      for (let sfb = groups[band]!; sfb < groups[band + 1]!; sfb++) sf[sfb] = r.read(n);
    }
    sf[21] = 0;
  }

  private readScalefactorsLsf(gi: GranuleInfo, ch: number, intensityRight: boolean): void {
    const sf = this.sf[ch]!;
    const r = this.bits;
    const slen = [0, 0, 0, 0];
    let row: number;
    if (!intensityRight) {
      const c = gi.sfCompress;
      if (c < 400) {
        slen[0] = Math.floor((c >> 4) / 5);
        slen[1] = (c >> 4) % 5;
        slen[2] = (c & 15) >> 2;
        slen[3] = c & 3;
        row = 0;
      } else if (c < 500) {
        const d = c - 400;
        slen[0] = Math.floor((d >> 2) / 5);
        slen[1] = (d >> 2) % 5;
        slen[2] = d & 3;
        row = 1;
      } else {
        const d = c - 500;
        slen[0] = Math.floor(d / 3);
        slen[1] = d % 3;
        gi.preflag = 1;
        row = 2;
      }
    } else {
      const c = gi.sfCompress >> 1;
      if (c < 180) {
        slen[0] = Math.floor(c / 36);
        slen[1] = Math.floor((c % 36) / 6);
        slen[2] = (c % 36) % 6;
        row = 3;
      } else if (c < 244) {
        const d = c - 180;
        slen[0] = (d & 63) >> 4;
        slen[1] = (d & 15) >> 2;
        slen[2] = d & 3;
        row = 4;
      } else {
        const d = c - 244;
        slen[0] = Math.floor(d / 3);
        slen[1] = d % 3;
        row = 5;
      }
    }
    const layout = gi.blockType === 2 ? (gi.mixed ? 2 : 1) : 0;
    const counts = LSF_SFB_COUNTS[row]![layout]!;
    // The positions the values fill, in bitstream order.
    let k = 0;
    const place = (): number => {
      const i = k++;
      if (layout === 0) return i;
      if (layout === 1) return 22 + i; // short band i/3, window i%3
      return i < 6 ? i : 22 + 9 + (i - 6); // six long bands, then short bands from 3 on
    };
    for (let part = 0; part < 4; part++) {
      const n = slen[part]!;
      for (let j = 0; j < counts[part]!; j++) {
        const at = place();
        sf[at] = r.read(n);
        // A 0-bit scale factor is position 0, a legal one (as minimp3 reads 13818-3); -1 never matches.
        this.sfMax[at] = n === 0 ? -1 : (1 << n) - 1;
      }
    }
    // Bands the partitions leave out (the last of each kind) have scale factor 0.
    for (; k < (layout === 0 ? 22 : layout === 1 ? 39 : 6 + 30); ) {
      const at = place();
      sf[at] = 0;
      this.sfMax[at] = 0;
    }
  }

  /** Huffman decoding of big values and count1 quadruples up to bit `end`; false on a code that runs past it. */
  private huffman(gi: GranuleInfo, ch: number, end: number): boolean {
    const r = this.bits;
    const out = this.ints[ch]!;
    out.fill(0);
    const bigEnd = gi.bigValues * 2;
    let i = 0;
    for (let region = 0; region < 3 && i < bigEnd; region++) {
      const regionEnd = Math.min(bigEnd, region === 0 ? gi.region1Start : region === 1 ? gi.region2Start : 576);
      const tableNo = gi.tableSelect[region]!;
      const table = this.pairTables[tableNo];
      if (!table) {
        // Table 0: every value in the region is zero and takes no bits.
        if (i < regionEnd) i = regionEnd;
        continue;
      }
      const linbits = LINBITS[tableNo]!;
      for (; i < regionEnd; i += 2) {
        const leaf = lookup(table, r);
        let x = (leaf >> 4) & 15;
        let y = leaf & 15;
        if (x !== 0) {
          if (x === 15 && linbits) x += r.read(linbits);
          if (r.read(1)) x = -x;
        }
        if (y !== 0) {
          if (y === 15 && linbits) y += r.read(linbits);
          if (r.read(1)) y = -y;
        }
        out[i] = x;
        out[i + 1] = y;
      }
      if (r.pos > end) return false;
    }
    i = Math.max(i, Math.min(bigEnd, 576));
    const quad = this.quadTables[gi.count1Table]!;
    while (i + 4 <= 576 && r.pos < end) {
      const leaf = lookup(quad, r);
      if (r.pos > end) break; // a code cut by the end of the granule's data is not part of it
      for (let j = 0; j < 4; j++) {
        if (leaf & (8 >> j)) out[i + j] = r.read(1) ? -1 : 1;
      }
      i += 4;
    }
    this.nonzero[ch] = i;
    return true;
  }

  /** Requantisation (11172-3 §2.4.3.4.7): xr = sign · |is|^(4/3) · 2^(gain/4) · 2^(-scale factor terms). */
  private dequantize(gi: GranuleInfo, ch: number): void {
    const is = this.ints[ch]!;
    const xr = this.xr[ch]!;
    const sf = this.sf[ch]!;
    const n = this.nonzero[ch]!;
    xr.fill(0);
    const base = 0.25 * (gi.globalGain - 210);
    const mult = 0.5 * (1 + gi.sfScale);
    const apply = (from: number, to: number, exponent: number): void => {
      const g = Math.pow(2, exponent);
      for (let i = from; i < to && i < n; i++) {
        const v = is[i]!;
        if (v !== 0) xr[i] = v > 0 ? POW43[v]! * g : -POW43[-v]! * g;
      }
    };
    let shortFrom = 0;
    if (gi.blockType !== 2 || gi.mixed) {
      const lastLong = gi.blockType === 2 ? this.mixedLongBands() : 22;
      for (let sfb = 0; sfb < lastLong; sfb++) {
        apply(this.longBounds[sfb]!, this.longBounds[sfb + 1]!, base - mult * (sf[sfb]! + gi.preflag * PRETAB[sfb]!));
      }
      if (gi.blockType !== 2) return;
      shortFrom = 3;
    }
    for (let sfb = shortFrom; sfb < 13; sfb++) {
      const width = this.shortWidths[sfb]!;
      for (let w = 0; w < 3; w++) {
        const start = 3 * this.shortBounds[sfb]! + w * width;
        apply(start, start + width, base - 2 * gi.subblockGain[w]! - mult * sf[22 + 3 * sfb + w]!);
      }
    }
  }

  /** Long bands of a mixed block: those below line 36. */
  private mixedLongBands(): number {
    let n = 0;
    while (this.longBounds[n + 1]! <= 36) n++;
    return n;
  }

  /** M/S and intensity stereo (11172-3 §2.4.3.4.9, 13818-3 §2.4.3.2) on both channels' xr of one granule. */
  private stereo(grs: GranuleInfo[], ms: boolean, intensity: boolean): void {
    const left = this.xr[0]!;
    const right = this.xr[1]!;
    const gi = grs[1]!;
    const n = Math.max(this.nonzero[0]!, this.nonzero[1]!);
    // Lines from which intensity stereo applies; below, M/S (when on) or nothing.
    const isBand = new Uint8Array(576);
    if (intensity) this.intensity(gi, isBand);
    if (ms) {
      for (let i = 0; i < n; i++) {
        if (isBand[i]) continue;
        const m = left[i]!;
        const s = right[i]!;
        left[i] = (m + s) * Math.SQRT1_2;
        right[i] = (m - s) * Math.SQRT1_2;
      }
    }
    if (intensity) {
      // Intensity bands reach to the end of the spectrum.
      this.nonzero[0] = this.nonzero[1] = 576;
    } else {
      this.nonzero[0] = this.nonzero[1] = n;
    }
  }

  /** Applies intensity stereo where the right channel is zero from a band on; marks those lines in isBand. */
  private intensity(gi: GranuleInfo, isBand: Uint8Array): void {
    const left = this.xr[0]!;
    const right = this.xr[1]!;
    const sf = this.sf[1]!;
    const lsf = this.lsf;
    const ioScale = gi.sfCompress & 1 ? Math.SQRT1_2 : Math.pow(2, -0.25);
    const apply = (start: number, count: number, stride: number, isPos: number, illegal: boolean): void => {
      if (illegal) return;
      let kl: number;
      let kr: number;
      if (lsf) {
        if (isPos === 0) kl = kr = 1;
        else if (isPos & 1) {
          kl = Math.pow(ioScale, (isPos + 1) >> 1);
          kr = 1;
        } else {
          kl = 1;
          kr = Math.pow(ioScale, isPos >> 1);
        }
      } else {
        kl = IS_LEFT[isPos]!;
        kr = IS_RIGHT[isPos]!;
      }
      let sound = false;
      for (let k = 0, i = start; k < count; k++, i += stride) {
        const v = left[i]!;
        if (v !== 0) sound = true;
        left[i] = v * kl;
        right[i] = v * kr;
        isBand[i] = 1;
      }
      if (sound) this.counts.intensityBands++;
    };
    // The illegal position (the band is not intensity coded): 7 in MPEG-1; in MPEG-2 the largest value the band's slen
    // can hold, none when slen is 0 (13818-3 §2.4.3.2, as minimp3 reads it; LAME's mpglib tests for 7 there too, so the
    // two differ on MPEG-2 intensity stereo, which LAME never writes).
    const legal = (at: number): boolean => (lsf ? sf[at]! !== this.sfMax[at]! : sf[at]! !== 7);
    const nonzero = (start: number, count: number, stride: number): boolean => {
      for (let k = 0, i = start; k < count; k++, i += stride) if (right[i] !== 0) return true;
      return false;
    };
    /** The position that puts a band in the middle: tan(3π/12) = 1 in MPEG-1, 0 (k = 1 both sides) in MPEG-2. */
    const centre = lsf ? 0 : 3;
    if (gi.blockType === 2) {
      let allShortZero = true;
      for (let w = 0; w < 3; w++) {
        // The highest short band of window w holding a nonzero right-channel value.
        let top = -1;
        const first = gi.mixed ? 3 : 0;
        // Short bands are reordered already: window w's lines of band sfb are every third from 3·start + w.
        for (let sfb = 12; sfb >= first; sfb--) {
          if (nonzero(3 * this.shortBounds[sfb]! + w, this.shortWidths[sfb]!, 3)) {
            top = sfb;
            break;
          }
        }
        if (top >= 0) allShortZero = false;
        for (let sfb = Math.max(top + 1, first); sfb < 12; sfb++) {
          const at = 22 + 3 * sfb + w;
          apply(3 * this.shortBounds[sfb]! + w, this.shortWidths[sfb]!, 3, sf[at]!, !legal(at));
        }
        // The last band has no scale factor: it takes band 11's position when that band is intensity coded too, else
        // the centre (as minimp3 does, which passes the ISO compliance streams).
        const at = 22 + 33 + w;
        if (top < 12) apply(3 * this.shortBounds[12]! + w, this.shortWidths[12]!, 3, top < 11 ? sf[at]! : centre, top < 11 && !legal(at));
      }
      if (gi.mixed && allShortZero) this.intensityLong(this.mixedLongBands(), centre, apply, legal, nonzero);
      return;
    }
    this.intensityLong(22, centre, apply, legal, nonzero);
  }

  private intensityLong(
    bands: number,
    centre: number,
    apply: (start: number, count: number, stride: number, isPos: number, illegal: boolean) => void,
    legal: (at: number) => boolean,
    nonzero: (start: number, count: number, stride: number) => boolean,
  ): void {
    const width = (sfb: number): number => this.longBounds[sfb + 1]! - this.longBounds[sfb]!;
    let top = -1;
    for (let sfb = bands - 1; sfb >= 0; sfb--) {
      if (nonzero(this.longBounds[sfb]!, width(sfb), 1)) {
        top = sfb;
        break;
      }
    }
    const sf = this.sf[1]!;
    for (let sfb = top + 1; sfb < Math.min(bands, 21); sfb++) apply(this.longBounds[sfb]!, width(sfb), 1, sf[sfb]!, !legal(sfb));
    // Band 21 has no scale factor: band 20's position when that band is intensity coded too, else the centre.
    if (bands === 22 && top < 21) apply(this.longBounds[21]!, width(21), 1, top < 20 ? sf[20]! : centre, top < 20 && !legal(20));
  }

  /**
   * Short blocks arrive band by band, window by window; stereo processing and the IMDCT want each band's lines
   * interleaved by window (11172-3 §2.4.3.4.8), so that both channels' lines line up whatever their block types.
   */
  private reorder(gi: GranuleInfo, ch: number): void {
    const xr = this.xr[ch]!;
    const re = this.reordered;
    const shortStart = gi.mixed ? 36 : 0;
    re.fill(0);
    const firstBand = gi.mixed ? 3 : 0;
    for (let sfb = firstBand; sfb < 13; sfb++) {
      const width = this.shortWidths[sfb]!;
      const start = 3 * this.shortBounds[sfb]!;
      for (let w = 0; w < 3; w++) {
        for (let f = 0; f < width; f++) re[start + 3 * f + w] = xr[start + w * width + f]!;
      }
    }
    for (let i = shortStart; i < 576; i++) xr[i] = re[i]!;
    // A nonzero line may move up to its band's end.
    this.nonzero[ch] = 576;
  }

  /** Alias reduction, IMDCT, overlap-add, frequency inversion and synthesis of one granule of one channel. */
  private hybridAndSynth(gi: GranuleInfo, ch: number, out: Float32Array, at: number): void {
    const xr = this.xr[ch]!;
    const n = this.nonzero[ch]!;
    // Alias reduction between neighbouring long-block subbands (for a mixed block, only between subbands 0 and 1).
    const aliasBands = gi.blockType === 2 ? (gi.mixed ? 1 : 0) : Math.min(31, Math.ceil(n / 18));
    for (let sb = 0; sb < aliasBands; sb++) {
      for (let i = 0; i < 8; i++) {
        const lo = 18 * sb + 17 - i;
        const hi = 18 * (sb + 1) + i;
        const a = xr[lo]!;
        const b = xr[hi]!;
        xr[lo] = a * CS[i]! - b * CA[i]!;
        xr[hi] = b * CS[i]! + a * CA[i]!;
      }
    }
    // Subbands past the last nonzero line (plus the alias spread) only release their overlap.
    const active = gi.blockType === 2 ? 32 : Math.min(32, Math.ceil(Math.min(576, n + 8) / 18));
    const ov = this.overlap[ch]!;
    const so = this.subbandOut;
    for (let sb = 0; sb < 32; sb++) {
      const o = sb * 18;
      if (sb >= active) {
        for (let i = 0; i < 18; i++) {
          so[o + i] = ov[o + i]!;
          ov[o + i] = 0;
        }
      } else if (gi.blockType === 2 && (!gi.mixed || sb >= 2)) {
        this.imdctShort(xr, o, ov, so);
      } else {
        this.imdctLong(xr, o, ov, so, gi.blockType === 2 ? 0 : gi.blockType);
      }
      if (sb & 1) for (let i = 1; i < 18; i += 2) so[o + i] = -so[o + i]!;
    }
    const syn = this.synth[ch]!;
    for (let i = 0; i < 18; i++) syn.run(so, i, out, at + i * 32);
  }

  private imdctLong(xr: Float64Array, o: number, ov: Float64Array, so: Float64Array, blockType: number): void {
    const x = this.rawX;
    dct4x18(xr, o, x);
    // The 36 outputs from the DCT-IV y: x[i] = y[i + 9] (i < 9), -y[26 - i] (9 ≤ i < 27), -y[i - 27] (i ≥ 27).
    const y = this.imdctY;
    for (let i = 0; i < 9; i++) y[i] = x[i + 9]!;
    for (let i = 9; i < 27; i++) y[i] = -x[26 - i]!;
    for (let i = 27; i < 36; i++) y[i] = -x[i - 27]!;
    const win = WINDOWS[blockType]!;
    for (let i = 0; i < 18; i++) {
      so[o + i] = y[i]! * win[i]! + ov[o + i]!;
      ov[o + i] = y[i + 18]! * win[i + 18]!;
    }
  }

  private imdctShort(xr: Float64Array, o: number, ov: Float64Array, so: Float64Array): void {
    const z = this.imdctY;
    z.fill(0);
    const win = WINDOWS[2]!;
    for (let w = 0; w < 3; w++) {
      for (let i = 0; i < 12; i++) {
        let sum = 0;
        for (let k = 0; k < 6; k++) sum += xr[o + 3 * k + w]! * COS12[i * 6 + k]!;
        const at = 6 + 6 * w + i;
        z[at] = z[at]! + sum * win[i]!;
      }
    }
    for (let i = 0; i < 18; i++) {
      so[o + i] = z[i]! + ov[o + i]!;
      ov[o + i] = z[i + 18]!;
    }
  }
}

/** One Huffman code from `table` at r.pos: its leaf (length << 8 | value); r.pos moves past the code. */
function lookup(table: HuffmanTable, r: Bits): number {
  const w = r.peek32();
  let e = table[w >>> (32 - PRIMARY_BITS)]!;
  if (e < 0) {
    const sub = -e;
    const width = sub & 31;
    e = table[(sub >> 5) + ((w << PRIMARY_BITS) >>> (32 - width))]!;
    if (e < 0) {
      // Bits that are no code of this table cannot occur in Table B.7 (every table is complete); treat as the
      // longest possible code so the caller's bound check stops it.
      r.pos += PRIMARY_BITS + width;
      return 0;
    }
  }
  r.pos += e >> 8;
  return e & 255;
}

/** CRC-16 of 11172-3 §2.4.3.1 (polynomial 0x8005, initial 0xFFFF) over header bytes 2–3 and the side information. */
function crc16(b: Uint8Array, frame: number, sideAt: number, sideLen: number): number {
  let crc = 0xffff;
  const feed = (byte: number): void => {
    for (let k = 7; k >= 0; k--) {
      const bit = ((byte >> k) & 1) ^ ((crc >> 15) & 1);
      crc = (crc << 1) & 0xffff;
      if (bit) crc ^= 0x8005;
    }
  };
  feed(b[frame + 2]!);
  feed(b[frame + 3]!);
  for (let i = 0; i < sideLen; i++) feed(b[sideAt + i]!);
  return crc;
}
