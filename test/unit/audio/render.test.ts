// Export rendering: the streamed meters and limiter against their whole-signal versions, the FLAC encoder against
// libFLAC (`flac -t`) and our decoder, BWF bext/iXML written and parsed back, and loudness normalisation that lands on
// its target under the true-peak ceiling by our meter.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { integratedLoudness, LoudnessMeter, loudnessRange, truePeak } from '../../../src-main/audio/analysis/loudness';
import { decodeAudio, decodeFile } from '../../../src-main/audio/decode';
import { dbToGain, limiterGain, truePeakEnvelope } from '../../../src-main/audio/dsp/dynamics';
import { Rng } from '../../../src-main/audio/dsp/prng';
import { encodeBlock, ixmlDocument, ixmlElement, parseBext, readRiffChunks, type BextInfo } from '../../../src-main/audio/render/bwf';
import { FlacEncoder } from '../../../src-main/audio/render/flac';
import { renderToFile, type MixPlan } from '../../../src-main/audio/render';
import { StreamLimiter, TruePeakMeter } from '../../../src-main/audio/render/stream';
import type { AudioData } from '../../../src-main/audio/types';
import { encodeWav } from '../../../src-main/audio/wav';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir('retake-render-');

/** Speech-like test signal: tone bursts with a noisy onset, pauses between them, the odd hot peak. */
function speechy(seconds: number, sr: number, seed = 1, channels = 1): AudioData {
  const rng = new Rng(seed);
  const n = Math.round(seconds * sr);
  const out = Array.from({ length: channels }, () => new Float32Array(n));
  let t = 0;
  while (t < n) {
    const len = Math.round((0.3 + rng.next() * 1.2) * sr);
    const f = 120 + rng.next() * 200;
    const amp = 0.05 + rng.next() * 0.5;
    for (let i = 0; i < len && t + i < n; i++) {
      const env = Math.sin((Math.PI * i) / len);
      const v = amp * env * (Math.sin((2 * Math.PI * f * i) / sr) + 0.3 * Math.sin((2 * Math.PI * 3.1 * f * i) / sr) + 0.05 * (rng.next() * 2 - 1));
      for (let c = 0; c < channels; c++) out[c]![t + i] = v * (c === 0 ? 1 : 0.8);
    }
    t += len + Math.round((0.1 + rng.next() * 0.5) * sr);
  }
  return { sampleRate: sr, channels: out };
}

/** The signal pushed in blocks of irregular sizes. */
function chunks(a: AudioData, seed: number): Float32Array[][] {
  const rng = new Rng(seed);
  const n = a.channels[0]!.length;
  const out: Float32Array[][] = [];
  for (let i = 0; i < n; ) {
    const len = Math.min(n - i, 1 + Math.floor(rng.next() * 30000));
    out.push(a.channels.map((c) => c.subarray(i, i + len)));
    i += len;
  }
  return out;
}

describe('streamed meters', () => {
  it('integrated loudness and range equal the whole-signal meter however the signal is cut', () => {
    for (const [sr, ch] of [[48000, 1], [44100, 2], [16000, 1]] as const) {
      const a = speechy(12, sr, sr, ch);
      const m = new LoudnessMeter(sr, ch);
      for (const b of chunks(a, 3)) m.push(b);
      expect(m.integrated()).toBe(integratedLoudness(a));
      expect(m.loudnessRange()).toBe(loudnessRange(a));
    }
  });

  it('true peak equals the whole-signal meter', () => {
    for (const sr of [48000, 44100, 16000]) {
      const a = speechy(6, sr, sr + 1, 2);
      const m = new TruePeakMeter(sr, 2);
      for (const b of chunks(a, 5)) m.push(b);
      expect(m.finish()).toBe(truePeak(a));
    }
  });
});

describe('streamed limiter', () => {
  it('limits exactly as the whole-signal limiter, chunk by chunk', () => {
    const sr = 48000;
    const a = speechy(8, sr, 9);
    const pre = dbToGain(9);
    const ceiling = dbToGain(-1.3);
    const n = a.channels[0]!.length;
    const env = truePeakEnvelope(a, ceiling / pre);
    const g = limiterGain(env, sr, ceiling, pre)!;
    expect(g).not.toBeNull();
    const want = a.channels[0]!.map((v, i) => v * pre * g[i]!);
    const lim = new StreamLimiter({ sampleRate: sr, ceiling, preGain: pre, frames: n });
    const read = (f: number, t: number) => [Float32Array.from({ length: t - f }, (_, k) => (f + k >= 0 && f + k < n ? a.channels[0]![f + k]! : 0))];
    const got = new Float32Array(n);
    const rng = new Rng(2);
    for (let s = 0; s < n; ) {
      const e = Math.min(n, s + 1000 + Math.floor(rng.next() * 40000));
      got.set(lim.process(s, e, read)[0]!, s);
      s = e;
    }
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    expect(worst).toBeLessThan(1e-6);
    expect(lim.limited).toBe(true);
    expect(truePeak({ sampleRate: sr, channels: [got] })).toBeLessThanOrEqual(ceiling * 1.001);
  });
});

describe('FLAC encoder', () => {
  const hasFlac = (() => {
    try {
      execFileSync('flac', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  function encode(a: AudioData, bits: 16 | 24, comments: Record<string, string> = {}): Uint8Array {
    const n = a.channels[0]!.length;
    const enc = new FlacEncoder({ sampleRate: a.sampleRate, channels: a.channels.length, bitsPerSample: bits, totalFrames: n, comments });
    const parts: Uint8Array[] = [enc.header()];
    for (const b of chunks(a, 11)) parts.push(...enc.push(b));
    parts.push(enc.end());
    const total = parts.reduce((x, p) => x + p.length, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    out.set(enc.streamInfoBlock(true), 4);
    return out;
  }

  it.each([
    ['mono 16-bit speech at 48 kHz', speechy(5, 48000, 1), 16 as const],
    ['stereo 24-bit speech at 44.1 kHz', speechy(4, 44100, 2, 2), 24 as const],
    ['white noise at full scale, 24-bit (verbatim frames)', (() => {
      const r = new Rng(4);
      return { sampleRate: 32000, channels: [Float32Array.from({ length: 70000 }, () => r.next() * 2 - 1)] };
    })(), 24 as const],
    ['silence, a constant and a tone, 16-bit, an odd length', { sampleRate: 22050, channels: [Float32Array.from({ length: 9001 }, (_, i) => (i < 3000 ? 0 : i < 6000 ? 0.25 : 0.3 * Math.sin(i / 7)))] }, 16 as const],
    // A constant tail: the last frame is a constant subframe of a few bytes (the WASM decoder used before dropped it).
    ['a tone then a constant tail, a last frame of one sample', { sampleRate: 22050, channels: [Float32Array.from({ length: 4096 * 2 + 1 }, (_, i) => (i < 3000 ? 0.3 * Math.sin(i / 7) : 0.25))] }, 16 as const],
    ['stereo, a constant tail, a last frame of 17 samples', { sampleRate: 48000, channels: [0, 1].map((c) => Float32Array.from({ length: 4096 + 17 }, (_, i) => (i < 2000 ? 0.2 * Math.sin(i / (5 + c)) : -0.125))) }, 24 as const],
  ])('%s: passes flac -t and decodes to the quantised samples', async (_what, a, bits) => {
    if (!hasFlac) throw new Error('The FLAC test needs Debian\'s "flac" command (apt-get install flac).');
    const bytes = encode(a, bits, { TITLE: 'test', RETAKE_PROVENANCE: '{"a":1}' });
    const file = path.join(dir, `t${bits}-${a.sampleRate}.flac`);
    writeFileSync(file, bytes);
    execFileSync('flac', ['-t', '-s', file]);
    const back = await decodeAudio(bytes, 'x.flac');
    expect(back.sampleRate).toBe(a.sampleRate);
    expect(back.channels.length).toBe(a.channels.length);
    const scale = 2 ** (bits - 1);
    for (let c = 0; c < a.channels.length; c++) {
      const x = a.channels[c]!;
      const y = back.channels[c]!;
      expect(y.length).toBe(x.length);
      for (let i = 0; i < x.length; i += 7) {
        const q = Math.max(-scale, Math.min(scale - 1, Math.round(x[i]! * scale)));
        expect(Math.round(y[i]! * scale) + 0).toBe(q + 0);
      }
    }
    // The metadata survives: libFLAC's metaflac reads the comments back.
    const tags = execFileSync('metaflac', ['--export-tags-to=-', file]).toString();
    expect(tags).toContain('RETAKE_PROVENANCE={"a":1}');
  });

  it('compresses speech (fixed predictors and Rice coding do their work)', () => {
    const a = speechy(10, 48000, 6);
    const flac = encode(a, 16);
    expect(flac.length).toBeLessThan(0.6 * a.channels[0]!.length * 2);
  });
});

describe('BWF', () => {
  const bext: BextInfo = {
    description: 'Retake export: mix of "Scene 12"',
    originator: 'Retake',
    originatorReference: 'retake-job-7',
    originationDate: '2026-11-05',
    originationTime: '13:45:10',
    timeReference: 48000 * 3600 * 5 + 17,
    loudnessValue: -16,
    loudnessRange: 4.25,
    maxTruePeakLevel: -1.02,
    codingHistory: 'A=PCM,F=48000,W=24,M=mono,T=Retake',
  };

  it('writes bext and iXML that parse back, and samples encoded as encodeWav encodes them', async () => {
    const a = speechy(1, 48000, 3);
    const file = path.join(dir, 'bwf.wav');
    const provenance = { takes: [{ name: 'happy ×0.7 #2 (built-in)', seed: 7 }], note: '<&> "quoted"' };
    const r = await renderToFile(
      {
        plan: planOf(a, 'mem:a'),
        encoding: 'wav-pcm24',
        loudness: null,
        bext,
        ixml: ixmlDocument({ project: 'Scene 12', note: 'mix', tracks: ['Dialogue'], provenance }),
        comments: {},
        output: file,
      },
      { load: async () => a },
    );
    const bytes = new Uint8Array(readFileSync(file));
    expect(r.bytes).toBe(bytes.length);
    const chunksOf = readRiffChunks(bytes);
    expect(chunksOf.map((c) => c.id)).toEqual(['fmt ', 'bext', 'iXML', 'data']);
    const b = chunksOf.find((c) => c.id === 'bext')!;
    const parsed = parseBext(bytes.subarray(b.offset, b.offset + b.size));
    const { loudnessValue: _l, loudnessRange: _r, maxTruePeakLevel: _p, ...fixed } = bext;
    expect(parsed).toMatchObject({ ...fixed, version: 2, codingHistory: `${bext.codingHistory}\r\n` });
    // The loudness fields hold what the file measures, patched after writing (hundredths of LU / dB).
    expect(parsed.loudnessValue).toBeCloseTo(integratedLoudness(await decodeFile(file))!, 1);
    expect(parsed.maxTruePeakLevel).toBeCloseTo(20 * Math.log10(truePeak(await decodeFile(file))), 1);
    const x = chunksOf.find((c) => c.id === 'iXML')!;
    const doc = new TextDecoder().decode(bytes.subarray(x.offset, x.offset + x.size));
    expect(ixmlElement(doc, 'PROJECT')).toBe('Scene 12');
    expect(JSON.parse(ixmlElement(doc, 'RETAKE_PROVENANCE')!)).toEqual(provenance);
    const d = chunksOf.find((c) => c.id === 'data')!;
    const ref = encodeWav(a, 'pcm24');
    const refData = readRiffChunks(ref).find((c) => c.id === 'data')!;
    expect(bytes.subarray(d.offset, d.offset + d.size)).toEqual(ref.subarray(refData.offset, refData.offset + refData.size));
    expect(encodeBlock(a.channels, 'pcm16')).toEqual(encodeWav(a, 'pcm16').subarray(44));
  });
});

function planOf(a: AudioData, file: string, gain = 1): MixPlan {
  const n = a.channels[0]!.length;
  return { sampleRate: a.sampleRate, channels: a.channels.length, length: n, sources: [{ file, rate: a.sampleRate, from: 0, to: n, at: 0, gain }] };
}

describe('loudness normalisation', () => {
  const noMeta = { bext: { description: '', originator: '', originatorReference: '', originationDate: '', originationTime: '', timeReference: 0, loudnessValue: null, loudnessRange: null, maxTruePeakLevel: null, codingHistory: '' }, ixml: '<BWFXML/>', comments: {} };

  it.each([
    ['podcast −16 LUFS, peaks that need the limiter', -16, -1],
    ['EBU R128 −23 LUFS, a plain gain suffices', -23, -1],
    ['ATSC −24 LKFS with a −2 dBTP ceiling', -24, -2],
  ])('%s: on target within 0.1 LU, true peak under the ceiling (by our meter, on the decoded file)', async (_what, target, ceiling) => {
    // Speech around −27 LUFS with hot transients: −16 LUFS lifts them over the ceiling, −23 does not.
    const a = speechy(20, 48000, 21);
    for (const c of a.channels) for (let i = 0; i < c.length; i++) c[i]! *= 0.15;
    for (let k = 0; k < 12; k++) {
      const at = 30000 + k * 70000;
      for (let i = 0; i < 120; i++) a.channels[0]![at + i] = 0.3 * Math.sin(i / 3) * Math.exp(-i / 40);
    }
    const file = path.join(dir, `norm${target}.wav`);
    const r = await renderToFile(
      { plan: planOf(a, 'mem:x'), encoding: 'wav-float32', loudness: { targetLufs: target, ceilingDbtp: ceiling }, ...noMeta, output: file },
      { load: async () => a },
    );
    const back = await decodeFile(file);
    const lufs = integratedLoudness(back)!;
    expect(Math.abs(lufs - target)).toBeLessThanOrEqual(0.1);
    expect(20 * Math.log10(truePeak(back))).toBeLessThanOrEqual(ceiling + 1e-6);
    expect(r.integratedLufs).toBeCloseTo(lufs, 6);
    expect(r.shortfallLu).toBeNull();
    // The gain is the loudness difference (plus what the limiter took back).
    expect(r.gainDb).toBeGreaterThanOrEqual(target - integratedLoudness(a)! - 1e-6);
    if (target === -16) expect(r.limited).toBe(true);
    if (target === -23) expect(r.limited).toBe(false);
  });

  it('mixes overlapping sources with their gains, resampled to the output rate', async () => {
    const a = speechy(2, 44100, 31);
    const b = speechy(2, 16000, 32);
    const files: Record<string, AudioData> = { 'mem:a': a, 'mem:b': b };
    const plan: MixPlan = {
      sampleRate: 48000,
      channels: 1,
      length: 48000 * 3,
      sources: [
        { file: 'mem:a', rate: 44100, from: 0, to: 88200, at: 0, gain: 0.5 },
        { file: 'mem:b', rate: 16000, from: 0, to: 32000, at: 48000, gain: 1 },
      ],
    };
    const file = path.join(dir, 'mix.wav');
    await renderToFile({ plan, encoding: 'wav-float32', loudness: null, ...noMeta, output: file }, { load: async (f) => files[f]! });
    const out = (await decodeFile(file)).channels[0]!;
    expect(out.length).toBe(144000);
    // 0.5–1 s: only a (halved); 1–2 s: both; 2–3 s: only b.
    const { resample } = await import('../../../src-main/audio/resample');
    const a48 = resample(a, 48000).channels[0]!;
    const b48 = resample(b, 48000).channels[0]!;
    for (const i of [30000, 60000, 90000, 120000]) {
      const want = (i < 96000 ? 0.5 * a48[i]! : 0) + (i >= 48000 ? b48[i - 48000]! : 0);
      expect(out[i]).toBeCloseTo(want, 5);
    }
  });
});
