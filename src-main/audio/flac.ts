// FLAC decoding, written here from the format specification (RFC 9639) rather than through a WASM build of libFLAC:
// every valid stream decodes, 4 to 32 bits per sample, 1 to 8 channels, fixed or variable block sizes, frame headers
// that defer rate or depth to STREAMINFO; and every failure is ours to word. Integrity is checked the way `flac -t`
// does: CRC-8 on each frame header, CRC-16 on each frame, the MD5 of the decoded samples against STREAMINFO's, and the
// sample count against the declared total. Work and memory follow the frames really present, never a declared size.
// Native FLAC and Ogg FLAC (RFC 9639 §10.1 mapping) share the frame decoder.

import { createHash } from 'node:crypto';
import type { AudioData } from './types';
import { ADVICE_REEXPORT, audioError } from './audio-errors';
import { checkFileLimits } from './limits';

export interface FlacStreamInfo {
  minBlockSize: number;
  maxBlockSize: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 0 when the encoder did not know the length. */
  totalSamples: number;
  md5: Uint8Array;
}

const STREAMINFO_BYTES = 34;

function corrupt(name: string | undefined, problem: string): Error {
  return audioError('E_CORRUPT_AUDIO', name, problem, ADVICE_REEXPORT);
}

/** STREAMINFO's 34 bytes at `p` (RFC 9639 §8.2). */
export function parseStreamInfo(b: Uint8Array, p: number, name?: string): FlacStreamInfo {
  if (p + STREAMINFO_BYTES > b.length) throw corrupt(name, 'its FLAC header is missing or cut short');
  const minBlockSize = (b[p]! << 8) | b[p + 1]!;
  const maxBlockSize = (b[p + 2]! << 8) | b[p + 3]!;
  const sampleRate = (b[p + 10]! << 12) | (b[p + 11]! << 4) | (b[p + 12]! >> 4);
  const channels = ((b[p + 12]! >> 1) & 7) + 1;
  const bitsPerSample = (((b[p + 12]! & 1) << 4) | (b[p + 13]! >> 4)) + 1;
  const totalSamples = (b[p + 13]! & 0x0f) * 2 ** 32 + ((b[p + 14]! << 24) >>> 0) + (b[p + 15]! << 16) + (b[p + 16]! << 8) + b[p + 17]!;
  return { minBlockSize, maxBlockSize, sampleRate, channels, bitsPerSample, totalSamples, md5: b.slice(p + 18, p + 34) };
}

/** Checks STREAMINFO's fields before any frame is decoded: structure (corrupt) first, then Retake's limits. */
function checkStreamInfo(info: FlacStreamInfo, name?: string): void {
  if (info.sampleRate === 0) throw corrupt(name, 'its FLAC header gives a sample rate of 0 Hz');
  if (info.bitsPerSample < 4) throw corrupt(name, `its FLAC header gives ${info.bitsPerSample} bits per sample (FLAC needs 4 to 32)`);
  if (info.maxBlockSize < 16 || info.minBlockSize > info.maxBlockSize) {
    throw corrupt(name, `its FLAC header gives block sizes ${info.minBlockSize}–${info.maxBlockSize} (FLAC needs 16 to 65535)`);
  }
  checkFileLimits(info.sampleRate, info.channels, name);
}

/**
 * The metadata of a native FLAC stream starting at `off` ('fLaC'): STREAMINFO (which must come first) and the offset
 * of the first frame. Every block's declared length must fit inside the file.
 */
export function readFlacHeader(b: Uint8Array, off: number, name?: string): { info: FlacStreamInfo; audioOffset: number } {
  let p = off + 4;
  if (p + 4 > b.length || (b[p]! & 0x7f) !== 0) throw corrupt(name, 'its FLAC header is missing or cut short');
  let info: FlacStreamInfo | null = null;
  for (;;) {
    if (p + 4 > b.length) throw corrupt(name, 'the FLAC file is truncated inside its metadata');
    const last = b[p]! & 0x80;
    const type = b[p]! & 0x7f;
    const length = (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
    if (p + 4 + length > b.length) {
      throw corrupt(name, `a FLAC metadata block declares ${length} bytes but the file ends after ${b.length - p - 4}, so the file is truncated`);
    }
    if (type === 0) {
      if (info || length < STREAMINFO_BYTES) throw corrupt(name, 'its FLAC stream information block is damaged');
      info = parseStreamInfo(b, p + 4, name);
    } else if (type === 127) {
      throw corrupt(name, 'its FLAC metadata is damaged (a block of the forbidden type 127)');
    }
    p += 4 + length;
    if (last) break;
  }
  if (!info) throw corrupt(name, 'its FLAC header is missing or cut short');
  checkStreamInfo(info, name);
  return { info, audioOffset: p };
}

// ---------------------------------------------------------------------------------------------------- checksums

const CRC8 = new Uint8Array(256);
const CRC16 = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  // RFC 9639 §9.1.8 (CRC-8, polynomial x^8 + x^2 + x + 1) and §9.3 (CRC-16, x^16 + x^15 + x^2 + 1), initial value 0.
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  CRC8[i] = c;
  let d = i << 8;
  for (let k = 0; k < 8; k++) d = d & 0x8000 ? ((d << 1) ^ 0x8005) & 0xffff : (d << 1) & 0xffff;
  CRC16[i] = d;
}

function crc8(b: Uint8Array, from: number, to: number): number {
  let c = 0;
  for (let i = from; i < to; i++) c = CRC8[c ^ b[i]!]!;
  return c;
}

function crc16(b: Uint8Array, from: number, to: number): number {
  let c = 0;
  for (let i = from; i < to; i++) c = ((c << 8) & 0xffff) ^ CRC16[(c >> 8) ^ b[i]!]!;
  return c;
}

// ---------------------------------------------------------------------------------------------------- bit reader

/** Thrown inside a frame when its bits run out or break a rule; turned into one E_CORRUPT_AUDIO by the caller. */
class FrameError extends Error {}

/** MSB-first bit reader over one frame's bytes; reads past `end` fail instead of returning zeros. */
class Bits {
  private pos: number; // bit position
  private readonly endBit: number;
  constructor(
    private readonly b: Uint8Array,
    start: number,
    end: number,
  ) {
    this.pos = start * 8;
    this.endBit = end * 8;
  }

  get bytePos(): number {
    return this.pos >>> 3;
  }

  alignToByte(): void {
    this.pos = (this.pos + 7) & ~7;
  }

  /** Unsigned, n ≤ 32. */
  u(n: number): number {
    if (n === 0) return 0;
    if (this.pos + n > this.endBit) throw new FrameError('the frame ends early');
    let v = 0;
    let left = n;
    while (left > 0) {
      const byte = this.b[this.pos >>> 3]!;
      const used = this.pos & 7;
      const avail = 8 - used;
      const take = avail < left ? avail : left;
      const bits = (byte >>> (avail - take)) & ((1 << take) - 1);
      v = v * (1 << take) + bits;
      left -= take;
      this.pos += take;
    }
    return v;
  }

  /** Two's complement signed, n ≤ 32. */
  s(n: number): number {
    if (n === 0) return 0;
    const v = this.u(n);
    return v >= 2 ** (n - 1) ? v - 2 ** n : v;
  }

  /** Number of 0 bits before the next 1 (which is consumed). */
  unary(): number {
    const start = this.pos;
    const b = this.b;
    let p = this.pos;
    // Skip whole zero bytes quickly once aligned.
    while (p < this.endBit) {
      if ((p & 7) === 0 && b[p >>> 3] === 0) {
        p += 8;
        continue;
      }
      if ((b[p >>> 3]! >>> (7 - (p & 7))) & 1) {
        this.pos = p + 1;
        return p - start;
      }
      p++;
    }
    throw new FrameError('the frame ends early');
  }

  /** RFC 9639 §9.2.7: `count` Rice-coded residuals with parameter k, folded back to signed, into out[at…]. */
  rice(out: Float64Array, at: number, count: number, k: number): void {
    const b = this.b;
    const endBit = this.endBit;
    // The 32-bit window below reads up to 4 bytes from p's byte; near the end the slow path reads bit by bit.
    const fastEnd = Math.min(endBit, (b.length - 3) * 8);
    let p = this.pos;
    const pow = 2 ** k;
    for (let i = 0; i < count; i++) {
      if (p + 32 <= fastEnd) {
        const w = ((b[p >>> 3]! << 24) | (b[(p >>> 3) + 1]! << 16) | (b[(p >>> 3) + 2]! << 8) | b[(p >>> 3) + 3]!) << (p & 7);
        const q = Math.clz32(w);
        if (w !== 0 && q + 1 + k <= 32 - (p & 7)) {
          // Quotient and remainder both inside the window (almost every residual).
          const r = k === 0 ? 0 : (w << (q + 1)) >>> (32 - k);
          p += q + 1 + k;
          const u = q * pow + r;
          out[at + i] = u <= 0x7fffffff ? (u >>> 1) ^ -(u & 1) : u % 2 === 0 ? u / 2 : -(u + 1) / 2;
          continue;
        }
      }
      this.pos = p;
      const q = this.unary();
      const r = this.u(k);
      p = this.pos;
      const u = q * pow + r;
      out[at + i] = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    }
    this.pos = p;
  }
}

// -------------------------------------------------------------------------------------------------------- frames

const BLOCK_SIZES = [0, 192, 576, 1152, 2304, 4608, -1, -2, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768];
const FRAME_RATES = [0, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000, -1, -2, -3, -4];
const FRAME_DEPTHS = [0, 8, 12, -1, 16, 20, 24, 32];

export interface FlacFrame {
  blockSize: number;
  sampleRate: number;
  bitsPerSample: number;
  /** One array per channel, integer sample values (exact up to 32 bits). */
  channels: Float64Array[];
  /** Byte offset just past the frame (after its CRC-16). */
  end: number;
}

/**
 * The frame header at `off` when it is one (sync code, reserved bits and CRC-8 all valid), else null. Used to find
 * frames and to tell trailing junk from damage.
 */
function frameHeaderAt(b: Uint8Array, off: number, info: FlacStreamInfo): { blockSize: number; rate: number; depth: number; assignment: number; headerEnd: number } | null {
  if (off + 6 > b.length || b[off] !== 0xff || (b[off + 1]! & 0xfe) !== 0xf8) return null;
  const bsCode = b[off + 2]! >> 4;
  const rateCode = b[off + 2]! & 0x0f;
  const assignment = b[off + 3]! >> 4;
  const depthCode = (b[off + 3]! >> 1) & 7;
  if (bsCode === 0 || rateCode === 15 || assignment > 10 || depthCode === 3 || b[off + 3]! & 1) return null;
  // The coded frame or sample number (a UTF-8-like variable-length integer of 1 to 7 bytes).
  let p = off + 4;
  const first = b[p]!;
  let extra = 0;
  if (first >= 0x80) {
    if (first >= 0xfe) extra = first === 0xfe ? 6 : -1;
    else if (first >= 0xfc) extra = 5;
    else if (first >= 0xf8) extra = 4;
    else if (first >= 0xf0) extra = 3;
    else if (first >= 0xe0) extra = 2;
    else if (first >= 0xc0) extra = 1;
    else extra = -1;
  }
  if (extra < 0) return null;
  p += 1;
  for (let i = 0; i < extra; i++, p++) if (p >= b.length || (b[p]! & 0xc0) !== 0x80) return null;
  let blockSize = BLOCK_SIZES[bsCode]!;
  if (blockSize === -1) blockSize = (b[p++] ?? 0) + 1;
  else if (blockSize === -2) {
    blockSize = (((b[p] ?? 0) << 8) | (b[p + 1] ?? 0)) + 1;
    p += 2;
  }
  let rate = FRAME_RATES[rateCode]!;
  if (rate === 0) rate = info.sampleRate;
  else if (rate === -1) rate = (b[p++] ?? 0) * 1000;
  else if (rate === -2) {
    rate = ((b[p] ?? 0) << 8) | (b[p + 1] ?? 0);
    p += 2;
  } else if (rate === -3) {
    rate = (((b[p] ?? 0) << 8) | (b[p + 1] ?? 0)) * 10;
    p += 2;
  }
  if (p >= b.length || crc8(b, off, p) !== b[p]) return null;
  const depth = depthCode === 0 ? info.bitsPerSample : FRAME_DEPTHS[depthCode]!;
  return { blockSize, rate, depth, assignment, headerEnd: p + 1 };
}

/** Decodes one subframe (RFC 9639 §9.2) of `n` samples at `bps` bits into out. */
function decodeSubframe(r: Bits, out: Float64Array, n: number, bps: number): void {
  if (r.u(1) !== 0) throw new FrameError('a subframe padding bit is set');
  const type = r.u(6);
  let wasted = 0;
  if (r.u(1)) wasted = r.unary() + 1;
  if (wasted >= bps) throw new FrameError('a subframe has more wasted bits than bits');
  const bits = bps - wasted;
  if (type === 0) {
    out.fill(r.s(bits), 0, n);
  } else if (type === 1) {
    for (let i = 0; i < n; i++) out[i] = r.s(bits);
  } else if (type >= 8 && type <= 12) {
    const order = type - 8;
    if (order > n) throw new FrameError('a fixed predictor is longer than its block');
    for (let i = 0; i < order; i++) out[i] = r.s(bits);
    residual(r, out, n, order);
    restoreFixed(out, n, order);
  } else if (type >= 32) {
    const order = type - 31;
    if (order > n) throw new FrameError('a predictor is longer than its block');
    for (let i = 0; i < order; i++) out[i] = r.s(bits);
    const precision = r.u(4) + 1;
    if (precision === 16) throw new FrameError('a predictor has an invalid coefficient precision');
    const shift = r.s(5);
    if (shift < 0) throw new FrameError('a predictor has a negative shift');
    const coefs = new Float64Array(order);
    for (let i = 0; i < order; i++) coefs[i] = r.s(precision);
    residual(r, out, n, order);
    restoreLpc(out, n, coefs, shift);
  } else {
    throw new FrameError(`a subframe has the reserved type ${type}`);
  }
  if (wasted > 0) {
    const m = 2 ** wasted;
    for (let i = 0; i < n; i++) out[i] = out[i]! * m;
  }
}

/** RFC 9639 §9.2.7: the residual after `order` warm-up samples, stored in out[order…n). */
function residual(r: Bits, out: Float64Array, n: number, order: number): void {
  const method = r.u(2);
  if (method > 1) throw new FrameError('a residual uses a reserved coding method');
  const paramBits = method === 0 ? 4 : 5;
  const escape = method === 0 ? 15 : 31;
  const partitionOrder = r.u(4);
  const partitions = 1 << partitionOrder;
  const per = n >> partitionOrder;
  if (per << partitionOrder !== n || per < order) throw new FrameError('a residual partition does not fit its block');
  let at = order;
  for (let p = 0; p < partitions; p++) {
    const count = p === 0 ? per - order : per;
    const k = r.u(paramBits);
    if (k === escape) {
      const raw = r.u(5);
      for (let i = 0; i < count; i++) out[at + i] = r.s(raw);
    } else {
      r.rice(out, at, count, k);
    }
    at += count;
  }
}

/** Fixed polynomial predictors of order 0–4 (RFC 9639 §9.2.5), residual added in place. */
function restoreFixed(x: Float64Array, n: number, order: number): void {
  switch (order) {
    case 0:
      return;
    case 1:
      for (let i = 1; i < n; i++) x[i] = x[i]! + x[i - 1]!;
      return;
    case 2:
      for (let i = 2; i < n; i++) x[i] = x[i]! + 2 * x[i - 1]! - x[i - 2]!;
      return;
    case 3:
      for (let i = 3; i < n; i++) x[i] = x[i]! + 3 * x[i - 1]! - 3 * x[i - 2]! + x[i - 3]!;
      return;
    case 4:
      for (let i = 4; i < n; i++) x[i] = x[i]! + 4 * x[i - 1]! - 6 * x[i - 2]! + 4 * x[i - 3]! - x[i - 4]!;
      return;
  }
}

/**
 * Linear prediction (RFC 9639 §9.2.6). Doubles hold every intermediate exactly: samples need at most 33 bits (a side
 * channel of 32-bit audio), coefficients 15, and 32 terms add 5, so each sum stays below 2^53. The shift is an
 * arithmetic right shift, i.e. floor division by 2^shift.
 */
function restoreLpc(x: Float64Array, n: number, coefs: Float64Array, shift: number): void {
  const order = coefs.length;
  const div = 2 ** shift;
  for (let i = order; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < order; j++) sum += coefs[j]! * x[i - 1 - j]!;
    x[i] = x[i]! + Math.floor(sum / div);
  }
}

/**
 * Decodes the frame starting at `off` (whose header frameHeaderAt accepted), checking its CRC-16. `end` bounds the
 * frame (the file, or one Ogg packet).
 */
function decodeFrame(b: Uint8Array, off: number, end: number, info: FlacStreamInfo, bufs: Float64Array[]): FlacFrame {
  const h = frameHeaderAt(b, off, info);
  if (!h) throw new FrameError('a frame header is damaged');
  const nch = h.assignment < 8 ? h.assignment + 1 : 2;
  if (nch !== info.channels) throw new FrameError(`a frame has ${nch} channels where the stream has ${info.channels}`);
  if (h.rate !== info.sampleRate) throw new FrameError(`a frame is at ${h.rate} Hz where the stream is at ${info.sampleRate} Hz`);
  if (h.depth !== info.bitsPerSample) throw new FrameError(`a frame has ${h.depth} bits per sample where the stream has ${info.bitsPerSample}`);
  const n = h.blockSize;
  const r = new Bits(b, h.headerEnd, end);
  const channels: Float64Array[] = [];
  for (let c = 0; c < nch; c++) {
    if (!bufs[c] || bufs[c]!.length < n) bufs[c] = new Float64Array(Math.max(n, 4096));
    // The side channel carries one bit more than the others (RFC 9639 §4.2).
    const side = (h.assignment === 8 && c === 1) || (h.assignment === 9 && c === 0) || (h.assignment === 10 && c === 1);
    const ch = bufs[c]!.subarray(0, n);
    decodeSubframe(r, ch, n, h.depth + (side ? 1 : 0));
    channels.push(ch);
  }
  r.alignToByte();
  const crcAt = r.bytePos;
  if (crcAt + 2 > end) throw new FrameError('the frame ends early');
  if (crc16(b, off, crcAt) !== ((b[crcAt]! << 8) | b[crcAt + 1]!)) throw new FrameError('a frame fails its checksum');
  const [a, s] = channels as [Float64Array, Float64Array];
  if (h.assignment === 8) {
    // left, side → right = left − side
    for (let i = 0; i < n; i++) s[i] = a[i]! - s[i]!;
  } else if (h.assignment === 9) {
    // side, right → left = side + right
    for (let i = 0; i < n; i++) a[i] = a[i]! + s[i]!;
  } else if (h.assignment === 10) {
    // mid, side → left = (2·mid + (side & 1) + side) / 2, right = the same with − side
    for (let i = 0; i < n; i++) {
      const side = s[i]!;
      const mid = a[i]! * 2 + Math.abs(side % 2);
      a[i] = (mid + side) / 2;
      s[i] = (mid - side) / 2;
    }
  }
  return { blockSize: n, sampleRate: h.rate, bitsPerSample: h.depth, channels, end: crcAt + 2 };
}

// ------------------------------------------------------------------------------------------------------ output

/** Collects decoded frames into float32 channels (scaled by 1/2^(bps−1), like WAV) and into the MD5 of the samples. */
class FlacSink {
  readonly out: Float32Array[];
  length = 0;
  private readonly md5 = createHash('md5');
  private readonly bytesPer: number;
  private readonly scale: number;
  private buf = new Uint8Array(0);

  constructor(
    private readonly info: FlacStreamInfo,
    /** Samples to allocate up front: the declared total when the file is large enough to hold it, else less. */
    initial: number,
  ) {
    this.out = Array.from({ length: info.channels }, () => new Float32Array(initial));
    this.bytesPer = Math.ceil(info.bitsPerSample / 8);
    this.scale = 1 / 2 ** (info.bitsPerSample - 1);
  }

  push(frame: FlacFrame): void {
    const n = frame.blockSize;
    const nc = this.info.channels;
    if (this.length + n > this.out[0]!.length) {
      const size = Math.max(this.length + n, this.out[0]!.length * 2);
      for (let c = 0; c < nc; c++) {
        const grown = new Float32Array(size);
        grown.set(this.out[c]!.subarray(0, this.length));
        this.out[c] = grown;
      }
    }
    for (let c = 0; c < nc; c++) {
      const src = frame.channels[c]!;
      const dst = this.out[c]!;
      for (let i = 0; i < n; i++) dst[this.length + i] = src[i]! * this.scale;
    }
    // MD5 over interleaved little-endian two's complement samples of ceil(bps/8) bytes (RFC 9639 §8.2).
    const bytes = n * nc * this.bytesPer;
    if (this.buf.length < bytes) this.buf = new Uint8Array(bytes);
    const buf = this.buf;
    const bp = this.bytesPer;
    for (let c = 0; c < nc; c++) {
      const src = frame.channels[c]!;
      let o = c * bp;
      const stride = nc * bp;
      if (bp === 2) {
        for (let i = 0; i < n; i++, o += stride) {
          const v = src[i]!;
          buf[o] = v & 0xff;
          buf[o + 1] = (v >> 8) & 0xff;
        }
      } else {
        for (let i = 0; i < n; i++, o += stride) {
          const v = src[i]!;
          for (let k = 0; k < bp; k++) buf[o + k] = (v >> (8 * k)) & 0xff;
        }
      }
    }
    this.md5.update(buf.subarray(0, bytes));
    this.length += n;
  }

  finish(name?: string): AudioData {
    const { info } = this;
    if (this.length === 0) {
      if (info.totalSamples === 0) throw audioError('E_EMPTY_AUDIO', name, 'the FLAC file holds no audio', 'Record or export the audio again.');
      throw corrupt(name, 'no audio could be decoded from the FLAC data');
    }
    if (info.totalSamples > 0 && this.length < info.totalSamples) {
      throw corrupt(name, `the FLAC file is truncated: it holds ${this.length} of its ${info.totalSamples} samples per channel`);
    }
    if (info.totalSamples > 0 && this.length > info.totalSamples) {
      throw corrupt(name, `the FLAC file is damaged: it holds ${this.length} samples per channel where its header declares ${info.totalSamples}`);
    }
    // An all-zero MD5 means the encoder did not compute one.
    if (info.md5.some((x) => x !== 0)) {
      const md5 = new Uint8Array(this.md5.digest());
      if (!md5.every((x, i) => x === info.md5[i])) throw corrupt(name, 'the FLAC file is damaged: its audio does not match its built-in checksum');
    }
    return { sampleRate: info.sampleRate, channels: this.out.map((c) => (c.length === this.length ? c : c.slice(0, this.length))) };
  }
}

/** Samples to allocate before decoding: the declared total, unless the file is too small to plausibly hold it. */
function initialLength(info: FlacStreamInfo, audioBytes: number): number {
  // Ordinary FLAC spends 0.3–3 bytes per sample frame; 16 samples per byte allows near-silent files while a header
  // that declares hours in a few kilobytes costs nothing until the frames are really there.
  return Math.max(0, Math.min(info.totalSamples, audioBytes * 16));
}

/** Decodes a native FLAC stream that starts at `off` ('fLaC'). */
export function decodeFlac(b: Uint8Array, off: number, name?: string): AudioData {
  const { info, audioOffset } = readFlacHeader(b, off, name);
  const sink = new FlacSink(info, initialLength(info, b.length - audioOffset));
  const bufs: Float64Array[] = [];
  let p = audioOffset;
  while (p < b.length) {
    if (!frameHeaderAt(b, p, info)) {
      // Not a frame: trailing bytes (an ID3v1 tag, padding) when no frame follows anywhere; damage when one does.
      let q = p + 1;
      while (q < b.length && !frameHeaderAt(b, q, info)) q++;
      if (q >= b.length) break;
      throw corrupt(name, `the FLAC file is damaged: ${q - p} bytes at offset ${p} are not audio frames`);
    }
    let frame: FlacFrame;
    try {
      frame = decodeFrame(b, p, b.length, info, bufs);
    } catch (e) {
      if (e instanceof FrameError) throw corrupt(name, `the FLAC file is ${/ends early/.test(e.message) ? 'truncated' : 'damaged'}: ${e.message} at offset ${p}`);
      throw e;
    }
    sink.push(frame);
    p = frame.end;
  }
  return sink.finish(name);
}

/**
 * Decodes Ogg FLAC from its packets (already checked page by page): the first packet is 0x7F 'FLAC', version, header
 * count, 'fLaC' and STREAMINFO; metadata packets follow, then one frame per packet.
 */
export function decodeOggFlacPackets(packets: Uint8Array[], name?: string): AudioData {
  const first = packets[0];
  const isHead =
    first !== undefined && first.length >= 13 + 4 + STREAMINFO_BYTES && first[0] === 0x7f && first[5] === 1 && String.fromCharCode(...first.subarray(1, 5)) === 'FLAC';
  if (!isHead || String.fromCharCode(...first.subarray(9, 13)) !== 'fLaC' || (first[13]! & 0x7f) !== 0) {
    throw corrupt(name, 'its Ogg FLAC header is damaged');
  }
  const info = parseStreamInfo(first, 17, name);
  checkStreamInfo(info, name);
  let i = 1;
  // Metadata packets (the comment block at least) until the one flagged last; a frame starts 0xFF 0xF8/0xF9.
  while (i < packets.length && !(packets[i]![0] === 0xff && (packets[i]![1]! & 0xfe) === 0xf8)) i++;
  let audioBytes = 0;
  for (let k = i; k < packets.length; k++) audioBytes += packets[k]!.length;
  const sink = new FlacSink(info, initialLength(info, audioBytes));
  const bufs: Float64Array[] = [];
  for (; i < packets.length; i++) {
    const pk = packets[i]!;
    let frame: FlacFrame;
    try {
      frame = decodeFrame(pk, 0, pk.length, info, bufs);
    } catch (e) {
      if (e instanceof FrameError) throw corrupt(name, `the Ogg FLAC file is damaged: ${e.message} in packet ${i + 1}`);
      throw e;
    }
    sink.push(frame);
  }
  return sink.finish(name);
}
