import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav, isWav, parseWavHeader } from '../../../src-main/audio/wav';
import type { WavEncodeFormat } from '../../../src-main/audio/wav';
import type { AudioData } from '../../../src-main/audio/types';
import { firstDifference, retakeError, sine } from './helpers';

// ---- hand-built files, independent of encodeWav --------------------------------------------------------------------

interface Chunk { id: string; body: Uint8Array; size?: number }

function chunk(id: string, body: Uint8Array | number[], size?: number): Chunk {
  return { id, body: body instanceof Uint8Array ? body : Uint8Array.from(body), size };
}

function riff(chunks: Chunk[], head = 'RIFF'): Uint8Array {
  const parts: number[] = [];
  const push4 = (s: string): void => { for (const c of s) parts.push(c.charCodeAt(0)); };
  const pushU32 = (v: number): void => { parts.push(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255); };
  push4(head); pushU32(0); push4('WAVE');
  for (const c of chunks) {
    push4(c.id);
    pushU32(c.size ?? c.body.length);
    parts.push(...c.body);
    if (c.body.length & 1) parts.push(0);
  }
  const out = Uint8Array.from(parts);
  if (head === 'RIFF') new DataView(out.buffer).setUint32(4, out.length - 8, true);
  else new DataView(out.buffer).setUint32(4, 0xffffffff, true);
  return out;
}

function fmt(tag: number, channels: number, rate: number, bits: number, blockAlign = channels * Math.ceil(bits / 8)): Chunk {
  const b = new DataView(new ArrayBuffer(16));
  b.setUint16(0, tag, true); b.setUint16(2, channels, true); b.setUint32(4, rate, true);
  b.setUint32(8, rate * blockAlign, true); b.setUint16(12, blockAlign, true); b.setUint16(14, bits, true);
  return chunk('fmt ', new Uint8Array(b.buffer));
}

function fmtExtensible(subTag: number, channels: number, rate: number, containerBits: number, validBits: number, mask: number, guidTail?: number[]): Chunk {
  const blockAlign = channels * (containerBits / 8);
  const b = new DataView(new ArrayBuffer(40));
  b.setUint16(0, 0xfffe, true); b.setUint16(2, channels, true); b.setUint32(4, rate, true);
  b.setUint32(8, rate * blockAlign, true); b.setUint16(12, blockAlign, true); b.setUint16(14, containerBits, true);
  b.setUint16(16, 22, true); b.setUint16(18, validBits, true); b.setUint32(20, mask, true); b.setUint32(24, subTag, true);
  const tail = guidTail ?? [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
  tail.forEach((v, i) => b.setUint8(28 + i, v));
  return chunk('fmt ', new Uint8Array(b.buffer));
}

function le(values: number[], bytes: number, kind: 'int' | 'float' = 'int'): Uint8Array {
  const out = new Uint8Array(values.length * bytes);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => {
    const o = i * bytes;
    if (kind === 'float') {
      if (bytes === 4) v.setFloat32(o, x, true);
      else v.setFloat64(o, x, true);
    }
    else if (bytes === 1) v.setUint8(o, x);
    else if (bytes === 2) v.setInt16(o, x, true);
    else if (bytes === 3) { v.setUint8(o, x & 255); v.setUint8(o + 1, (x >> 8) & 255); v.setUint8(o + 2, (x >> 16) & 255); }
    else v.setInt32(o, x, true);
  });
  return out;
}

const arr = (x: Float32Array): number[] => Array.from(x);

describe('decodeWav: hand-built headers', () => {
  it('8-bit unsigned PCM', () => {
    const a = decodeWav(riff([fmt(1, 1, 8000, 8), chunk('data', [0, 64, 128, 192, 255])]));
    expect(a.sampleRate).toBe(8000);
    expect(arr(a.channels[0]!)).toEqual([-1, -0.5, 0, 0.5, 127 / 128]);
  });

  it('16-bit PCM, stereo, deinterleaved', () => {
    const a = decodeWav(riff([fmt(1, 2, 44100, 16), chunk('data', le([-32768, 32767, 16384, -16384], 2))]));
    expect(arr(a.channels[0]!)).toEqual([-1, 0.5]);
    expect(arr(a.channels[1]!)).toEqual([32767 / 32768, -0.5]);
  });

  it('24-bit PCM, including sign extension', () => {
    const a = decodeWav(riff([fmt(1, 1, 96000, 24), chunk('data', le([0x800000, 0x7fffff, 0xc00000, 0x000001], 3))]));
    expect(a.sampleRate).toBe(96000);
    expect(arr(a.channels[0]!)).toEqual([-1, Math.fround(8388607 / 8388608), -0.5, Math.fround(1 / 8388608)]);
  });

  it('32-bit integer PCM', () => {
    const a = decodeWav(riff([fmt(1, 1, 48000, 32), chunk('data', le([-2147483648, 1073741824, 0], 4))]));
    expect(arr(a.channels[0]!)).toEqual([-1, 0.5, 0]);
  });

  it('32-bit and 64-bit float', () => {
    const f32 = decodeWav(riff([fmt(3, 1, 22050, 32), chunk('data', le([0.25, -1.5, 0], 4, 'float'))]));
    expect(arr(f32.channels[0]!)).toEqual([0.25, -1.5, 0]);
    const f64 = decodeWav(riff([fmt(3, 2, 22050, 64), chunk('data', le([0.1, -0.75, 1e-3, 2], 8, 'float'))]));
    expect(arr(f64.channels[0]!)).toEqual([Math.fround(0.1), Math.fround(1e-3)]);
    expect(arr(f64.channels[1]!)).toEqual([-0.75, 2]);
  });

  it('WAVE_FORMAT_EXTENSIBLE: PCM 20-in-24 bits, 24-in-32 bits, and float', () => {
    const a = decodeWav(riff([fmtExtensible(1, 2, 48000, 24, 20, 3), chunk('data', le([0x400000, 0xc00000], 3))]));
    expect(arr(a.channels[0]!)).toEqual([0.5]);
    expect(arr(a.channels[1]!)).toEqual([-0.5]);
    expect(parseWavHeader(riff([fmtExtensible(1, 2, 48000, 24, 20, 3), chunk('data', le([1, 2], 3))])).bitsPerSample).toBe(20);
    const b = decodeWav(riff([fmtExtensible(1, 1, 48000, 32, 24, 4), chunk('data', le([0x40000000], 4))]));
    expect(arr(b.channels[0]!)).toEqual([0.5]);
    const c = decodeWav(riff([fmtExtensible(3, 1, 48000, 32, 32, 4), chunk('data', le([0.125], 4, 'float'))]));
    expect(arr(c.channels[0]!)).toEqual([0.125]);
  });

  it('multichannel (6 channels, extensible 5.1 mask)', () => {
    const frames = 3;
    const vals: number[] = [];
    for (let i = 0; i < frames; i++) for (let c = 0; c < 6; c++) vals.push((c + 1) * 1000 + i);
    const a = decodeWav(riff([fmtExtensible(1, 6, 48000, 16, 16, 0x3f), chunk('data', le(vals, 2))]));
    expect(a.channels).toHaveLength(6);
    for (let c = 0; c < 6; c++) expect(arr(a.channels[c]!)).toEqual([0, 1, 2].map((i) => ((c + 1) * 1000 + i) / 32768));
    expect(parseWavHeader(riff([fmtExtensible(1, 6, 48000, 16, 16, 0x3f), chunk('data', le(vals, 2))])).channelMask).toBe(0x3f);
  });

  it('skips unknown and odd-sized chunks (with their pad byte), wherever they are', () => {
    const data = chunk('data', le([100, -100, 200], 2));
    const a = decodeWav(riff([chunk('JUNK', [1, 2, 3]), fmt(1, 1, 16000, 16), chunk('bext', [9]), chunk('LIST', [7, 7, 7, 7, 7]), data, chunk('id3 ', [1])]));
    expect(arr(a.channels[0]!)).toEqual([100, -100, 200].map((v) => v / 32768));
    // data before fmt
    const b = decodeWav(riff([data, fmt(1, 1, 16000, 16)]));
    expect(arr(b.channels[0]!)).toEqual(arr(a.channels[0]!));
    // odd-sized data (8-bit mono, 3 bytes) followed by another chunk after its pad byte
    const c = decodeWav(riff([fmt(1, 1, 8000, 8), chunk('data', [128, 255, 0]), chunk('cue ', [0, 0, 0, 0])]));
    expect(arr(c.channels[0]!)).toEqual([0, 127 / 128, -1]);
  });

  it('ignores a trailing partial frame', () => {
    const a = decodeWav(riff([fmt(1, 2, 8000, 16), chunk('data', le([1, 2, 3], 2))]));
    expect(a.channels[0]!.length).toBe(1);
  });

  it('reads RF64 (ds64 sizes) and a streaming placeholder data size', () => {
    const ds64 = new DataView(new ArrayBuffer(28));
    ds64.setUint32(8, 6, true); // data size, low 32 bits
    ds64.setUint32(16, 3, true); // sample count
    const f = riff([chunk('ds64', new Uint8Array(ds64.buffer)), fmt(1, 1, 32000, 16), chunk('data', le([1, 2, 3], 2), 0xffffffff)], 'RF64');
    expect(isWav(f)).toBe(true);
    const info = parseWavHeader(f);
    expect(info.container).toBe('RF64');
    expect(decodeWav(f).channels[0]!.length).toBe(3);
    const placeholder = riff([fmt(1, 1, 32000, 16), chunk('data', le([5, 6], 2), 0xffffffff)]);
    expect(arr(decodeWav(placeholder).channels[0]!)).toEqual([5 / 32768, 6 / 32768]);
  });

  it('decodes G.711 A-law and µ-law', () => {
    // Known G.711 code points: µ-law 0xFF/0x7F = 0, 0x80 = +32124, 0x00 = −32124; A-law 0xD5 = +8, 0x55 = −8, 0xAA = +32256.
    const mu = decodeWav(riff([fmt(7, 1, 8000, 8), chunk('data', [0xff, 0x80, 0x00])]));
    expect(arr(mu.channels[0]!)).toEqual([0, 32124 / 32768, -32124 / 32768]);
    const al = decodeWav(riff([fmt(6, 1, 8000, 8), chunk('data', [0xd5, 0x55, 0xaa])]));
    expect(arr(al.channels[0]!)).toEqual([8 / 32768, -8 / 32768, 32256 / 32768]);
  });

  it('parseWavHeader reports the layout without decoding', () => {
    const info = parseWavHeader(riff([fmt(1, 2, 44100, 24), chunk('data', new Uint8Array(6 * 10))]));
    expect(info).toMatchObject({ container: 'RIFF', sampleFormat: 'pcm24', bitsPerSample: 24, sampleRate: 44100, channels: 2, frames: 10, blockAlign: 6, dataOffset: 44, dataBytes: 60 });
  });
});

describe('decodeWav: bad input', () => {
  it('unsupported encodings and RIFF types name what they are', async () => {
    const adpcm = await retakeError(() => decodeWav(riff([fmt(2, 1, 8000, 4, 256), chunk('data', new Uint8Array(512))]), 'voice.wav'));
    expect(adpcm.code).toBe('E_UNSUPPORTED_AUDIO');
    expect(adpcm.message).toMatch(/"voice\.wav".*ADPCM/);
    const guid = await retakeError(() => decodeWav(riff([fmtExtensible(1, 1, 8000, 16, 16, 4, new Array(12).fill(1)), chunk('data', [0, 0])])));
    expect(guid.code).toBe('E_UNSUPPORTED_AUDIO');
    const avi = riff([chunk('data', [0, 0])]);
    avi.set([0x41, 0x56, 0x49, 0x20], 8);
    const e = await retakeError(() => decodeWav(avi, 'clip.avi'));
    expect(e.code).toBe('E_UNSUPPORTED_AUDIO');
    expect(e.message).toContain('AVI');
  });

  it('truncated data, a cut-short header, a missing fmt chunk and zero channels are corrupt', async () => {
    const full = riff([fmt(1, 1, 16000, 16), chunk('data', le([1, 2, 3, 4, 5, 6, 7, 8], 2))]);
    const cut = await retakeError(() => decodeWav(full.subarray(0, full.length - 5), 'take.wav'));
    expect(cut.code).toBe('E_CORRUPT_AUDIO');
    expect(cut.message).toMatch(/"take\.wav".*truncated/);
    for (const n of [4, 11, 20, 30, 40]) expect((await retakeError(() => decodeWav(full.subarray(0, n)))).code).toBe('E_CORRUPT_AUDIO');
    expect((await retakeError(() => decodeWav(riff([chunk('data', [0, 0])])))).code).toBe('E_CORRUPT_AUDIO');
    expect((await retakeError(() => decodeWav(riff([fmt(1, 0, 16000, 16, 2), chunk('data', [0, 0])])))).code).toBe('E_CORRUPT_AUDIO');
  });

  it('a file short by one byte is truncated, the complete file decodes, and a missing pad byte after odd data is harmless', async () => {
    const full = riff([fmt(1, 2, 16000, 16), chunk('data', le([1, 2, 3, 4, 5, 6, 7, 8], 2))]);
    expect(decodeWav(full).channels[1]![3]).toBe(8 / 32768);
    const short = await retakeError(() => decodeWav(full.subarray(0, full.length - 1), 'short.wav'));
    expect(short.code).toBe('E_CORRUPT_AUDIO');
    expect(short.message).toMatch(/"short\.wav".*declares 16 bytes .* ends after 15, so the file is truncated/);
    expect(() => parseWavHeader(full.subarray(0, full.length - 1))).toThrow(/truncated/);
    // 8-bit mono with 3 samples: the data chunk is odd, and the pad byte RIFF adds after it may be missing.
    const odd = riff([fmt(1, 1, 16000, 8), chunk('data', [128, 255, 0])]);
    expect(odd.length % 2).toBe(0);
    expect(Array.from(decodeWav(odd.subarray(0, odd.length - 1)).channels[0]!)).toEqual([0, 127 / 128, -1]);
  });

  it('refuses rates outside 4 kHz–768 kHz and more than 64 channels from the header, before reading samples', async () => {
    for (const [rate, channels, limit] of [
      [1, 1, 'sampleRate'],
      [3999, 1, 'sampleRate'],
      [768001, 1, 'sampleRate'],
      [4_000_000_000, 1, 'sampleRate'],
      [48000, 65, 'channels'],
      [48000, 65535, 'channels'],
    ] as const) {
      // At most one frame of data: the refusal must not depend on how much audio there is.
      const bytes = riff([fmt(1, channels, rate, 16), chunk('data', new Uint8Array(Math.min(2 * channels, 128)))]);
      const e = await retakeError(() => decodeWav(bytes, 'odd.wav'));
      expect(e.code, `${rate} Hz × ${channels}`).toBe('E_UNSUPPORTED_AUDIO');
      expect(e.message).toMatch(/^Cannot read "odd\.wav": .*4 kHz to 768 kHz and 1 to 64 channels/);
      expect(e.details).toMatchObject({ file: 'odd.wav', limit });
      expect((await retakeError(() => parseWavHeader(bytes))).code).toBe('E_UNSUPPORTED_AUDIO');
    }
    for (const [rate, channels] of [[4000, 1], [768000, 1], [48000, 64]] as const) {
      const bytes = riff([fmt(1, channels, rate, 16), chunk('data', new Uint8Array(2 * channels))]);
      expect(decodeWav(bytes).channels).toHaveLength(channels);
    }
  });

  it('an empty data chunk is E_EMPTY_AUDIO', async () => {
    const e = await retakeError(() => decodeWav(riff([fmt(1, 1, 16000, 16), chunk('data', [])]), 'blank.wav'));
    expect(e.code).toBe('E_EMPTY_AUDIO');
    expect(e.message).toContain('"blank.wav"');
    expect((await retakeError(() => decodeWav(encodeWav({ sampleRate: 16000, channels: [new Float32Array(0)] }, 'pcm16')))).code).toBe('E_EMPTY_AUDIO');
  });

  it('float samples beyond ±1000 (+60 dBFS) are refused with the level; float headroom below that is kept', async () => {
    const huge = await retakeError(() => decodeWav(riff([fmt(3, 1, 16000, 32), chunk('data', le([0.5, 3e29, -0.25, 1e30], 4, 'float'))]), 'x1e30.wav'));
    expect(huge.code).toBe('E_INVALID_SAMPLES');
    expect(huge.message).toMatch(/^Cannot read "x1e30\.wav": its floating-point samples reach \+600\.0 dBFS \(1\.00e\+30 × full scale\); audio more than 60 dB above full scale is not a recording/);
    expect(huge.message.split('\n')).toHaveLength(1);
    const f64 = await retakeError(() => decodeWav(riff([fmt(3, 1, 16000, 64), chunk('data', le([0.5, -1000.5], 8, 'float'))])));
    expect(f64.code).toBe('E_INVALID_SAMPLES');
    expect(f64.message).toMatch(/\+60\.0 dBFS/);
    // Integer values written as floats (a common exporter bug) are the typical case.
    const ints = await retakeError(() => decodeWav(riff([fmt(3, 1, 16000, 32), chunk('data', le([12000, -32768, 5], 4, 'float'))])));
    expect(ints.message).toMatch(/\+90\.3 dBFS/);
    const hot = decodeWav(riff([fmt(3, 1, 16000, 32), chunk('data', le([1000, -1000, 4], 4, 'float'))]));
    expect(Array.from(hot.channels[0]!)).toEqual([1000, -1000, 4]);
  });

  it('NaN or infinite float samples are E_INVALID_SAMPLES', async () => {
    const nan = await retakeError(() => decodeWav(riff([fmt(3, 1, 16000, 32), chunk('data', le([0.5, NaN, 0.25, Infinity], 4, 'float'))]), 'nan.wav'));
    expect(nan.code).toBe('E_INVALID_SAMPLES');
    expect(nan.message).toMatch(/"nan\.wav".*2 samples that are not a number/);
    // A float64 value beyond float32's range cannot be represented either.
    expect((await retakeError(() => decodeWav(riff([fmt(3, 1, 16000, 64), chunk('data', le([1e300], 8, 'float'))])))).code).toBe('E_INVALID_SAMPLES');
  });
});

describe('encodeWav', () => {
  const formats: WavEncodeFormat[] = ['pcm16', 'pcm24', 'float32'];
  const step = { pcm16: 1 / 32768, pcm24: 1 / 8388608, float32: 0 };

  for (const format of formats) {
    for (const nc of [1, 2, 6]) {
      it(`${format}, ${nc} channel(s): round trip within half a step, and re-encoding is byte-identical`, () => {
        const audio: AudioData = { sampleRate: 44100, channels: [] };
        for (let c = 0; c < nc; c++) audio.channels.push(sine(220 * (c + 1), 44100, 1001, 0.9, c));
        const bytes = encodeWav(audio, format);
        const back = decodeWav(bytes);
        expect(back.sampleRate).toBe(44100);
        expect(back.channels).toHaveLength(nc);
        for (let c = 0; c < nc; c++) {
          const a = audio.channels[c]!;
          const b = back.channels[c]!;
          expect(b.length).toBe(a.length);
          let err = 0;
          for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
          expect(err).toBeLessThanOrEqual(step[format] / 2 + 1e-12);
        }
        expect(firstDifference(encodeWav(back, format), bytes)).toBe(-1);
        expect(parseWavHeader(bytes).sampleFormat).toBe(format);
        expect(parseWavHeader(bytes).channelMask).toBe(nc > 2 || format === 'pcm24' ? [0, 0x4, 0x3, 0, 0, 0, 0x3f][nc] : null);
      });
    }
  }

  it('writes the canonical 44-byte header for 16-bit stereo', () => {
    const bytes = encodeWav({ sampleRate: 48000, channels: [new Float32Array(3), new Float32Array(3)] }, 'pcm16');
    const v = new DataView(bytes.buffer);
    expect(bytes.length).toBe(44 + 12);
    expect(String.fromCharCode(...bytes.subarray(0, 4), ...bytes.subarray(8, 16))).toBe('RIFFWAVEfmt ');
    expect(v.getUint32(4, true)).toBe(bytes.length - 8);
    expect([v.getUint16(20, true), v.getUint16(22, true), v.getUint32(24, true), v.getUint32(28, true), v.getUint16(32, true), v.getUint16(34, true)])
      .toEqual([1, 2, 48000, 192000, 4, 16]);
    expect(String.fromCharCode(...bytes.subarray(36, 40))).toBe('data');
    expect(v.getUint32(40, true)).toBe(12);
    const f = encodeWav({ sampleRate: 48000, channels: [new Float32Array(3)] }, 'float32');
    expect(new DataView(f.buffer).getUint16(20, true)).toBe(3);
    expect(String.fromCharCode(...f.subarray(38, 42))).toBe('fact');
  });

  it('rounds to nearest and clamps, without dither', () => {
    const x = Float32Array.from([1, -1, 1.5, -2, 0.4 / 32768, 0.6 / 32768, -0.6 / 32768, 0.5]);
    const b16 = decodeWav(encodeWav({ sampleRate: 8000, channels: [x] }, 'pcm16')).channels[0]!;
    expect(Array.from(b16, (v) => v * 32768)).toEqual([32767, -32768, 32767, -32768, 0, 1, -1, 16384]);
    const b24 = decodeWav(encodeWav({ sampleRate: 8000, channels: [x] }, 'pcm24')).channels[0]!;
    expect(Array.from(b24, (v) => Math.round(v * 8388608))).toEqual([8388607, -8388608, 8388607, -8388608, 102, 154, -154, 4194304]);
  });

  it('pads an odd data chunk and keeps the RIFF size consistent', () => {
    const bytes = encodeWav({ sampleRate: 8000, channels: [new Float32Array(3)] }, 'pcm24');
    expect(bytes.length % 2).toBe(0);
    expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(bytes.length - 8);
    expect(decodeWav(bytes).channels[0]!.length).toBe(3);
  });

  it('refuses NaN samples, mismatched channels and bad rates', async () => {
    expect((await retakeError(() => encodeWav({ sampleRate: 8000, channels: [Float32Array.from([0, NaN])] }, 'pcm16'))).code).toBe('E_INVALID_SAMPLES');
    expect((await retakeError(() => encodeWav({ sampleRate: 8000, channels: [Float32Array.from([Infinity])] }, 'float32'))).code).toBe('E_INVALID_SAMPLES');
    expect((await retakeError(() => encodeWav({ sampleRate: 8000, channels: [new Float32Array(2), new Float32Array(3)] }, 'pcm16'))).code).toBe('E_VALIDATION');
    expect((await retakeError(() => encodeWav({ sampleRate: 44100.5, channels: [new Float32Array(2)] }, 'pcm16'))).code).toBe('E_VALIDATION');
    expect((await retakeError(() => encodeWav({ sampleRate: 8000, channels: [] }, 'pcm16'))).code).toBe('E_VALIDATION');
  });
});

// ---- cases found by mutation testing (npm run mutation -- wav): every refusal's wording, every header rule's edge ----

describe('WAV header rules, edge by edge', () => {
  const pcm16 = (n = 4) => chunk('data', le(Array.from({ length: n }, (_, i) => 1000 * (i + 1)), 2));
  const message = async (bytes: Uint8Array, name = 'x.wav') => (await retakeError(() => decodeWav(bytes, name))).message;

  it('isWav needs 12 bytes, a RIFF/RF64/BW64 tag and WAVE', () => {
    const good = riff([fmt(1, 1, 8000, 16), pcm16()]);
    expect(isWav(good.subarray(0, 12))).toBe(true);
    expect(isWav(good.subarray(0, 11))).toBe(false);
    for (const head of ['RIFF', 'RF64', 'BW64']) {
      const b = new Uint8Array(good);
      b.set(Array.from(head, (c) => c.charCodeAt(0)), 0);
      expect(isWav(b), head).toBe(true);
    }
    const rifx = new Uint8Array(good);
    rifx[3] = 0x58; // RIFX
    expect(isWav(rifx)).toBe(false);
    const avi = new Uint8Array(good);
    avi.set([0x41, 0x56, 0x49, 0x20], 8);
    expect(isWav(avi)).toBe(false);
  });

  it('names each header problem in its message', async () => {
    expect(await message(new Uint8Array(0))).toBe('Cannot read "x.wav": the file is empty (0 bytes). Export or copy it again from its source, then import the new copy.');
    expect(await message(Uint8Array.from([0x52, 0x49, 0x46, 0x58, 0, 0, 0, 0]))).toMatch(/it is not a WAV file \(it does not start with "RIFF"\)/);
    expect(await message(riff([fmt(1, 1, 8000, 16), pcm16()]).subarray(0, 11))).toMatch(/the WAV header is cut short after 11 bytes/);
    // 12 bytes exactly: the header is whole, the chunks are missing.
    expect(await message(riff([fmt(1, 1, 8000, 16), pcm16()]).subarray(0, 12))).toMatch(/has no format chunk/);
    const avi = riff([pcm16()]);
    avi.set([0x41, 0x56, 0x49, 0x20], 8);
    expect(await message(avi)).toMatch(/it is a RIFF "AVI" file, not WAV audio/);
    const odd = riff([pcm16()]);
    odd.set([0x01, 0x0a, 0x41, 0x42], 8);
    expect(await message(odd)).toMatch(/it is a RIFF file of an unknown type, not WAV audio/);
    const shortFmt = riff([chunk('fmt ', new Uint8Array(15)), pcm16()]);
    expect(await message(shortFmt)).toMatch(/its WAV format chunk is 15 bytes long, too short to describe the audio/);
    const ext = fmtExtensible(1, 1, 8000, 16, 16, 4);
    const shortExt = riff([chunk('fmt ', ext.body.subarray(0, 39)), pcm16()]);
    expect(await message(shortExt)).toMatch(/says "extensible" but is too short to name the sample format/);
    // One byte of the GUID tail wrong is enough to make the subtype unknown.
    const tail = [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x72];
    const e = await retakeError(() => decodeWav(riff([fmtExtensible(1, 1, 8000, 16, 16, 4, tail), pcm16()]), 'x.wav'));
    expect(e.code).toBe('E_UNSUPPORTED_AUDIO');
    expect(e.message).toMatch(/whose sample format \(an unknown extensible subtype\) Retake cannot read/);
    expect(await message(riff([fmt(1, 1, 8000, 16), chunk('LIST', [1, 2])]))).toMatch(/has no audio data chunk \(it is probably truncated\)/);
    expect(await message(riff([fmt(1, 0, 8000, 16, 2), pcm16()]))).toMatch(/its WAV header gives 0 channels at 8000 Hz/);
    expect(await message(riff([fmt(1, 1, 0, 16), pcm16()]))).toMatch(/its WAV header gives 1 channels at 0 Hz/);
    expect(await message(riff([fmt(1, 1, 8000, 0, 0), pcm16()]))).toMatch(/gives a sample size of 0 bits/);
    expect(await message(riff([fmt(1, 1, 8000, 16), chunk('data', [])]))).toBe(
      'Cannot read "x.wav": the WAV file holds no audio (its data chunk is empty). Record or export the audio again.',
    );
    const cut = riff([fmt(1, 1, 8000, 16), pcm16(40)]);
    expect(await message(cut.subarray(0, 30))).toMatch(/cut short inside its format chunk/);
  });

  it('names each format it cannot read', async () => {
    const cases: Array<[number, number, RegExp]> = [
      [1, 40, /in 40-bit integer PCM/],
      [3, 16, /in 16-bit floating point/],
      [6, 16, /in an unusual A-law layout/],
      [7, 16, /in an unusual µ-law layout/],
      [0x55, 16, /in MP3, which/],
      [0x1234, 16, /in compressed format 0x1234/],
    ];
    for (const [tag, bits, re] of cases) {
      const e = await retakeError(() => decodeWav(riff([fmt(tag, 1, 8000, bits), chunk('data', new Uint8Array(bits / 8 * 2))]), 'f.wav'));
      expect(e.code, re.source).toBe('E_UNSUPPORTED_AUDIO');
      expect(e.message, re.source).toMatch(re);
    }
    // The sizes that are readable, each decoded to its value.
    expect(arr(decodeWav(riff([fmt(1, 1, 8000, 32), chunk('data', le([1 << 30, -(2 ** 31)], 4))])).channels[0]!)).toEqual([0.5, -1]);
    expect(arr(decodeWav(riff([fmt(3, 1, 8000, 64), chunk('data', le([0.25, -0.5], 8, 'float'))])).channels[0]!)).toEqual([0.25, -0.5]);
  });

  it('derives the frame size when blockAlign is 0, not a multiple of the channels or too small, and keeps a padded one', () => {
    const samples = le([100, -100, 200, -200], 2); // two stereo frames of 16 bits
    for (const align of [0, 3, 2]) {
      const a = decodeWav(riff([fmt(1, 2, 8000, 16, align), chunk('data', samples)]));
      expect(arr(a.channels[0]!), `blockAlign ${align}`).toEqual([100 / 32768, 200 / 32768]);
      expect(arr(a.channels[1]!), `blockAlign ${align}`).toEqual([-100 / 32768, -200 / 32768]);
    }
    // 16-bit samples in 4-byte slots (blockAlign 8 for stereo): the slot stride is honoured.
    const padded = le([100, 0, -100, 0, 200, 0, -200, 0], 2);
    const p = decodeWav(riff([fmt(1, 2, 8000, 16, 8), chunk('data', padded)]));
    expect(parseWavHeader(riff([fmt(1, 2, 8000, 16, 8), chunk('data', padded)])).blockAlign).toBe(8);
    expect(p.channels[0]!.length).toBe(2);
  });

  it('RF64 takes the data size from ds64 (64 bits), RIFF ignores a ds64 chunk, and a short ds64 is ignored', async () => {
    const ds64 = (dataLow: number, dataHigh = 0, size = 28) => {
      const v = new DataView(new ArrayBuffer(size));
      if (size >= 16) {
        v.setUint32(8, dataLow, true);
        v.setUint32(12, dataHigh, true);
      }
      return chunk('ds64', new Uint8Array(v.buffer));
    };
    const body = le([1, 2, 3, 4], 2);
    const rf = (d: Chunk) => riff([d, fmt(1, 1, 32000, 16), chunk('data', body, 0xffffffff)], 'RF64');
    expect(parseWavHeader(rf(ds64(6))).frames).toBe(3);
    expect(parseWavHeader(rf(ds64(8))).frames).toBe(4);
    // A high word makes the size enormous: beyond the file.
    expect((await retakeError(() => parseWavHeader(rf(ds64(6, 1))))).message).toMatch(/declares 4294967302 bytes/);
    // ds64 shorter than 24 bytes, or in a plain RIFF file: not used; the placeholder size means "to the end".
    expect(parseWavHeader(rf(ds64(6, 0, 20))).frames).toBe(4);
    expect(parseWavHeader(riff([ds64(6), fmt(1, 1, 32000, 16), chunk('data', body, 0xffffffff)])).frames).toBe(4);
    // RF64 with a real (not placeholder) data size uses it.
    expect(parseWavHeader(riff([ds64(2), fmt(1, 1, 32000, 16), chunk('data', body, 6)], 'RF64')).frames).toBe(3);
  });

  it('reads a data chunk placed before the format chunk, skipping an odd-sized data chunk by its pad byte', () => {
    const a = decodeWav(riff([chunk('data', [0, 255, 128]), chunk('LIST', [7, 7]), fmt(1, 1, 8000, 8)]));
    expect(arr(a.channels[0]!)).toEqual([-1, 127 / 128, 0]);
  });

  it('decodes A-law and µ-law to the ITU-T G.711 values, whichever is read first', () => {
    const bytes = [0x00, 0x80, 0xff, 0x7f, 0xd5, 0x55, 0xaa, 0x2a];
    const mu = [-32124, 32124, 0, 0];
    const a = [8, -8, 32256, -32256];
    const read = (tag: number) => arr(decodeWav(riff([fmt(tag, 1, 8000, 8), chunk('data', bytes)])).channels[0]!).map((v) => Math.round(v * 32768) + 0);
    expect(read(7).slice(0, 4)).toEqual(mu);
    expect(read(6).slice(4)).toEqual(a);
    expect(read(7).slice(0, 4)).toEqual(mu);
    expect(read(6).slice(4)).toEqual(a);
  });

  it('float samples: ±1000 are kept, beyond is refused naming the loudest, NaN is reported as NaN (singular and plural)', async () => {
    expect(arr(decodeWav(riff([fmt(3, 1, 8000, 32), chunk('data', le([1000, -1000], 4, 'float'))])).channels[0]!)).toEqual([1000, -1000]);
    expect(arr(decodeWav(riff([fmt(3, 1, 8000, 64), chunk('data', le([1000, -1000], 8, 'float'))])).channels[0]!)).toEqual([1000, -1000]);
    for (const bits of [32, 64] as const) {
      const over = await message(riff([fmt(3, 1, 8000, bits), chunk('data', le([-1000.5, 2000, 1e6, 5000], bits / 8, 'float'))]));
      expect(over, `${bits}`).toMatch(/reach \+120\.0 dBFS \(1\.00e\+6 × full scale\)/);
      const one = await message(riff([fmt(3, 1, 8000, bits), chunk('data', le([0.5, Number.NaN, 2000], bits / 8, 'float'))]));
      expect(one, `${bits}`).toMatch(/it contains 1 sample that is not a number \(NaN\) or infinite.*Export it again from the program that made it\.$/);
      const two = await message(riff([fmt(3, 1, 8000, bits), chunk('data', le([Number.NaN, Number.NEGATIVE_INFINITY], bits / 8, 'float'))]));
      expect(two, `${bits}`).toMatch(/it contains 2 samples that are not a number/);
    }
    expect(await message(riff([fmt(3, 1, 8000, 32), chunk('data', le([2000], 4, 'float'))]))).toMatch(
      /Normalise it in the program that made it, or export it again as integer PCM, and import that\.$/,
    );
  });
});

describe('encodeWav details', () => {
  const mono = (x: number[], sampleRate = 8000): AudioData => ({ sampleRate, channels: [Float32Array.from(x)] });

  it('refuses what WAV cannot hold, with the reason', async () => {
    const refuse = async (a: AudioData, format: WavEncodeFormat = 'pcm16') => retakeError(() => encodeWav(a, format));
    expect((await refuse({ sampleRate: 8000, channels: [] })).message).toBe('Cannot write a WAV file with 0 channels; it needs between 1 and 65535.');
    const many = Array.from({ length: 65536 }, () => new Float32Array(0));
    expect((await refuse({ sampleRate: 8000, channels: many })).message).toMatch(/with 65536 channels/);
    for (const rate of [0, -1, 1.5, 2 ** 32]) {
      const e = await refuse(mono([0], rate));
      expect(e.code, String(rate)).toBe('E_VALIDATION');
      expect(e.message).toBe(`Cannot write a WAV file at ${rate} Hz; WAV needs a whole positive sample rate.`);
    }
    expect(encodeWav(mono([0], 1), 'pcm16').length).toBeGreaterThan(44);
    expect(encodeWav(mono([0], 2 ** 32 - 1), 'pcm16').length).toBeGreaterThan(44);
    expect((await refuse({ sampleRate: 8000, channels: [new Float32Array(2), new Float32Array(3)] })).message).toBe(
      'Cannot write a WAV file whose channels have different lengths.',
    );
    // Over 4 GiB of samples (channels that only state their length: the check comes before any allocation).
    const huge = { length: 2 ** 30 } as unknown as Float32Array;
    const e = await refuse({ sampleRate: 48000, channels: [huge, huge] }, 'float32');
    expect(e.code).toBe('E_INPUT_TOO_LONG');
    expect(e.message).toMatch(/8589934592 bytes of samples; WAV holds at most 4 GiB/);
    for (const format of ['pcm16', 'pcm24', 'float32'] as const) {
      const nan = await refuse(mono([0, Number.NaN, 0.5, Number.NaN]), format);
      expect(nan.code, format).toBe('E_INVALID_SAMPLES');
      expect(nan.message, format).toMatch(/^Cannot write the WAV file: 2 samples are not numbers or are infinite\./);
    }
  });

  it('writes the header fields the formats require', () => {
    const f = encodeWav({ sampleRate: 8000, channels: [Float32Array.of(0.5, -0.5, 0.25)] }, 'float32');
    const v = new DataView(f.buffer);
    expect(String.fromCharCode(...f.subarray(0, 4))).toBe('RIFF');
    expect(v.getUint16(20, true)).toBe(3);
    expect(v.getUint16(36, true)).toBe(0); // cbSize of a plain float fmt
    expect(String.fromCharCode(...f.subarray(38, 42))).toBe('fact');
    expect(v.getUint32(46, true)).toBe(3); // frames in the fact chunk
    const e = encodeWav({ sampleRate: 8000, channels: [Float32Array.of(0.5), Float32Array.of(0.5), Float32Array.of(0.5)] }, 'pcm24');
    const w = new DataView(e.buffer);
    expect(w.getUint16(20, true)).toBe(0xfffe);
    expect(w.getUint16(36, true)).toBe(22); // cbSize of WAVE_FORMAT_EXTENSIBLE
    expect(w.getUint16(38, true)).toBe(24); // valid bits
    expect(w.getUint16(34, true)).toBe(24);
  });

  it('clamps to full scale when rounding to integers', () => {
    const x = [1, -1, 1.5, -1.5, 32767.4 / 32768];
    const p16 = new DataView(encodeWav(mono(x), 'pcm16').buffer);
    expect([0, 1, 2, 3, 4].map((i) => p16.getInt16(44 + 2 * i, true))).toEqual([32767, -32768, 32767, -32768, 32767]);
    const b24 = encodeWav(mono(x), 'pcm24');
    const at = b24.length - 16; // 15 bytes of samples and RIFF's pad byte
    const s24 = (i: number) => ((b24[at + 3 * i]! | (b24[at + 3 * i + 1]! << 8) | (b24[at + 3 * i + 2]! << 16)) << 8) >> 8;
    expect([0, 1, 2, 3].map(s24)).toEqual([8388607, -8388608, 8388607, -8388608]);
  });
});
