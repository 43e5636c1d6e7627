// A small FLAC encoder (the format of xiph.org's FLAC specification, RFC 9639): fixed-blocksize frames, each channel a
// CONSTANT, VERBATIM or FIXED-predictor subframe (orders 0–4, the order with the smallest residual chosen per frame),
// residuals in partitioned Rice coding with the partition order and Rice parameters chosen by exact bit counts.
// STREAMINFO carries the MD5 of the samples; a VORBIS_COMMENT block carries the export's provenance. Streaming: frames
// are encoded as blocks arrive, and STREAMINFO is patched at the end (frame sizes, MD5). Verified with libFLAC's
// `flac -t` in the tests. Written here rather than taken from npm: the candidates are emscripten builds of libFLAC
// that would add several megabytes and a loader to the app for what fixed prediction does in a few hundred lines.

import { createHash, type Hash } from 'node:crypto';
import { RetakeError } from '../../contract/errors';

/** Samples per frame: 4096, libFLAC's default block size for 44.1/48 kHz (good prediction, frames ≈ 85 ms). */
export const FLAC_BLOCK = 4096;
/** Largest partition order tried (4096 / 2^8 = 16 residuals per partition). */
const MAX_PARTITION_ORDER = 8;

class BitWriter {
  private buf: Uint8Array;
  private pos = 0;
  private acc = 0;
  private nbits = 0;
  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
  }
  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    let n = this.buf.length * 2;
    while (this.pos + bytes > n) n *= 2;
    const b = new Uint8Array(n);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
  }
  /** Writes the low `bits` bits of v (bits ≤ 32; v as an unsigned or two's complement value). */
  write(v: number, bits: number): void {
    if (bits === 0) return;
    if (bits > 24) {
      this.write(Math.floor(v / 2 ** 16) & ((1 << (bits - 16)) - 1), bits - 16);
      this.write(v & 0xffff, 16);
      return;
    }
    this.ensure(4);
    this.acc = (this.acc * 2 ** bits + (v & ((1 << bits) - 1))) % 2 ** 32;
    this.nbits += bits;
    while (this.nbits >= 8) {
      this.nbits -= 8;
      this.buf[this.pos++] = Math.floor(this.acc / 2 ** this.nbits) & 0xff;
    }
    this.acc %= 2 ** this.nbits;
  }
  /** q zero bits then a one (unary). */
  unary(q: number): void {
    while (q >= 24) {
      this.write(0, 24);
      q -= 24;
    }
    this.write(1, q + 1);
  }
  alignToByte(): void {
    if (this.nbits > 0) this.write(0, 8 - this.nbits);
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
  get length(): number {
    return this.pos;
  }
}

const CRC8 = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    t[i] = c;
  }
  return t;
})();
const CRC16 = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

function crc8(b: Uint8Array): number {
  let c = 0;
  for (const x of b) c = CRC8[c ^ x]!;
  return c;
}

function crc16(b: Uint8Array): number {
  let c = 0;
  for (const x of b) c = ((c << 8) & 0xffff) ^ CRC16[(c >> 8) ^ x]!;
  return c;
}

/** Sample rate codes of the frame header (RFC 9639 §9.1.2); others are read from STREAMINFO (code 0). */
const RATE_CODES: Record<number, number> = { 88200: 1, 176400: 2, 192000: 3, 8000: 4, 16000: 5, 22050: 6, 24000: 7, 32000: 8, 44100: 9, 48000: 10, 96000: 11 };
const BITS_CODES: Record<number, number> = { 8: 1, 12: 2, 16: 4, 20: 5, 24: 6, 32: 7 };

/** The frame number in FLAC's UTF-8-like coding. */
function utf8Number(w: BitWriter, n: number): void {
  if (n < 0x80) {
    w.write(n, 8);
    return;
  }
  let bytes = 2;
  while (n >= 2 ** (5 * bytes + 1)) bytes++;
  const first = ((0xff << (8 - bytes)) & 0xff) | Math.floor(n / 2 ** (6 * (bytes - 1)));
  w.write(first, 8);
  for (let i = bytes - 2; i >= 0; i--) w.write(0x80 | (Math.floor(n / 2 ** (6 * i)) & 0x3f), 8);
}

/** Residuals of the fixed predictor of `order` for x[order..n). */
function fixedResidual(x: Int32Array, order: number, out: Int32Array): void {
  const n = x.length;
  for (let i = order; i < n; i++) {
    let r: number;
    switch (order) {
      case 0:
        r = x[i]!;
        break;
      case 1:
        r = x[i]! - x[i - 1]!;
        break;
      case 2:
        r = x[i]! - 2 * x[i - 1]! + x[i - 2]!;
        break;
      case 3:
        r = x[i]! - 3 * x[i - 1]! + 3 * x[i - 2]! - x[i - 3]!;
        break;
      default:
        r = x[i]! - 4 * x[i - 1]! + 6 * x[i - 2]! - 4 * x[i - 3]! + x[i - 4]!;
    }
    out[i - order] = r;
  }
}

/** Zig-zag: 0, −1, 1, −2 … → 0, 1, 2, 3 … */
function fold(r: number): number {
  return r >= 0 ? 2 * r : -2 * r - 1;
}

interface RicePlan {
  order: number;
  params: number[];
  bits: number;
}

/** The partition order and per-partition Rice parameters that code `res` (n − order residuals) in the fewest bits. */
function planRice(u: Float64Array, count: number, blockSize: number, predOrder: number, maxParam: number): RicePlan {
  let best: RicePlan | null = null;
  for (let po = 0; po <= MAX_PARTITION_ORDER; po++) {
    const parts = 1 << po;
    if (blockSize % parts !== 0) break;
    const per = blockSize / parts;
    if (per <= predOrder) break;
    const params: number[] = [];
    let bits = 0;
    let at = 0;
    for (let p = 0; p < parts; p++) {
      const len = p === 0 ? per - predOrder : per;
      let sum = 0;
      for (let i = at; i < at + len; i++) sum += u[i]!;
      // The best parameter is near log2(mean); the bit count is exact for the two around it.
      const mean = len > 0 ? sum / len : 0;
      let k0 = mean > 1 ? Math.max(0, Math.floor(Math.log2(mean))) : 0;
      k0 = Math.min(maxParam, k0);
      let bestK = k0;
      let bestBits = Infinity;
      for (const k of [k0 - 1, k0, k0 + 1]) {
        if (k < 0 || k > maxParam) continue;
        let b = len * (k + 1);
        const d = 2 ** k;
        for (let i = at; i < at + len; i++) b += Math.floor(u[i]! / d);
        if (b < bestBits) {
          bestBits = b;
          bestK = k;
        }
      }
      params.push(bestK);
      bits += bestBits + (maxParam === 14 ? 4 : 5);
      at += len;
    }
    if (at !== count) break;
    if (!best || bits < best.bits) best = { order: po, params, bits };
  }
  return best!;
}

export interface FlacOptions {
  sampleRate: number;
  channels: number;
  bitsPerSample: 16 | 24;
  /** Total frames, written into STREAMINFO (known ahead for an export). */
  totalFrames: number;
  /** VORBIS_COMMENT fields (NAME=value); the vendor string is "Retake". */
  comments: Record<string, string>;
}

/** Encodes PCM as FLAC, block by block. */
export class FlacEncoder {
  private readonly md5: Hash = createHash('md5');
  private frameNo = 0;
  private minFrame = Infinity;
  private maxFrame = 0;
  private pending: Int32Array[];
  private fill = 0;
  private written = 0;
  private readonly scale: number;
  private readonly maxQ: number;
  private readonly minQ: number;

  constructor(private readonly o: FlacOptions) {
    if (o.channels < 1 || o.channels > 8) throw new RetakeError('E_VALIDATION', `FLAC holds 1 to 8 channels (got ${o.channels}).`);
    if (o.sampleRate <= 0 || o.sampleRate >= 2 ** 20) throw new RetakeError('E_VALIDATION', `FLAC cannot hold ${o.sampleRate} Hz.`);
    this.pending = Array.from({ length: o.channels }, () => new Int32Array(FLAC_BLOCK));
    this.scale = 2 ** (o.bitsPerSample - 1);
    this.maxQ = this.scale - 1;
    this.minQ = -this.scale;
  }

  /** 'fLaC', STREAMINFO (to be patched by `finish`) and the VORBIS_COMMENT block. */
  header(): Uint8Array {
    const vendor = new TextEncoder().encode('Retake');
    const comments = Object.entries(this.o.comments).map(([k, v]) => new TextEncoder().encode(`${k}=${v}`));
    const vcLen = 4 + vendor.length + 4 + comments.reduce((a, c) => a + 4 + c.length, 0);
    if (vcLen >= 2 ** 24) throw new RetakeError('E_VALIDATION', 'The FLAC comments are too long (16 MiB at most).');
    const out = new Uint8Array(4 + 4 + 34 + 4 + vcLen);
    out.set([0x66, 0x4c, 0x61, 0x43]);
    out.set(this.streamInfoBlock(false), 4);
    const v = new DataView(out.buffer);
    let o = 42;
    out[o] = 0x80 | 4; // last metadata block, VORBIS_COMMENT
    out[o + 1] = (vcLen >> 16) & 0xff;
    out[o + 2] = (vcLen >> 8) & 0xff;
    out[o + 3] = vcLen & 0xff;
    o += 4;
    v.setUint32(o, vendor.length, true);
    out.set(vendor, o + 4);
    o += 4 + vendor.length;
    v.setUint32(o, comments.length, true);
    o += 4;
    for (const c of comments) {
      v.setUint32(o, c.length, true);
      out.set(c, o + 4);
      o += 4 + c.length;
    }
    return out;
  }

  /** The STREAMINFO block with its 4-byte header (at offset 4 of the file). */
  streamInfoBlock(final: boolean): Uint8Array {
    const w = new BitWriter(64);
    w.write(0, 1); // not the last metadata block
    w.write(0, 7); // STREAMINFO
    w.write(34, 24);
    w.write(FLAC_BLOCK, 16);
    w.write(FLAC_BLOCK, 16);
    w.write(final && Number.isFinite(this.minFrame) ? this.minFrame : 0, 24);
    w.write(final ? this.maxFrame : 0, 24);
    w.write(this.o.sampleRate, 20);
    w.write(this.o.channels - 1, 3);
    w.write(this.o.bitsPerSample - 1, 5);
    const total = this.o.totalFrames;
    w.write(Math.floor(total / 2 ** 32), 4);
    w.write(total % 2 ** 32, 32);
    const out = new Uint8Array(38);
    out.set(w.bytes());
    if (final) out.set(this.md5.copy().digest(), 22);
    return out;
  }

  /** Adds samples (one float array per channel); returns the bytes of every frame that became full. */
  push(block: readonly Float32Array[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    const n = block[0]?.length ?? 0;
    let at = 0;
    while (at < n) {
      const take = Math.min(n - at, FLAC_BLOCK - this.fill);
      for (let c = 0; c < this.o.channels; c++) {
        const src = block[c]!;
        const dst = this.pending[c]!;
        for (let i = 0; i < take; i++) {
          const q = Math.round(src[at + i]! * this.scale);
          dst[this.fill + i] = q > this.maxQ ? this.maxQ : q < this.minQ ? this.minQ : q;
        }
      }
      this.fill += take;
      at += take;
      if (this.fill === FLAC_BLOCK) out.push(this.flush());
    }
    return out;
  }

  /** Encodes what is left (a shorter last frame); returns its bytes (empty when nothing was left). */
  end(): Uint8Array {
    if (this.written + this.fill !== this.o.totalFrames) {
      throw new RetakeError('E_INTERNAL', `FLAC: ${this.written + this.fill} frames were given, ${this.o.totalFrames} announced.`);
    }
    return this.fill > 0 ? this.flush() : new Uint8Array(0);
  }

  private flush(): Uint8Array {
    const n = this.fill;
    const ch = this.pending.map((c) => c.subarray(0, n));
    this.updateMd5(ch, n);
    const frame = this.encodeFrame(ch, n);
    this.frameNo++;
    this.written += n;
    this.fill = 0;
    this.minFrame = Math.min(this.minFrame, frame.length);
    this.maxFrame = Math.max(this.maxFrame, frame.length);
    return frame;
  }

  private updateMd5(ch: Int32Array[], n: number): void {
    // The MD5 of the samples as little-endian signed integers of bits/8 bytes, interleaved (RFC 9639 §8.2).
    const bps = this.o.bitsPerSample / 8;
    const nc = ch.length;
    const buf = new Uint8Array(n * nc * bps);
    let p = 0;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < nc; c++) {
        const v = ch[c]![i]!;
        buf[p++] = v & 0xff;
        buf[p++] = (v >> 8) & 0xff;
        if (bps === 3) buf[p++] = (v >> 16) & 0xff;
      }
    }
    this.md5.update(buf);
  }

  private encodeFrame(ch: Int32Array[], n: number): Uint8Array {
    const w = new BitWriter(n * ch.length * 4 + 64);
    const bits = this.o.bitsPerSample;
    w.write(0xfff8 >> 2, 14); // sync code
    w.write(0, 1); // reserved
    w.write(0, 1); // fixed block size
    const sizeCode = n === FLAC_BLOCK ? 12 : n <= 256 ? 6 : 7;
    w.write(sizeCode, 4);
    w.write(RATE_CODES[this.o.sampleRate] ?? 0, 4);
    w.write(ch.length - 1, 4); // independent channels
    w.write(BITS_CODES[bits]!, 3);
    w.write(0, 1);
    utf8Number(w, this.frameNo);
    if (sizeCode === 6) w.write(n - 1, 8);
    else if (sizeCode === 7) w.write(n - 1, 16);
    w.write(crc8(w.bytes()), 8);
    for (const x of ch) this.subframe(w, x, n, bits);
    w.alignToByte();
    w.write(crc16(w.bytes()), 16);
    return w.bytes().slice();
  }

  private subframe(w: BitWriter, x: Int32Array, n: number, bits: number): void {
    let constant = true;
    for (let i = 1; i < n && constant; i++) if (x[i] !== x[0]) constant = false;
    if (constant) {
      w.write(0, 1);
      w.write(0, 6);
      w.write(0, 1);
      w.write(x[0]!, bits);
      return;
    }
    // The fixed order with the smallest sum of |residual| (orders up to 4, fewer for tiny frames).
    const res = new Int32Array(n);
    let bestOrder = 0;
    let bestSum = Infinity;
    for (let order = 0; order <= Math.min(4, n - 1); order++) {
      fixedResidual(x, order, res);
      let s = 0;
      for (let i = 0; i < n - order; i++) s += Math.abs(res[i]!);
      if (s < bestSum) {
        bestSum = s;
        bestOrder = order;
      }
    }
    fixedResidual(x, bestOrder, res);
    const count = n - bestOrder;
    const u = new Float64Array(count);
    let maxU = 0;
    for (let i = 0; i < count; i++) {
      u[i] = fold(res[i]!);
      if (u[i]! > maxU) maxU = u[i]!;
    }
    // 4-bit parameters reach 14; wider samples' residuals may need the 5-bit form (up to 30).
    const rice2 = maxU >= 2 ** 15;
    const maxParam = rice2 ? 30 : 14;
    const plan = planRice(u, count, n, bestOrder, maxParam);
    const verbatimBits = n * bits;
    if (plan.bits + bestOrder * bits >= verbatimBits) {
      w.write(0, 1);
      w.write(1, 6);
      w.write(0, 1);
      for (let i = 0; i < n; i++) w.write(x[i]!, bits);
      return;
    }
    w.write(0, 1);
    w.write(8 | bestOrder, 6);
    w.write(0, 1);
    for (let i = 0; i < bestOrder; i++) w.write(x[i]!, bits);
    w.write(rice2 ? 1 : 0, 2);
    w.write(plan.order, 4);
    let at = 0;
    const per = n >> plan.order;
    for (let p = 0; p < plan.params.length; p++) {
      const k = plan.params[p]!;
      w.write(k, rice2 ? 5 : 4);
      const len = p === 0 ? per - bestOrder : per;
      const d = 2 ** k;
      for (let i = at; i < at + len; i++) {
        const v = u[i]!;
        w.unary(Math.floor(v / d));
        if (k > 0) w.write(v % d, k);
      }
      at += len;
    }
  }
}
