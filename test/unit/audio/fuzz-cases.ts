// A seeded generator of malformed audio files for the decoder fuzz harness: from small valid WAV, RF64, FLAC, Ogg FLAC,
// Ogg Vorbis and MP3 files it derives truncations at many offsets, header fields at extreme values, chunk and block
// sizes beyond the file, odd sample formats, random bytes behind valid headers, random byte damage, and NaN, infinite
// and huge float samples; plus files of pure noise. The same seed always gives the same cases, so a failure names a
// case that can be replayed.

export interface FuzzCase {
  name: string;
  bytes: Uint8Array;
  /** Damage a decoder must report, never decode around (truncated WAV/FLAC/Ogg data has checksums or sizes). */
  mustFail?: boolean;
}

/** mulberry32: small, fast, good enough to spread offsets and values. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EXTREME_U32 = [0, 1, 2, 0x7f, 0xff, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const EXTREME_U16 = [0, 1, 2, 3, 7, 8, 9, 12, 17, 24, 33, 64, 65, 255, 0x7fff, 0xfffe, 0xffff];

function setU32(b: Uint8Array, off: number, v: number): Uint8Array {
  const c = new Uint8Array(b);
  if (off + 4 <= c.length) new DataView(c.buffer).setUint32(off, v >>> 0, true);
  return c;
}
function setU16(b: Uint8Array, off: number, v: number): Uint8Array {
  const c = new Uint8Array(b);
  if (off + 2 <= c.length) new DataView(c.buffer).setUint16(off, v & 0xffff, true);
  return c;
}

/** Offset of a RIFF chunk's size field, or -1. */
function chunkAt(b: Uint8Array, id: string): number {
  for (let off = 12; off + 8 <= b.length; ) {
    const name = String.fromCharCode(b[off]!, b[off + 1]!, b[off + 2]!, b[off + 3]!);
    if (name === id) return off;
    const size = new DataView(b.buffer, b.byteOffset).getUint32(off + 4, true);
    off += 8 + size + (size & 1);
  }
  return -1;
}

/** Truncations: every offset inside the first 64 bytes that `rnd` picks, and spread across the whole file. */
function truncations(tag: string, b: Uint8Array, rnd: () => number, count: number, mustFail: boolean): FuzzCase[] {
  const out: FuzzCase[] = [];
  const offsets = new Set<number>([0, 1, 3, 4, 11, 12, b.length - 1, b.length - 2]);
  while (offsets.size < count) offsets.add(rnd() < 0.4 ? Math.floor(rnd() * Math.min(64, b.length)) : Math.floor(rnd() * b.length));
  for (const n of [...offsets].sort((x, y) => x - y)) out.push({ name: `${tag} cut at ${n}/${b.length}`, bytes: b.slice(0, n), mustFail: mustFail && n > 0 });
  return out;
}

/** Random bytes after the first `keep` bytes (a valid header with garbage behind it). */
function garbageBehind(tag: string, b: Uint8Array, rnd: () => number, keeps: number[]): FuzzCase[] {
  return keeps.map((keep) => {
    const c = new Uint8Array(b);
    for (let i = Math.min(keep, c.length); i < c.length; i++) c[i] = Math.floor(rnd() * 256);
    return { name: `${tag} random bytes after ${keep}`, bytes: c };
  });
}

/** Bytes overwritten at random places with extreme values (0x00, 0xff, 0x7f, 0x80) or random ones. */
function damage(tag: string, b: Uint8Array, rnd: () => number, count: number, headerBytes: number): FuzzCase[] {
  const out: FuzzCase[] = [];
  for (let k = 0; k < count; k++) {
    const c = new Uint8Array(b);
    const hits = 1 + Math.floor(rnd() * 4);
    const where: number[] = [];
    for (let h = 0; h < hits; h++) {
      const i = rnd() < 0.6 ? Math.floor(rnd() * Math.min(headerBytes, c.length)) : Math.floor(rnd() * c.length);
      c[i] = [0x00, 0xff, 0x7f, 0x80, Math.floor(rnd() * 256)][Math.floor(rnd() * 5)]!;
      where.push(i);
    }
    out.push({ name: `${tag} damaged at ${where.join(',')}`, bytes: c });
  }
  return out;
}

/** WAV header fields at their extremes, chunk sizes beyond the file, odd formats, non-finite and huge samples. */
function wavExtremes(tag: string, b: Uint8Array, rnd: () => number): FuzzCase[] {
  const out: FuzzCase[] = [];
  const fmt = chunkAt(b, 'fmt ');
  const data = chunkAt(b, 'data');
  const f = fmt + 8;
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  for (const v of [0, 1, 3999, 768001, 0x7fffffff, 0xffffffff]) out.push({ name: `${tag} rate ${v}`, bytes: setU32(b, f + 4, v) });
  for (const v of [0, 65, 255, 0xffff]) out.push({ name: `${tag} ${v} channels`, bytes: setU16(b, f + 2, v) });
  for (let k = 0; k < 6; k++) {
    const v = pick(EXTREME_U16);
    out.push({ name: `${tag} bits ${v}`, bytes: setU16(b, f + 14, v) });
  }
  for (const v of [0, 1, 3, 0xffff]) out.push({ name: `${tag} blockAlign ${v}`, bytes: setU16(b, f + 12, v) });
  for (const tagValue of [0x0000, 0x0002, 0x0003, 0x0011, 0x0055, 0x1234, 0xfffe]) out.push({ name: `${tag} format tag 0x${tagValue.toString(16)}`, bytes: setU16(b, f, tagValue) });
  for (const v of EXTREME_U32) out.push({ name: `${tag} data size ${v}`, bytes: setU32(b, data + 4, v), mustFail: v > b.length && v !== 0xffffffff });
  for (const v of [0, 15, 39, 0x7fffffff, 0xffffffff]) out.push({ name: `${tag} fmt size ${v}`, bytes: setU32(b, fmt + 4, v) });
  for (const v of [0, 4, 0xffffffff]) out.push({ name: `${tag} RIFF size ${v}`, bytes: setU32(b, 4, v) });
  // An unknown chunk before the data that claims to be longer than the file.
  const list = new Uint8Array(b.length + 12);
  list.set(b.subarray(0, data));
  list.set([0x4c, 0x49, 0x53, 0x54], data);
  new DataView(list.buffer).setUint32(data + 4, 0x7ffffff0, true);
  list.set(b.subarray(data), data + 12);
  out.push({ name: `${tag} LIST chunk of 2 GB before data`, bytes: list, mustFail: true });
  return out;
}

/** Float WAV with NaN, ±Inf, huge finite and subnormal samples at random places. */
function floatSamples(tag: string, b: Uint8Array, rnd: () => number): FuzzCase[] {
  const data = chunkAt(b, 'data') + 8;
  const n = Math.floor((b.length - data) / 4);
  return [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e30, -3.4e38, 1001, 999, 1e-40].map((v) => {
    const c = new Uint8Array(b);
    const view = new DataView(c.buffer);
    for (let k = 0; k < 3; k++) view.setFloat32(data + 4 * Math.floor(rnd() * n), v, true);
    return { name: `${tag} samples of ${v}`, bytes: c, mustFail: !(Math.abs(v) <= 1000) };
  });
}

/** STREAMINFO fields of a native FLAC file at extremes (sizes from RFC 9639 §8.2). */
function flacExtremes(tag: string, b: Uint8Array): FuzzCase[] {
  const out: FuzzCase[] = [];
  const p = 8; // STREAMINFO body
  const withRate = (hz: number) => {
    const c = new Uint8Array(b);
    c[p + 10] = (hz >> 12) & 0xff;
    c[p + 11] = (hz >> 4) & 0xff;
    c[p + 12] = (c[p + 12]! & 0x0f) | ((hz & 0x0f) << 4);
    return c;
  };
  for (const hz of [0, 1, 3999, 768001, 0xfffff]) out.push({ name: `${tag} STREAMINFO rate ${hz}`, bytes: withRate(hz) });
  for (const bps of [1, 3, 4, 31, 32]) {
    const c = new Uint8Array(b);
    const v = bps - 1;
    c[p + 12] = (c[p + 12]! & 0xfe) | (v >> 4);
    c[p + 13] = (c[p + 13]! & 0x0f) | ((v & 0x0f) << 4);
    out.push({ name: `${tag} STREAMINFO ${bps} bits`, bytes: c });
  }
  for (const ch of [1, 8]) {
    const c = new Uint8Array(b);
    c[p + 12] = (c[p + 12]! & 0xf1) | ((ch - 1) << 1);
    out.push({ name: `${tag} STREAMINFO ${ch} channels`, bytes: c, mustFail: true });
  }
  const total = new Uint8Array(b);
  total[p + 13] = total[p + 13]! | 0x0f;
  total.fill(0xff, p + 14, p + 18);
  out.push({ name: `${tag} STREAMINFO 2^36 samples`, bytes: total, mustFail: true });
  for (const [lo, hi] of [[0, 0], [16, 15], [65535, 65535], [1, 1]]) {
    const c = new Uint8Array(b);
    c[p] = lo! >> 8;
    c[p + 1] = lo! & 0xff;
    c[p + 2] = hi! >> 8;
    c[p + 3] = hi! & 0xff;
    out.push({ name: `${tag} block sizes ${lo}–${hi}`, bytes: c });
  }
  for (const len of [0, 33, 0xffffff]) {
    const c = new Uint8Array(b);
    c[5] = len >> 16;
    c[6] = (len >> 8) & 0xff;
    c[7] = len & 0xff;
    out.push({ name: `${tag} STREAMINFO length ${len}`, bytes: c, mustFail: true });
  }
  return out;
}

/** Ogg page fields at extremes: segment counts, lacing values, flags, version. */
function oggExtremes(tag: string, b: Uint8Array): FuzzCase[] {
  const out: FuzzCase[] = [];
  const edit = (name: string, f: (c: Uint8Array) => void, mustFail = true) => {
    const c = new Uint8Array(b);
    f(c);
    out.push({ name: `${tag} ${name}`, bytes: c, mustFail });
  };
  edit('version 1', (c) => (c[4] = 1));
  edit('255 segments in page 1', (c) => (c[26] = 255));
  edit('lacing 255 everywhere in page 1', (c) => c.fill(255, 27, 27 + c[26]!));
  edit('no end-of-stream flag', (c) => {
    for (let i = c.length - 4; i >= 0; i--) {
      if (c[i] === 0x4f && c[i + 1] === 0x67 && c[i + 2] === 0x67 && c[i + 3] === 0x53) {
        c[i + 5] = c[i + 5]! & ~0x04;
        break;
      }
    }
  });
  edit('page 1 checksum zeroed', (c) => c.fill(0, 22, 26));
  return out;
}

/** Files with no valid structure at all: noise, with or without a real magic number in front. */
function noiseFiles(rnd: () => number, count: number): FuzzCase[] {
  const magics = ['', 'RIFF', 'RF64', 'fLaC', 'OggS', 'ID3', '\xff\xfb', 'FORM'];
  const out: FuzzCase[] = [];
  for (let k = 0; k < count; k++) {
    const n = Math.floor(rnd() ** 2 * 20000);
    const c = new Uint8Array(n);
    for (let i = 0; i < n; i++) c[i] = Math.floor(rnd() * 256);
    const magic = magics[k % magics.length]!;
    for (let i = 0; i < magic.length && i < n; i++) c[i] = magic.charCodeAt(i);
    out.push({ name: `noise ${n} bytes after "${magic}"`, bytes: c });
  }
  return out;
}

export interface BaseFiles {
  wav16: Uint8Array;
  wavFloat: Uint8Array;
  rf64: Uint8Array;
  flac: Uint8Array;
  oggFlac: Uint8Array;
  vorbis: Uint8Array;
  mp3: Uint8Array;
  mp3Low: Uint8Array;
}

/** Every case, in a fixed order, for `seed`. */
export function fuzzCases(base: BaseFiles, seed: number): FuzzCase[] {
  const rnd = prng(seed);
  const cases: FuzzCase[] = [{ name: 'empty file', bytes: new Uint8Array(0) }];
  for (const [tag, b] of Object.entries(base)) cases.push({ name: `${tag} intact`, bytes: b });
  cases.push(...truncations('wav16', base.wav16, rnd, 20, true));
  cases.push(...truncations('rf64', base.rf64, rnd, 6, true));
  cases.push(...truncations('flac', base.flac, rnd, 20, true));
  cases.push(...truncations('ogg-flac', base.oggFlac, rnd, 8, true));
  cases.push(...truncations('vorbis', base.vorbis, rnd, 10, true));
  cases.push(...truncations('mp3', base.mp3, rnd, 10, false));
  cases.push(...wavExtremes('wav16', base.wav16, rnd));
  cases.push(...wavExtremes('rf64', base.rf64, rnd).slice(0, 10));
  cases.push(...floatSamples('wav-float', base.wavFloat, rnd));
  cases.push(...flacExtremes('flac', base.flac));
  cases.push(...oggExtremes('ogg-flac', base.oggFlac));
  cases.push(...oggExtremes('vorbis', base.vorbis));
  for (const [tag, b, header] of [
    ['wav16', base.wav16, 44],
    ['flac', base.flac, 42],
    ['ogg-flac', base.oggFlac, 80],
    ['vorbis', base.vorbis, 120],
    ['mp3', base.mp3, 200],
    ['mp3-8k', base.mp3Low, 100],
  ] as const) {
    cases.push(...garbageBehind(tag, b, rnd, [header >> 1, header, header + 64]));
    cases.push(...damage(tag, b, rnd, 16, header));
  }
  cases.push(...noiseFiles(rnd, 40));
  return cases;
}
