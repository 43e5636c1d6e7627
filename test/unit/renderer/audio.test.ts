// The audio output's pure parts: the master meter's maths (BS.1770 loudness over EBU windows, held sample peak) and
// reading WAV files by ranges (header layouts, sample formats, servers with and without range support).

import { describe, expect, it } from 'vitest';
import { dbfs, LoudnessMeter, lufs } from '../../../src-renderer/audio/loudness';
import { decodeFrames, NotWav, parseWavHeader } from '../../../src-renderer/audio/wav-format';
import { WavReader } from '../../../src-renderer/audio/wav-reader';

describe('master meter', () => {
  it('reads loudness as BS.1770 does: −0.691 + 10·log10 of the summed channel mean squares', () => {
    expect(lufs(1)).toBeCloseTo(-0.691, 9);
    expect(lufs(0.5)).toBeCloseTo(-0.691 - 3.0103, 3);
    expect(lufs(0)).toBe(-70);
    expect(dbfs(0.5)).toBeCloseTo(-6.0206, 3);
  });

  it('keeps momentary (400 ms) and short-term (3 s) windows, and holds the peak before it falls', () => {
    const m = new LoudnessMeter();
    const block = (v: number) => Float32Array.from({ length: 4800 }, () => v);
    // 3 s of a constant 0.5 in both channels (100 ms blocks), then 400 ms of silence.
    let t = 0;
    for (let i = 0; i < 30; i++) m.push((t += 0.1), [block(0.5), block(0.5)], [block(0.5), block(0.5)]);
    let r = m.read(t);
    expect(r.momentary).toBeCloseTo(lufs(0.5), 6);
    expect(r.shortTerm).toBeCloseTo(lufs(0.5), 6);
    expect(r.peakDb).toBeCloseTo(dbfs(0.5), 6);
    for (let i = 0; i < 4; i++) m.push((t += 0.1), [block(0), block(0)], [block(0), block(0)]);
    r = m.read(t);
    expect(r.momentary).toBe(-70);
    // The short-term window still holds 2.6 s of the tone: 10·log10(26/30) below it.
    expect(r.shortTerm).toBeCloseTo(lufs(0.5 * (26 / 30)), 6);
    // 0.4 s after the last peak it is held; 3.5 s after, it has fallen 40 dB.
    expect(r.peakDb).toBeCloseTo(dbfs(0.5), 6);
    expect(m.read(t - 0.4 + 3.5).peakDb).toBeCloseTo(dbfs(0.5) - 40, 6);
  });
});

/** A WAV file: fmt (PCM or float, or extensible), optional LIST chunk, data. */
function wav(opts: { rate: number; channels: number; bits: number; float?: boolean; extensible?: boolean; list?: boolean; samples: number[] }): Uint8Array<ArrayBuffer> {
  const bytesPer = opts.bits / 8;
  const data = new Uint8Array(opts.samples.length * bytesPer);
  const dv = new DataView(data.buffer);
  opts.samples.forEach((v, i) => {
    const at = i * bytesPer;
    if (opts.float) dv.setFloat32(at, v, true);
    else if (opts.bits === 16) dv.setInt16(at, Math.round(v * 32767), true);
    else if (opts.bits === 24) {
      const x = Math.round(v * 8388607);
      dv.setUint8(at, x & 0xff);
      dv.setUint8(at + 1, (x >> 8) & 0xff);
      dv.setInt8(at + 2, x >> 16);
    }
  });
  const fmtSize = opts.extensible ? 40 : 16;
  const fmt = new Uint8Array(8 + fmtSize);
  const f = new DataView(fmt.buffer);
  fmt.set([0x66, 0x6d, 0x74, 0x20]);
  f.setUint32(4, fmtSize, true);
  f.setUint16(8, opts.extensible ? 0xfffe : opts.float ? 3 : 1, true);
  f.setUint16(10, opts.channels, true);
  f.setUint32(12, opts.rate, true);
  f.setUint32(16, opts.rate * opts.channels * bytesPer, true);
  f.setUint16(20, opts.channels * bytesPer, true);
  f.setUint16(22, opts.bits, true);
  if (opts.extensible) {
    f.setUint16(24, 22, true);
    f.setUint16(32, opts.float ? 3 : 1, true);
  }
  const list = opts.list ? Uint8Array.from([0x4c, 0x49, 0x53, 0x54, 5, 0, 0, 0, 1, 2, 3, 4, 5, 0]) : new Uint8Array(0);
  const head = new Uint8Array(8);
  head.set([0x64, 0x61, 0x74, 0x61]);
  new DataView(head.buffer).setUint32(4, data.length, true);
  const body = [fmt, list, head, data];
  const total = 12 + body.reduce((n, b) => n + b.length, 0);
  const out = new Uint8Array(total);
  out.set([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x41, 0x56, 0x45]);
  new DataView(out.buffer).setUint32(4, total - 8, true);
  let o = 12;
  for (const b of body) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

describe('WAV by ranges', () => {
  it('reads the layout of PCM, float and extensible headers past other chunks', () => {
    const a = parseWavHeader(wav({ rate: 48_000, channels: 2, bits: 24, list: true, samples: [0, 0, 0.5, -0.5] }));
    expect(a).toMatchObject({ sampleRate: 48_000, channels: 2, bitsPerSample: 24, float: false, blockAlign: 6, frames: 2 });
    const b = parseWavHeader(wav({ rate: 24_000, channels: 1, bits: 32, float: true, extensible: true, samples: [0.25] }));
    expect(b).toMatchObject({ sampleRate: 24_000, channels: 1, float: true, frames: 1 });
    expect(() => parseWavHeader(new TextEncoder().encode('ID3 this is an mp3 file....'))).toThrow(NotWav);
    // Cut before the data chunk: it asks for more bytes.
    expect(parseWavHeader(wav({ rate: 8000, channels: 1, bits: 16, list: true, samples: [0] }).subarray(0, 40))).toHaveProperty('need');
  });

  it('decodes 16-bit, 24-bit and float frames per channel', () => {
    const bytes = wav({ rate: 48_000, channels: 2, bits: 24, samples: [0.5, -0.25, 1, -1] });
    const layout = parseWavHeader(bytes);
    if ('need' in layout) throw new Error('header');
    const [l, r] = decodeFrames(bytes.subarray(layout.dataOffset), layout);
    expect([...l!].map((v) => +v.toFixed(4))).toEqual([0.5, 1]);
    expect([...r!].map((v) => +v.toFixed(4))).toEqual([-0.25, -1]);
  });

  it('fetches only the frames asked for, with or without range support', async () => {
    const samples = Array.from({ length: 1000 }, (_, i) => (i % 100) / 100);
    const file = wav({ rate: 8000, channels: 1, bits: 16, samples });
    for (const ranges of [true, false]) {
      const asked: string[] = [];
      const fetchFn = async (_url: string, init: RequestInit) => {
        const range = (init.headers as Record<string, string>).Range!;
        asked.push(range);
        const [, a, b] = /bytes=(\d+)-(\d+)/.exec(range)!;
        if (!ranges) return new Response(file, { status: 200, headers: { 'Content-Length': String(file.length) } });
        const part = file.slice(Number(a), Math.min(file.length, Number(b) + 1));
        return new Response(part, { status: 206, headers: { 'Content-Range': `bytes ${a}-${Number(a) + part.length - 1}/${file.length}` } });
      };
      const r = await WavReader.open('/media/x.wav', fetchFn);
      expect(r.layout.frames).toBe(1000);
      const [ch] = await r.read(250, 10);
      expect([...ch!].map((v) => +v.toFixed(2))).toEqual([0.5, 0.51, 0.52, 0.53, 0.54, 0.55, 0.56, 0.57, 0.58, 0.59]);
      // Past the end: only what the file has.
      expect((await r.read(995, 50))[0]).toHaveLength(5);
      expect(asked[1]).toBe(`bytes=${r.layout.dataOffset + 500}-${r.layout.dataOffset + 519}`);
    }
  });
});
