// The streaming import decoder (src-main/audio/decode-stream.ts) against the whole-file decoder: the same facts,
// samples, peaks cache (byte for byte) and errors for every WAV encoding and layout, a copy identical to the source,
// an overview sampled inside the exact envelope before exact pairs that tile the file, and cancel within a block.
// PeaksBuilder is checked against computePeaks for blocks of any size.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import { decodeFileStreaming, OVERVIEW_BUCKETS, STREAM_BUCKETS, type PeaksUpdate } from '../../../src-main/audio/decode-stream';
import { computePeaks, peakCount, serializePeaks } from '../../../src-main/audio/peaks';
import { PeaksBuilder, levelFor } from '../../../src-main/audio/peaks-stream';
import { encodeWav } from '../../../src-main/audio/wav';
import type { AudioData } from '../../../src-main/audio/types';
import { firstDifference, removeTempDirs, retakeError, sine, tempDir, tool } from './helpers';

afterAll(removeTempDirs);
const dir = tempDir('decode-stream');

/** A deterministic signal with a varying envelope (so peaks differ from bucket to bucket). */
function signal(n: number, seed: number, amp = 0.8): Float32Array {
  const x = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const env = 0.5 + 0.5 * Math.sin(i / 9000 + seed);
    x[i] = amp * env * ((s / 2 ** 32) * 2 - 1);
  }
  return x;
}

interface Layout {
  tag: number;
  bits: number;
  channels: number;
  rate: number;
  frames: number;
  container?: 'RIFF' | 'RF64';
  /** Chunks before fmt / between fmt and data / after data. */
  before?: Uint8Array;
  between?: Uint8Array;
  after?: Uint8Array;
  /** Extra bytes at the end of the data chunk (a partial frame). */
  partial?: number;
  /** Sample encoder: channel c, frame i → bytes written at the view offset. */
  put: (v: DataView, o: number, c: number, i: number) => void;
}

function chunkBytes(id: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length & 1));
  for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i);
  new DataView(out.buffer).setUint32(4, body.length, true);
  out.set(body, 8);
  return out;
}

/** A hand-built WAV file (independent of the codec under test). */
function wavFile(l: Layout): Uint8Array {
  const bps = l.bits / 8;
  const blockAlign = bps * l.channels;
  const dataBytes = l.frames * blockAlign + (l.partial ?? 0);
  const fmt = new DataView(new ArrayBuffer(16));
  fmt.setUint16(0, l.tag, true);
  fmt.setUint16(2, l.channels, true);
  fmt.setUint32(4, l.rate, true);
  fmt.setUint32(8, l.rate * blockAlign, true);
  fmt.setUint16(12, blockAlign, true);
  fmt.setUint16(14, l.bits, true);
  const rf64 = l.container === 'RF64';
  const ds64 = rf64 ? chunkBytes('ds64', new Uint8Array(28)) : new Uint8Array(0);
  const head = [
    ds64,
    l.before ?? new Uint8Array(0),
    chunkBytes('fmt ', new Uint8Array(fmt.buffer)),
    l.between ?? new Uint8Array(0),
  ];
  const headLen = 12 + head.reduce((n, h) => n + h.length, 0) + 8;
  const after = l.after ?? new Uint8Array(0);
  const total = headLen + dataBytes + (dataBytes & 1) + after.length;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  const put4 = (o: number, s: string) => [...s].forEach((ch, i) => (out[o + i] = ch.charCodeAt(0)));
  put4(0, rf64 ? 'RF64' : 'RIFF');
  v.setUint32(4, rf64 ? 0xffffffff : total - 8, true);
  put4(8, 'WAVE');
  let o = 12;
  for (const h of head) {
    out.set(h, o);
    o += h.length;
  }
  if (rf64) {
    // ds64 body: riff size, data size (64-bit each), sample count.
    v.setUint32(12 + 8, total - 8, true);
    v.setUint32(12 + 16, dataBytes, true);
  }
  put4(o, 'data');
  v.setUint32(o + 4, rf64 ? 0xffffffff : dataBytes, true);
  o += 8;
  for (let i = 0; i < l.frames; i++) for (let c = 0; c < l.channels; c++) l.put(v, o + i * blockAlign + c * bps, c, i);
  out.set(after, headLen + dataBytes + (dataBytes & 1));
  return out;
}

function writeTemp(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Decodes with the streaming decoder, collecting its updates and progress, copying to a new file. */
async function stream(file: string, opts: { keepSeconds?: number; signal?: AbortSignal; onPeaks?: (u: PeaksUpdate) => void } = {}) {
  const updates: PeaksUpdate[] = [];
  const progress: number[] = [];
  const copyTo = `${file}.copy-${Math.random().toString(36).slice(2)}`;
  const r = await decodeFileStreaming(file, {
    copyTo,
    keepSeconds: opts.keepSeconds ?? Infinity,
    signal: opts.signal,
    onProgress: (f) => progress.push(f),
    onPeaks: (u) => {
      updates.push(u);
      opts.onPeaks?.(u);
    },
  });
  return { r, updates, progress, copyTo };
}

function expectSameAudio(a: AudioData, b: AudioData): void {
  expect(a.sampleRate).toBe(b.sampleRate);
  expect(a.channels.length).toBe(b.channels.length);
  a.channels.forEach((c, i) => expect(firstDifference(c, b.channels[i]!)).toBe(-1));
}

/** Envelope of the exact peaks over groups of `group` buckets, as the stream sends it. */
function envelopeOf(file: AudioData, spp: number, group: number): number[] {
  const p = computePeaks(file, spp);
  const count = peakCount(p.frames, spp);
  const out: number[] = [];
  for (let g = 0; g * group < count; g++) {
    let lo = 32767;
    let hi = -32767;
    for (const ch of p.channels) {
      for (let b = g * group; b < Math.min(count, (g + 1) * group); b++) {
        lo = Math.min(lo, ch[2 * b]!);
        hi = Math.max(hi, ch[2 * b + 1]!);
      }
    }
    out.push(lo, hi);
  }
  return out;
}

const n = 800_000;
const ENCODINGS: Array<{ name: string; tag: number; bits: number; put: Layout['put'] }> = [
  { name: 'pcm8', tag: 1, bits: 8, put: (v, o, c, i) => v.setUint8(o, (i * 7 + c * 31) & 255) },
  { name: 'pcm16', tag: 1, bits: 16, put: (v, o, c, i) => v.setInt16(o, ((i * 977 + c * 4099) % 65536) - 32768, true) },
  {
    name: 'pcm24',
    tag: 1,
    bits: 24,
    put: (v, o, c, i) => {
      const x = (i * 104729 + c * 7) & 0xffffff;
      v.setUint8(o, x & 255);
      v.setUint16(o + 1, x >> 8, true);
    },
  },
  { name: 'pcm32', tag: 1, bits: 32, put: (v, o, c, i) => v.setInt32(o, Math.imul(i + 1, 2654435761 + c), true) },
  { name: 'float32', tag: 3, bits: 32, put: (v, o, c, i) => v.setFloat32(o, Math.sin(i / 50 + c) * (0.2 + (i % 1000) / 1500), true) },
  { name: 'float64', tag: 3, bits: 64, put: (v, o, c, i) => v.setFloat64(o, Math.cos(i / 70 + c) * 0.7, true) },
  { name: 'alaw', tag: 6, bits: 8, put: (v, o, c, i) => v.setUint8(o, (i * 13 + c) & 255) },
  { name: 'mulaw', tag: 7, bits: 8, put: (v, o, c, i) => v.setUint8(o, (i * 29 + c * 3) & 255) },
];

describe('decodeFileStreaming: WAV as the whole-file decoder reads it', () => {
  it.each(ENCODINGS)('$name: same audio, facts and peaks cache, a byte-identical copy, determinate progress', async (enc) => {
    const channels = enc.bits === 64 ? 3 : 2;
    // About 5 MB each: three blocks of the decoder.
    const frames = Math.round(5e6 / ((enc.bits / 8) * channels));
    const bytes = wavFile({ tag: enc.tag, bits: enc.bits, channels, rate: 44100, frames, put: enc.put });
    const file = writeTemp(`${enc.name}.wav`, bytes);
    const whole = await decodeFile(file);
    const { r, progress, copyTo } = await stream(file);
    expect(r).toMatchObject({ format: 'wav', sampleRate: 44100, channels, frames });
    expectSameAudio(r.kept!, whole);
    expect(firstDifference(serializePeaks(r.peaks), serializePeaks(computePeaks(whole, 256)))).toBe(-1);
    expect(firstDifference(readFileSync(copyTo), bytes)).toBe(-1);
    expect(progress.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
    expect(progress.at(-1)).toBe(1);
  });

  it('pcm16 beyond the kept seconds: peaks from the integers, the same cache', async () => {
    const audio: AudioData = { sampleRate: 48000, channels: [signal(1_500_000, 7), signal(1_500_000, 8, 1.2)] };
    const file = writeTemp('int16.wav', encodeWav(audio, 'pcm16'));
    const whole = await decodeFile(file);
    for (const keepSeconds of [0, 10]) {
      const { r, updates } = await stream(file, { keepSeconds });
      expect(firstDifference(serializePeaks(r.peaks), serializePeaks(computePeaks(whole, 256)))).toBe(-1);
      expect(updates.filter((u) => !u.overview).flatMap((u) => Array.from(u.pairs))).toEqual(envelopeOf(whole, 256, levelFor(r.frames, 256, STREAM_BUCKETS)));
    }
  });

  it('RF64 with metadata before and between the chunks, a partial last frame and a trailing chunk', async () => {
    const meta = chunkBytes('bext', new Uint8Array(70_001).fill(65));
    const bytes = wavFile({
      tag: 1,
      bits: 16,
      channels: 2,
      rate: 48000,
      frames: n,
      container: 'RF64',
      before: meta,
      between: chunkBytes('LIST', new Uint8Array(33)),
      after: chunkBytes('iXML', new Uint8Array(101).fill(66)),
      partial: 3,
      put: ENCODINGS[1]!.put,
    });
    const file = writeTemp('rf64.wav', bytes);
    const whole = await decodeFile(file);
    const { r, copyTo } = await stream(file);
    expect(r.frames).toBe(n);
    expectSameAudio(r.kept!, whole);
    expect(firstDifference(serializePeaks(r.peaks), serializePeaks(computePeaks(whole, 256)))).toBe(-1);
    expect(firstDifference(readFileSync(copyTo), bytes)).toBe(-1);
  });

  it('keeps only the leading seconds asked for, and none by default', async () => {
    const audio: AudioData = { sampleRate: 16000, channels: [signal(160_000, 3)] };
    const file = writeTemp('keep.wav', encodeWav(audio, 'pcm16'));
    const whole = await decodeFile(file);
    const { r } = await stream(file, { keepSeconds: 2.5 });
    expectSameAudio(r.kept!, { sampleRate: 16000, channels: [whole.channels[0]!.subarray(0, 40_000)] });
    expect((await decodeFileStreaming(file)).kept).toBeNull();
  });

  it('refuses what the whole-file decoder refuses, with the same error', async () => {
    const good = wavFile({ tag: 1, bits: 16, channels: 1, rate: 8000, frames: 1000, put: ENCODINGS[1]!.put });
    const truncated = good.subarray(0, good.length - 10);
    const adpcm = wavFile({ tag: 2, bits: 16, channels: 1, rate: 8000, frames: 100, put: ENCODINGS[1]!.put });
    const nan = wavFile({ tag: 3, bits: 32, channels: 1, rate: 8000, frames: 300_000, put: (v, o, _c, i) => v.setFloat32(o, i === 299_000 ? NaN : 0.1, true) });
    const noData = good.subarray(0, 36);
    const cases: Array<[string, Uint8Array, string]> = [
      ['truncated.wav', truncated, 'E_CORRUPT_AUDIO'],
      ['adpcm.wav', adpcm, 'E_UNSUPPORTED_AUDIO'],
      ['nan.wav', nan, 'E_INVALID_SAMPLES'],
      ['nodata.wav', noData, 'E_CORRUPT_AUDIO'],
      ['empty.wav', new Uint8Array(0), 'E_EMPTY_AUDIO'],
      ['text.wav', new TextEncoder().encode('not audio at all'), 'E_UNSUPPORTED_AUDIO'],
    ];
    for (const [name, bytes, code] of cases) {
      const file = writeTemp(name, bytes);
      const whole = await retakeError(() => decodeFile(file));
      const streamed = await retakeError(() => decodeFileStreaming(file, { name: file }));
      expect([name, streamed.code]).toEqual([name, code]);
      expect(streamed.message).toBe(whole.message);
    }
    expect((await retakeError(() => decodeFileStreaming(join(dir, 'missing.wav')))).code).toBe('E_FILE_NOT_FOUND');
    expect((await retakeError(() => decodeFileStreaming(dir))).code).toBe('E_UNSUPPORTED_AUDIO');
  });
});

describe('decodeFileStreaming: the waveform while decoding', () => {
  // 100 s of mono 48 kHz: long enough for a sampled overview (more than the probes read) and several blocks.
  const rate = 48000;
  const audio: AudioData = { sampleRate: rate, channels: [signal(100 * rate, 11)] };
  const file = writeTemp('long.wav', encodeWav(audio, 'pcm16'));

  it('sends an overview inside the exact envelope first, then exact pairs that tile the file in order', async () => {
    const whole = await decodeFile(file);
    const { r, updates } = await stream(file);
    const frames = r.frames;
    const [first, ...rest] = updates;
    expect(first!.overview).toBe(true);
    const coarse = levelFor(frames, 256, OVERVIEW_BUCKETS);
    const fine = levelFor(frames, 256, STREAM_BUCKETS);
    expect(coarse).toBeGreaterThan(fine);
    expect(first!.bucketFrames).toBe(coarse * 256);
    const exactCoarse = envelopeOf(whole, 256, coarse);
    expect(first!.pairs.length).toBe(exactCoarse.length);
    for (let i = 0; i < exactCoarse.length; i += 2) {
      expect(first!.pairs[i]!).toBeGreaterThanOrEqual(exactCoarse[i]!);
      expect(first!.pairs[i + 1]!).toBeLessThanOrEqual(exactCoarse[i + 1]!);
    }
    // The exact pairs (in batches every 150 ms, so their number depends on the machine): contiguous from 0, one
    // resolution, the last one flagged, equal to the final peaks' envelope.
    expect(rest.length).toBeGreaterThanOrEqual(1);
    let next = 0;
    const got: number[] = [];
    for (const u of rest) {
      expect([u.overview, u.bucketFrames, u.start]).toEqual([false, fine * 256, next]);
      next += u.pairs.length / 2;
      got.push(...u.pairs);
    }
    expect(rest.map((u) => u.last)).toEqual([...rest.slice(1).map(() => false), true]);
    expect(got).toEqual(envelopeOf(whole, 256, fine));
  });

  it('stops within a block once cancelled, having read only part of the file', async () => {
    const ac = new AbortController();
    const progress: number[] = [];
    const err = await retakeError(() =>
      decodeFileStreaming(file, {
        signal: ac.signal,
        onProgress: (f) => {
          progress.push(f);
          if (f > 0.1) ac.abort();
        },
      }),
    );
    expect(err.code).toBe('E_CANCELLED');
    // Blocks are 2 MiB of this 9.6 MB file: the block under way when cancelled is the last one read.
    expect(progress.at(-1)!).toBeLessThan(0.5);
  });

  it('refuses a file whose overview reads find invalid samples, as the whole-file decoder does', async () => {
    // 100 s of float32 with a NaN stretch in the middle: several of the concurrent overview reads fail.
    const frames = 100 * rate;
    const nanFile = writeTemp(
      'nan-middle.wav',
      wavFile({ tag: 3, bits: 32, channels: 1, rate, frames, put: (v, o, _c, i) => v.setFloat32(o, i > 2_000_000 && i < 3_500_000 ? NaN : 0.25, true) }),
    );
    const whole = await retakeError(() => decodeFile(nanFile));
    const err = await retakeError(() => decodeFileStreaming(nanFile, { onPeaks: () => {} }));
    expect([err.code, whole.code]).toEqual(['E_INVALID_SAMPLES', 'E_INVALID_SAMPLES']);
  });

  it('sends exact pairs at once for formats decoded whole (FLAC)', async () => {
    const wav = writeTemp('for-flac.wav', encodeWav({ sampleRate: 44100, channels: [sine(300, 44100, 200_000), signal(200_000, 5, 0.4)] }, 'pcm16'));
    const flac = join(dir, 'x.flac');
    tool('flac', ['-s', '-f', '-o', flac, wav]);
    const whole = await decodeFile(flac);
    const { r, updates, copyTo } = await stream(flac);
    expect(r).toMatchObject({ format: 'flac', frames: 200_000, channels: 2 });
    expectSameAudio(r.kept!, whole);
    expect(firstDifference(serializePeaks(r.peaks), serializePeaks(computePeaks(whole, 256)))).toBe(-1);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ overview: false, last: true, start: 0 });
    expect(Array.from(updates[0]!.pairs)).toEqual(envelopeOf(whole, 256, levelFor(200_000, 256, STREAM_BUCKETS)));
    expect(firstDifference(readFileSync(copyTo), readFileSync(flac))).toBe(-1);
  });
});

describe('PeaksBuilder', () => {
  it('equals computePeaks for blocks of any size, including buckets that span blocks and a partial last bucket', () => {
    const frames = 10_007;
    const audio: AudioData = { sampleRate: 8000, channels: [signal(frames, 1), signal(frames, 2, 1.5)] };
    for (const spp of [1, 7, 256]) {
      for (const sizes of [[frames], [1, 2, 3, 5000], [255, 257, 4096], [999]]) {
        const b = new PeaksBuilder(2, frames, 8000, spp);
        let at = 0;
        for (let k = 0; at < frames; k++) {
          const m = Math.min(sizes[k % sizes.length]!, frames - at);
          b.push(audio.channels.map((c) => c.subarray(at, at + m)));
          at += m;
          expect(b.completed).toBe(at === frames ? peakCount(frames, spp) : Math.floor(at / spp));
        }
        expect(firstDifference(serializePeaks(b.peaks()), serializePeaks(computePeaks(audio, spp)))).toBe(-1);
      }
    }
  });

  it('takes 16-bit integers as the WAV decoder scales them, mixed with float blocks in any order', () => {
    const frames = 5003;
    const ints = new Int16Array(frames * 2);
    let s = 9;
    for (let i = 0; i < ints.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      ints[i] = (s >>> 16) - 32768;
    }
    ints[0] = -32768;
    ints[3] = 32767;
    const channels = [0, 1].map((c) => Float32Array.from({ length: frames }, (_, i) => ints[2 * i + c]! / 32768));
    const expected = serializePeaks(computePeaks({ sampleRate: 8000, channels }, 100));
    const b = new PeaksBuilder(2, frames, 8000, 100);
    let at = 0;
    for (const [m, asInt] of [[150, true], [77, false], [1000, true], [1, true], [3775, false]] as const) {
      if (asInt) b.pushInt16(ints.subarray(2 * at, 2 * (at + m)));
      else b.push(channels.map((c) => c.subarray(at, at + m)));
      at += m;
    }
    expect(at).toBe(frames);
    expect(firstDifference(serializePeaks(b.peaks()), expected)).toBe(-1);
  });

  it('refuses envelopes of buckets not yet computed and peaks before the end', async () => {
    const b = new PeaksBuilder(1, 1000, 8000, 10);
    b.push([new Float32Array(55)]);
    expect(Array.from(b.envelope(2, 0, 2))).toHaveLength(4);
    expect((await retakeError(() => b.envelope(2, 0, 3))).code).toBe('E_INTERNAL');
    expect((await retakeError(() => b.peaks())).code).toBe('E_INTERNAL');
  });
});
