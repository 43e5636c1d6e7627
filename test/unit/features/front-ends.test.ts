// The front ends' own rules, without the Python reference: the .npy format, am.mvn parsing, the LFR padding rule, the
// trim span and length rule, frame counts and edge cases, windows, and that pairing frames in one FFT changes nothing.
import { describe, expect, it } from 'vitest';
import {
  TOKENIZER_RATE,
  campplusFbank,
  decodeNpy,
  encodeNpy,
  featureWindow,
  kaldiFbank,
  lfrCmvn,
  nonSilentSpan,
  parseAmMvn,
  peakNormalise,
  preprocess16k,
  promptMel24k,
  whisperLogMel,
  type FeatureMatrix,
} from '../../../src-main/audio/features';
import { codeOf } from '../../helpers/errors';

/** Deterministic speech-like test signal: two tones with a slow envelope and a little noise. */
function signal(n: number, rate: number, seed = 1): Float32Array {
  let state = seed >>> 0;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    state = (Math.imul(1664525, state) + 1013904223) >>> 0;
    const env = 0.5 + 0.5 * Math.sin((2 * Math.PI * 3 * i) / rate);
    x[i] = env * (0.3 * Math.sin((2 * Math.PI * 220 * i) / rate) + 0.1 * Math.sin((2 * Math.PI * 1760 * i) / rate)) + 0.01 * (state / 2 ** 32 - 0.5);
  }
  return x;
}

async function errorCode(f: () => unknown): Promise<string> {
  return codeOf(Promise.resolve().then(f));
}

function rows(m: FeatureMatrix, from: number, to: number): Float32Array {
  return m.data.subarray(from * m.bins, to * m.bins);
}

describe('.npy files', () => {
  it('round-trips 1-D and 2-D float32 arrays, with the header padded to 64 bytes', () => {
    for (const shape of [[5], [3, 4], [0, 80]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n }, (_, i) => i * 0.25 - 1);
      const bytes = encodeNpy(data, shape);
      expect(Array.from(bytes.subarray(0, 6))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
      expect((10 + (bytes[8]! | (bytes[9]! << 8))) % 64).toBe(0);
      const back = decodeNpy(bytes);
      expect(back.shape).toEqual(shape);
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
    expect(new TextDecoder().decode(encodeNpy(new Float32Array(2), [2]).subarray(10, 70))).toContain("'shape': (2,)");
  });

  it('refuses other dtypes, Fortran order and truncated data with the file named', async () => {
    const ok = encodeNpy(new Float32Array(4), [2, 2]);
    const text = (b: Uint8Array) => new TextDecoder('latin1').decode(b);
    const patch = (from: string, to: string): Uint8Array => {
      const s = text(ok).replace(from, to);
      return Uint8Array.from(s, (c) => c.charCodeAt(0));
    };
    expect(await errorCode(() => decodeNpy(patch("'<f4'", "'<f8'"), 'a.npy'))).toBe('E_VALIDATION');
    expect(() => decodeNpy(patch("'<f4'", "'<f8'"), 'a.npy')).toThrow(/a\.npy .*dtype is <f8/);
    expect(() => decodeNpy(patch('False', 'True '), 'b.npy')).toThrow(/C order/);
    expect(() => decodeNpy(ok.subarray(0, ok.length - 1), 'c.npy')).toThrow(/15 data bytes for 4 values/);
    expect(() => decodeNpy(new Uint8Array(20), 'd.npy')).toThrow(/magic/);
  });
});

describe('am.mvn', () => {
  const mvnText = (shift: string, scale: string, dim = 3) =>
    `<Nnet>\n<Splice> ${dim} ${dim}\n[ 0 ]\n<AddShift> ${dim} ${dim}\n<LearnRateCoef> 0 [ ${shift} ]\n` +
    `<Rescale> ${dim} ${dim}\n<LearnRateCoef> 0 [ ${scale} ]\n</Nnet>\n`;

  it('reads AddShift and Rescale', () => {
    const m = parseAmMvn(mvnText('-1.5 2 3e-1', '0.5 0.25 4'));
    expect(Array.from(m.addShift)).toEqual([-1.5, 2, Math.fround(0.3)]);
    expect(Array.from(m.rescale)).toEqual([0.5, 0.25, 4]);
  });

  it('names what is wrong', () => {
    expect(() => parseAmMvn('<Nnet> </Nnet>', 'x/am.mvn')).toThrow(/x\/am\.mvn is not a Kaldi CMVN file .*no <AddShift>/);
    expect(() => parseAmMvn(mvnText('1 2', '1 2 3'))).toThrow(/<AddShift> declares 3 values but lists 2/);
    expect(() => parseAmMvn(mvnText('1 2 x', '1 2 3'))).toThrow(/not a finite number/);
    expect(() => parseAmMvn(mvnText('1 2 3', '1 2 3').replace('<LearnRateCoef> 0 [ 1 2 3 ]', '[ 1 2 3 ]'))).toThrow(/LearnRateCoef/);
  });
});

describe('LFR + CMVN', () => {
  // Frame t of the input holds (t, 10 + t): the output shows which input frames were stacked.
  const fbank = (frames: number): FeatureMatrix => {
    const data = new Float32Array(frames * 2);
    for (let t = 0; t < frames; t++) {
      data[2 * t] = t;
      data[2 * t + 1] = 10 + t;
    }
    return { data, frames, bins: 2 };
  };
  const identity = { addShift: new Float32Array(14), rescale: new Float32Array(14).fill(1) };
  const stacked = (m: FeatureMatrix, i: number) => Array.from(rows(m, i, i + 1)).filter((_, k) => k % 2 === 0);

  it('stacks 7 frames every 6 with the first frame repeated 3× before and the last frame repeated after', () => {
    const out = lfrCmvn(fbank(8), identity);
    expect(out.frames).toBe(2); // ⌈8/6⌉
    expect(out.bins).toBe(14);
    expect(stacked(out, 0)).toEqual([0, 0, 0, 0, 1, 2, 3]);
    expect(stacked(out, 1)).toEqual([3, 4, 5, 6, 7, 7, 7]);
    expect(Array.from(rows(out, 0, 1)).slice(0, 4)).toEqual([0, 10, 0, 10]);
    expect(lfrCmvn(fbank(12), identity).frames).toBe(2);
    expect(stacked(lfrCmvn(fbank(13), identity), 2)).toEqual([9, 10, 11, 12, 12, 12, 12]);
    expect(stacked(lfrCmvn(fbank(1), identity), 0)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(lfrCmvn(fbank(0), identity).frames).toBe(0);
  });

  it('applies CMVN after stacking, per output column: (x + AddShift) · Rescale', () => {
    const addShift = Float32Array.from({ length: 14 }, (_, k) => k);
    const rescale = Float32Array.from({ length: 14 }, (_, k) => 1 + k / 2);
    const out = lfrCmvn(fbank(8), { addShift, rescale });
    const plain = lfrCmvn(fbank(8), identity);
    for (let k = 0; k < 28; k++) expect(out.data[k]).toBeCloseTo((plain.data[k]! + (k % 14)) * (1 + (k % 14) / 2), 5);
  });

  it('refuses statistics of the wrong size', async () => {
    expect(await errorCode(() => lfrCmvn(fbank(8), { addShift: new Float32Array(13), rescale: new Float32Array(13) }))).toBe('E_VALIDATION');
  });
});

describe('16 kHz preprocessing', () => {
  it('finds the span of sound, on 128-sample frame boundaries, and all of a silent signal', () => {
    const x = new Float32Array(32000);
    for (let i = 9000; i < 15000; i++) x[i] = 0.5 * Math.sin(i * 0.3);
    const { start, end } = nonSilentSpan(x);
    expect(start % 128).toBe(0);
    expect(end % 128).toBe(0);
    expect(start).toBeLessThanOrEqual(9000);
    expect(start).toBeGreaterThan(9000 - 512);
    expect(end).toBeGreaterThanOrEqual(15000);
    expect(end).toBeLessThan(15000 + 512);
    // librosa: zeros are 0 dB against their own maximum, so all of it counts as sound.
    expect(nonSilentSpan(new Float32Array(1000))).toEqual({ start: 0, end: 1000 });
    expect(nonSilentSpan(new Float32Array(0))).toEqual({ start: 0, end: 0 });
  });

  it('normalises the peak to 0.999 and leaves quiet input no louder than ×99.9', () => {
    const y = peakNormalise(Float32Array.of(0.25, -0.5, 0.1));
    expect(Array.from(y)).toEqual([0.25 / 0.5, -1, 0.1 / 0.5].map((v) => Math.fround(Math.fround(v) * Math.fround(0.999))));
    expect(peakNormalise(Float32Array.of(0.001))[0]).toBeCloseTo(0.0999, 6);
  });

  it('starts 800 samples before the span and is ⌈(e − s)/240⌉·240 + 4320 long', () => {
    const x = new Float32Array(48000);
    for (let i = 20000; i < 30000; i++) x[i] = 0.4 * Math.sin(i * 0.05);
    const p = preprocess16k({ sampleRate: TOKENIZER_RATE, channels: [x] });
    expect(p.resampledFrom).toBeNull();
    const { start, end } = p.trim;
    expect(p.samples.length).toBe(Math.ceil((end - start) / 240) * 240 + 4320);
    const y = peakNormalise(x);
    for (const k of [0, 1, 799, 800, 5000]) expect(p.samples[k]).toBe(y[start - 800 + k]);
    // Past the end of the input: zeros.
    const late = new Float32Array(16000);
    for (let i = 15500; i < 16000; i++) late[i] = 0.3 * Math.sin(i);
    const q = preprocess16k({ sampleRate: TOKENIZER_RATE, channels: [late] });
    expect(q.samples.length).toBeGreaterThan(16000 - (q.trim.start - 800));
    expect(q.samples[q.samples.length - 1]).toBe(0);
  });

  it('zero-pads on the left when the sound starts within 800 samples, and mixes channels by their mean', () => {
    const a = new Float32Array(8000);
    for (let i = 0; i < 4000; i++) a[i] = 0.5 * Math.sin(i * 0.1);
    const p = preprocess16k({ sampleRate: TOKENIZER_RATE, channels: [a, new Float32Array(8000)] });
    expect(p.trim.start).toBe(0);
    expect(Array.from(p.samples.subarray(0, 800)).every((v) => v === 0)).toBe(true);
    const y = peakNormalise(Float32Array.from(a, (v) => v / 2));
    expect(p.samples[800 + 123]).toBe(y[123]);
  });

  it('resamples 8 kHz and 44.1 kHz input and says so', () => {
    for (const rate of [8000, 44100]) {
      const p = preprocess16k({ sampleRate: rate, channels: [signal(rate, rate)] });
      expect(p.resampledFrom).toBe(rate);
      expect(p.sampleRate).toBe(16000);
      expect(p.samples.length % 240).toBe(0);
    }
  });
});

describe('spectrogram core', () => {
  it('frame counts: Kaldi snips edges, Whisper drops its last centred frame, the prompt mel pads 720', () => {
    const x16 = signal(16000, 16000);
    expect(kaldiFbank(x16).frames).toBe(1 + Math.floor((16000 - 400) / 160));
    expect(kaldiFbank(x16.subarray(0, 399)).frames).toBe(0);
    expect(kaldiFbank(x16.subarray(0, 400)).frames).toBe(1);
    expect(whisperLogMel(x16).frames).toBe(100);
    expect(whisperLogMel(x16).bins).toBe(128);
    const x24 = signal(24000, 24000);
    expect(promptMel24k(x24).frames).toBe(1 + Math.floor((24000 + 1440 - 1920) / 480));
    expect(campplusFbank(x16).bins).toBe(80);
  });

  it('refuses input too short for its reflection padding', async () => {
    expect(await errorCode(() => whisperLogMel(new Float32Array(200)))).toBe('E_VALIDATION');
    expect(whisperLogMel(new Float32Array(201)).frames).toBe(1);
    expect(await errorCode(() => promptMel24k(new Float32Array(720)))).toBe('E_VALIDATION');
    expect(await errorCode(() => kaldiFbank(new Float32Array(1000), { numMelBins: 2 }))).toBe('E_VALIDATION');
  });

  it('gives every frame the same values whichever frame it is paired with in the FFT', () => {
    const x = signal(24000, 16000, 7);
    const y = signal(36000, 24000, 7);
    const cases: [string, (s: Float32Array) => FeatureMatrix, Float32Array, number][] = [
      ['fbank', (s) => kaldiFbank(s), x, 160],
      ['whisper', (s) => whisperLogMel(s), x, 160],
      ['prompt mel', (s) => promptMel24k(s), y, 480],
    ];
    for (const [name, run, input, hop] of cases) {
      // Starting one hop later pairs every frame with its other neighbour.
      const a = rows(run(input), 5, 60);
      const b = rows(run(input.subarray(hop)), 4, 59);
      let d = 0;
      for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
      expect(d, name).toBeLessThan(1e-5);
    }
  });

  it('Whisper log-mel stays within 8 (log10) of its maximum, as (x + 4)/4', () => {
    const x = new Float32Array(16000);
    x.set(signal(8000, 16000), 4000);
    const m = whisperLogMel(x);
    let max = -Infinity;
    let min = Infinity;
    for (const v of m.data) {
      max = Math.max(max, v);
      min = Math.min(min, v);
    }
    expect(max - min).toBeCloseTo(2, 5); // 8 log10 units after the division by 4
  });

  it('windows: periodic Hann, Hamming 0.54/0.46 and povey (symmetric Hann^0.85) have their textbook values', () => {
    const h = featureWindow('hann', 8);
    expect(h[0]).toBe(0);
    expect(h[4]).toBeCloseTo(1, 15);
    const hs = featureWindow('hann-symmetric', 9);
    expect(hs[8]).toBeCloseTo(0, 15);
    const hm = featureWindow('hamming', 400);
    expect(hm[0]).toBeCloseTo(0.08, 15);
    expect(hm[399]).toBeCloseTo(0.08, 15);
    const pv = featureWindow('povey', 400);
    expect(pv[0]).toBe(0);
    expect(pv[100]).toBeCloseTo(Math.pow(0.5 - 0.5 * Math.cos((2 * Math.PI * 100) / 399), 0.85), 15);
  });
});
