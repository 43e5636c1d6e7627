// The WebAssembly SIMD kernels (src-main/audio/wasm): the committed module is what its AssemblyScript sources compile
// to, the spectrogram kernel equals a plain float64 DFT computed here for every radix it has (2, 3, 4, 5), frame
// counts that are not multiples of 4 and every framing option, and the resampler's four-at-a-time kernel gives every
// output the same sum wherever it falls in a group or block. The front ends' agreement with torchaudio is proven by
// test/unit/features/parity.test.ts.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MelSpectrogram, WHISPER_STFT, featureWindow, type MelBank, type SpectrogramConfig } from '../../../src-main/audio/features';
import { resampleChannel, resampleChannelSteps } from '../../../src-main/audio/resample';
import type { Steps } from '../../../src-main/audio/steps';

const root = path.resolve(__dirname, '../../..');

function noise(n: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    state = (Math.imul(1664525, state) + 1013904223) >>> 0;
    x[i] = 0.5 * Math.sin(i * 0.05 * (1 + (seed % 3))) + 0.3 * (state / 2 ** 32 - 0.5);
  }
  return x;
}

describe('the committed WebAssembly module', () => {
  it('is what src-main/audio/wasm/assembly compiles to now (node scripts/build-wasm.mjs --check)', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-wasm.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`, 'regenerate with: node scripts/build-wasm.mjs').toContain('matches');
    expect(r.status).toBe(0);
  });
});

/** A bank that passes FFT bins lo … hi − 1 through unchanged (bin b = FFT bin lo + b), so the output is the log
 *  spectrum itself. */
function identityBank(fftSize: number, lo: number, hi: number): MelBank {
  const bins = hi - lo;
  return {
    bins,
    fftBins: fftSize / 2 + 1,
    start: Int32Array.from({ length: bins }, (_, b) => lo + b),
    length: new Int32Array(bins).fill(1),
    offset: Int32Array.from({ length: bins }, (_, b) => b),
    weights: new Float64Array(bins).fill(1),
  };
}

/** The configured spectrogram written out directly: framing, window, O(N²) DFT, spectrum, log. */
function directSpectrogram(cfg: SpectrogramConfig, x: Float32Array, frames: number): Float64Array {
  const { frameLength, hop, fftSize, reflectPad, inputScale, removeDc, preEmphasis, mel } = cfg;
  const w = featureWindow(cfg.window, frameLength);
  const n = x.length;
  const out = new Float64Array(frames * mel.bins);
  for (let f = 0; f < frames; f++) {
    const frame = new Float64Array(frameLength);
    for (let i = 0; i < frameLength; i++) {
      const t = f * hop - reflectPad + i;
      frame[i] = x[t < 0 ? -t : t >= n ? 2 * (n - 1) - t : t]! * inputScale;
    }
    if (removeDc) {
      const mean = frame.reduce((a, b) => a + b, 0) / frameLength;
      for (let i = 0; i < frameLength; i++) frame[i]! -= mean;
    }
    for (let i = frameLength - 1; i >= 0; i--) frame[i]! -= preEmphasis * frame[Math.max(0, i - 1)]!;
    for (let i = 0; i < frameLength; i++) frame[i]! *= w[i]!;
    for (let b = 0; b < mel.bins; b++) {
      let acc = 0;
      for (let j = 0; j < mel.length[b]!; j++) {
        const k = mel.start[b]! + j;
        let re = 0;
        let im = 0;
        for (let i = 0; i < frameLength; i++) {
          const a = (-2 * Math.PI * ((i * k) % fftSize)) / fftSize;
          re += frame[i]! * Math.cos(a);
          im += frame[i]! * Math.sin(a);
        }
        const p = re * re + im * im;
        acc += mel.weights[mel.offset[b]! + j]! * (cfg.spectrum === 'power' ? p : Math.sqrt(p + cfg.magnitudeEpsilon));
      }
      out[f * mel.bins + b] = Math.log(Math.max(acc, cfg.logFloor)) * (cfg.log === '10' ? Math.LOG10E : 1);
    }
  }
  return out;
}

describe('the spectrogram kernel', () => {
  const base: Omit<SpectrogramConfig, 'frameLength' | 'hop' | 'fftSize' | 'mel'> = {
    window: 'hann',
    reflectPad: 0,
    dropLastFrame: false,
    inputScale: 1,
    removeDc: false,
    preEmphasis: 0,
    spectrum: 'power',
    magnitudeEpsilon: 0,
    log: 'e',
    logFloor: 1e-300,
  };
  const cases: [string, SpectrogramConfig][] = [
    ['400 points (radices 5, 5, 4, 4), reflection padding, log10', { ...base, frameLength: 400, hop: 160, fftSize: 400, reflectPad: 200, log: '10', mel: identityBank(400, 0, 201) }],
    ['512 points (4, 4, 4, 4, 2), Kaldi framing: scale, DC removal, pre-emphasis, povey', { ...base, frameLength: 400, hop: 160, fftSize: 512, inputScale: 32768, removeDc: true, preEmphasis: 0.97, window: 'povey', mel: identityBank(512, 0, 256) }],
    ['1920 points (5, 3, 4, 4, 4, 2), magnitude, part of the bins', { ...base, frameLength: 1920, hop: 480, fftSize: 1920, reflectPad: 720, spectrum: 'magnitude', magnitudeEpsilon: 1e-9, mel: identityBank(1920, 3, 330) }],
    ['90 points (5, 3, 3, 2), Hamming, pre-emphasis without DC removal', { ...base, frameLength: 72, hop: 30, fftSize: 90, window: 'hamming', preEmphasis: 0.5, mel: identityBank(90, 0, 46) }],
  ];
  for (const [name, cfg] of cases) {
    it(`equals a direct float64 DFT: ${name}`, () => {
      const plan = new MelSpectrogram(cfg);
      // 1, 2, 3, 4, 5 and 7 frames: every way a group of four can be partly filled.
      for (const frames of [1, 2, 3, 4, 5, 7, 70]) {
        const n = cfg.reflectPad > 0 ? (frames - 1) * cfg.hop + 1 + Math.max(cfg.reflectPad, cfg.frameLength - 2 * cfg.reflectPad) : (frames - 1) * cfg.hop + cfg.frameLength;
        const x = noise(n, frames + cfg.fftSize);
        const got = plan.run(x);
        expect(got.frames).toBe(plan.frameCount(n));
        const want = directSpectrogram(cfg, x, got.frames);
        let d = 0;
        let max = -Infinity;
        for (let i = 0; i < want.length; i++) {
          // float32 output: half an ulp of the value, plus the DFT's own float64 rounding.
          d = Math.max(d, Math.abs(got.data[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
          max = Math.max(max, got.data[i]!);
        }
        expect(d, `${frames} frames`).toBeLessThan(2e-7);
        expect(got.max).toBe(max);
      }
    });
  }

  it('gives each frame the value of the floor where its spectrum is below it, and maps NaN samples to the floor', () => {
    const cfg: SpectrogramConfig = { ...base, frameLength: 400, hop: 160, fftSize: 400, logFloor: 1e-10, mel: identityBank(400, 0, 201) };
    const x = new Float32Array(400 + 3 * 160);
    x.fill(Number.NaN, 160, 560);
    const m = new MelSpectrogram(cfg).run(x);
    expect(m.frames).toBe(4);
    // Every frame overlaps the NaN run: every value is the floor, as `acc > floor ? acc : floor` gives.
    for (const v of m.data) expect(v).toBeCloseTo(Math.log(1e-10), 4);
  });
});

/** Runs two cooperative computations piece by piece in turn, as two jobs sharing a thread do. */
function interleave<A, B>(a: Steps<A>, b: Steps<B>): [A, B] {
  let ra = a.next();
  let rb = b.next();
  while (!ra.done || !rb.done) {
    if (!ra.done) ra = a.next();
    if (!rb.done) rb = b.next();
  }
  return [ra.value, rb.value];
}

describe('kernel instances shared by interleaved cooperative runs', () => {
  it('a spectrogram plan gives each of two interleaved runs what it gives each alone', () => {
    // Whisper's STFT over a plain bank of every bin.
    const cfg: SpectrogramConfig = { ...WHISPER_STFT, mel: identityBank(400, 0, 201) };
    const plan = new MelSpectrogram(cfg);
    const x = noise(16000 * 3, 5);
    const y = noise(16000 * 2 + 77, 6);
    const [a, b] = interleave(plan.steps(x), plan.steps(y));
    expect(a).toEqual(plan.run(x));
    expect(b).toEqual(plan.run(y));
  });

  it('the resampler gives each of two interleaved runs with different kernels what it gives each alone', () => {
    const x = noise(100_000, 7);
    const opts = { mode: 'torchaudioHann' } as const;
    const [a, b] = interleave(resampleChannelSteps(x, 24000, 16000, opts), resampleChannelSteps(x, 48000, 16000));
    expect(a).toEqual(resampleChannel(x, 24000, 16000, opts));
    expect(b).toEqual(resampleChannel(x, 48000, 16000));
  });
});

describe('the resampler kernel', () => {
  for (const [from, to] of [
    [24000, 16000],
    [48000, 16000],
    [44100, 16000],
    [8000, 16000],
    [16000, 24000],
  ] as const) {
    it(`gives each output the same sum wherever it falls in a group of four or a block: ${from} → ${to} Hz`, () => {
      const g = (a: number, b: number): number => (b === 0 ? a : g(b, a % b));
      const L = from / g(from, to);
      const M = to / g(from, to);
      // Long enough for several 16384-output blocks; shifting the input by L samples shifts the output by M.
      const x = noise(150_000, 3);
      for (const mode of ['torchaudioHann', 'high'] as const) {
        const a = resampleChannel(x, from, to, { mode });
        const b = resampleChannel(x.subarray(L), from, to, { mode });
        // Outputs away from both ends (the edge outputs are computed in JavaScript, the others by the kernel).
        let same = true;
        for (let m = 400; m < b.length - 400; m++) if (a[m + M] !== b[m]) same = false;
        expect(same, mode).toBe(true);
      }
    });
  }
});
