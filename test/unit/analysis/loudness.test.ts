import { describe, expect, it } from 'vitest';
import {
  biquadGainDb,
  channelWeights,
  frameEnergyPercentiles,
  kWeightingSupported,
  truePeakInterpolator,
  integratedLoudness,
  kWeightingFilters,
  LoudnessMeter,
  loudnessRange,
  measureLoudness,
  samplePeak,
  truePeak,
  truePeakFactor,
} from '../../../src-main/audio/analysis/loudness';
import { RetakeError } from '../../../src-main/contract/errors';
import type { AudioData } from '../../../src-main/audio/types';
import { noise, sine } from './corpus';

const db = (amp: number) => 20 * Math.log10(amp);
const amp = (dbfs: number) => 10 ** (dbfs / 20);

/**
 * Stereo 1 kHz sine sections [dBFS peak, seconds], both channels equal (EBU Tech 3341/3342 test signals). Generated at
 * 16 kHz: the meter reads them the same at any rate (the reference tones are checked at 16, 44.1 and 48 kHz above), and
 * a third of the samples keeps mutation testing of the meter (npm run mutation -- loudness) within minutes.
 */
function stereoSections(sections: [number, number][], sr = 16000, freq = 1000): AudioData {
  const parts = sections.map(([level, sec]) => sine(freq, sr, sec, amp(level)));
  const n = parts.reduce((a, p) => a + p.length, 0);
  const x = new Float32Array(n);
  let o = 0;
  for (const p of parts) {
    x.set(p, o);
    o += p.length;
  }
  return { sampleRate: sr, channels: [x, x.slice()] };
}

function kGainDb(sr: number, f: number): number {
  const k = kWeightingFilters(sr);
  return biquadGainDb(k.shelf, f, sr) + biquadGainDb(k.highpass, f, sr);
}

/** Raised-cosine fades so that a test tone has no onset transient of its own. */
function faded(x: Float32Array, sr: number, sec = 0.01): Float32Array {
  const n = Math.round(sec * sr);
  for (let i = 0; i < n; i++) {
    const g = 0.5 - 0.5 * Math.cos((Math.PI * i) / n);
    x[i]! *= g;
    x[x.length - 1 - i]! *= g;
  }
  return x;
}

describe('K-weighting', () => {
  it('reproduces the 48 kHz coefficients of ITU-R BS.1770-4 Tables 1 and 2', () => {
    const { shelf, highpass } = kWeightingFilters(48000);
    expect(shelf.b0).toBeCloseTo(1.53512485958697, 9);
    expect(shelf.b1).toBeCloseTo(-2.69169618940638, 9);
    expect(shelf.b2).toBeCloseTo(1.19839281085285, 9);
    expect(shelf.a1).toBeCloseTo(-1.69065929318241, 9);
    expect(shelf.a2).toBeCloseTo(0.73248077421585, 9);
    expect([highpass.b0, highpass.b1, highpass.b2]).toEqual([1, -2, 1]);
    expect(highpass.a1).toBeCloseTo(-1.99004745483398, 9);
    expect(highpass.a2).toBeCloseTo(0.99007225036621, 9);
  });

  it('has the same response at other sample rates', () => {
    for (const f of [30, 100, 1000, 5000]) expect(Math.abs(kGainDb(44100, f) - kGainDb(48000, f)), `${f} Hz`).toBeLessThan(0.02);
    // At 16 kHz the bilinear map bends the shelf a little away from its pre-warped centre frequency.
    for (const [f, tol] of [
      [30, 0.01],
      [100, 0.01],
      [1000, 0.05],
    ] as const) {
      expect(Math.abs(kGainDb(16000, f) - kGainDb(48000, f)), `${f} Hz`).toBeLessThan(tol);
    }
    // Shape: ≈ +4 dB shelf above 2 kHz, RLB high-pass below 100 Hz.
    expect(kGainDb(48000, 10000)).toBeGreaterThan(3.9);
    expect(kGainDb(48000, 20)).toBeLessThan(-12);
  });
});

describe('integrated loudness (BS.1770-4)', () => {
  for (const sr of [16000, 44100, 48000]) {
    it(`reads the reference tones at ${sr} Hz within 0.1 LU`, () => {
      // One channel, 1 kHz at −20 dBFS peak: mean square 0.005 → −23.01 LUFS.
      expect(Math.abs(integratedLoudness({ sampleRate: sr, channels: [sine(1000, sr, 5, 0.1)] })! - -23.01)).toBeLessThan(0.1);
      // One channel, full-scale 997 Hz: −3.01 LUFS (BS.1770-4 §2: "0 dB FS 1 kHz sine in one channel").
      expect(Math.abs(integratedLoudness({ sampleRate: sr, channels: [sine(997, sr, 5, 1)] })! - -3.01)).toBeLessThan(0.1);
      // The same tone in both stereo channels adds 3.01 dB: 0.0 LUFS.
      const st = sine(997, sr, 5, 1);
      expect(Math.abs(integratedLoudness({ sampleRate: sr, channels: [st, st.slice()] })!)).toBeLessThan(0.1);
    });
  }

  it('passes EBU Tech 3341 cases 1, 3 and 4 (gating)', () => {
    expect(Math.abs(integratedLoudness(stereoSections([[-23, 20]]))! - -23)).toBeLessThan(0.1);
    const case3 = stereoSections([
      [-36, 10],
      [-23, 60],
      [-36, 10],
    ]);
    expect(Math.abs(integratedLoudness(case3)! - -23)).toBeLessThan(0.1);
    const case4 = stereoSections([
      [-72, 10],
      [-36, 10],
      [-23, 60],
      [-36, 10],
      [-72, 10],
    ]);
    expect(Math.abs(integratedLoudness(case4)! - -23)).toBeLessThan(0.1);
  });

  it('passes EBU Tech 3341 case 5 (the relative gate keeps sections within 10 LU): −26/−20/−26 dBFS gives −23.0', () => {
    const case5 = stereoSections([[-26, 20], [-20, 20.1], [-26, 20]], 16000);
    expect(Math.abs(integratedLoudness(case5)! - -23)).toBeLessThan(0.1);
  });

  it('gates absolutely at −70 LUFS: a multi-level signal at −65/−68/−69 counts, −71/−75 sections do not', () => {
    // Tech 3341 style, between where a gate at −60 and one at −70 would fall. All sections lie within 10 LU of each
    // other, so only the absolute gate decides what counts.
    const above = integratedLoudness(stereoSections([[-65, 8], [-68, 8], [-69, 8]], 16000))!;
    const expected = 10 * Math.log10((10 ** -6.5 + 10 ** -6.8 + 10 ** -6.9) / 3);
    expect(Math.abs(above - expected)).toBeLessThan(0.1);
    // The −71 and −75 dBFS sections fall under the gate: the result is the −66 dBFS section alone.
    const mixed = integratedLoudness(stereoSections([[-75, 8], [-66, 8], [-71, 8], [-75, 8]], 16000))!;
    expect(Math.abs(mixed - -66)).toBeLessThan(0.15);
    expect(integratedLoudness(stereoSections([[-71, 8], [-75, 8]], 16000))).toBeNull();
  });

  it('gates relatively at −10 LU: a section 10.3 LU under the rest counts, one 10.9 LU under does not', () => {
    // 60 s at −20 dBFS and 10 s quieter: the absolute-gated mean lies about 0.6 LU under −20, so the gate sits near
    // −30.6. A gate at −9 or −9.5 LU would leave the first quiet section out, one at −11 would keep the second.
    const mean = (d: number) => 10 * Math.log10((60 * 10 ** -2 + 10 * 10 ** ((-20 - d) / 10)) / 70);
    const inside = integratedLoudness(stereoSections([[-20, 60], [-30.3, 10]]))!;
    expect(Math.abs(inside - mean(10.3))).toBeLessThan(0.05);
    expect(inside).toBeLessThan(-20.5);
    const outside = integratedLoudness(stereoSections([[-20, 60], [-30.9, 10]]))!;
    expect(Math.abs(outside - -20)).toBeLessThan(0.05);
  });

  it('is null for silence and for signals under the −70 LUFS absolute gate', () => {
    expect(integratedLoudness({ sampleRate: 48000, channels: [new Float32Array(48000)] })).toBeNull();
    expect(integratedLoudness({ sampleRate: 48000, channels: [sine(1000, 48000, 2, amp(-75))] })).toBeNull();
  });

  it('measures a clip shorter than one 400 ms block as one block', () => {
    const v = integratedLoudness({ sampleRate: 48000, channels: [sine(1000, 48000, 0.2, 0.1)] });
    expect(Math.abs(v! - -23.01)).toBeLessThan(0.2);
  });

  it('weights surround channels of a 5.1 layout by 1.41 and ignores the LFE', () => {
    const sr = 48000;
    const tone = sine(1000, sr, 3, 0.1);
    const z = () => new Float32Array(tone.length);
    const inLfe = integratedLoudness({ sampleRate: sr, channels: [z(), z(), z(), tone, z(), z()] });
    expect(inLfe).toBeNull();
    const inLs = integratedLoudness({ sampleRate: sr, channels: [z(), z(), z(), z(), tone, z()] })!;
    expect(Math.abs(inLs - (-23.01 + 10 * Math.log10(1.41)))).toBeLessThan(0.1);
  });
});

describe('loudness range (EBU Tech 3342)', () => {
  it('reads the level-step test signals', () => {
    const cases: [number, number, number][] = [
      [-20, -30, 10],
      [-20, -15, 5],
      [-40, -20, 20],
    ];
    for (const [a, b, lra] of cases) {
      const v = loudnessRange(stereoSections([
        [a, 20],
        [b, 20],
      ]))!;
      expect(Math.abs(v - lra), `${a}/${b}`).toBeLessThan(1);
    }
  });

  it('passes EBU Tech 3342 case 4: −50/−35/−20/−35/−50 dBFS, 20 s each, gives 15 LU (−50 under the relative gate)', () => {
    const v = loudnessRange(stereoSections([[-50, 20], [-35, 20], [-20, 20], [-35, 20], [-50, 20]], 16000))!;
    expect(Math.abs(v - 15)).toBeLessThan(1);
  });

  it('takes the 10th and 95th percentiles: sections holding 7 % and 8 % of the windows sit outside them', () => {
    // −40 dBFS for 7 s, −30 dBFS for 83 s, −20 dBFS for 10 s: the −40 windows are fewer than 10 % and the −20 ones more
    // than 5 % (with 3 s windows at 10 Hz, about 7 % and 8 % of them), so the range is −20 − (−30) = 10 LU. Another
    // lower percentile (5th) would reach −40 (20 LU); another upper one (90th) would stay near −30 (≈ 0 LU).
    const v = loudnessRange(stereoSections([[-40, 7], [-30, 83], [-20, 10]], 16000))!;
    expect(Math.abs(v - 10)).toBeLessThan(0.5);
    // Turn the proportions around: −40 for 15 s (> 10 %) and −20 for 3 s (< 5 %): now the range is −30 − (−40).
    const w = loudnessRange(stereoSections([[-40, 15], [-30, 82], [-20, 3]], 16000))!;
    expect(Math.abs(w - 10)).toBeLessThan(1.5);
    expect(w).toBeLessThan(v + 1.5);
    // With both extremes inside the percentiles the range spans them: −40 for 15 s and −20 for 10 s.
    const both = loudnessRange(stereoSections([[-40, 15], [-30, 75], [-20, 10]], 16000))!;
    expect(Math.abs(both - 20)).toBeLessThan(0.5);
  });

  it('gates short-term windows at −20 LU under their mean: a section 20.8 LU under counts, one 21.45 LU under does not', () => {
    // 60 s at −20 dBFS, 20 s quieter: the windows' absolute-gated mean is about −21.2 LUFS, the gate near −41.2. The
    // quiet section holds a quarter of the windows, so when it counts the range spans it. A gate at −19.5 LU would leave
    // the first out, one at −20.5 would keep the second.
    const inside = loudnessRange(stereoSections([[-20, 60], [-40.8, 20]]))!;
    expect(Math.abs(inside - 20.8)).toBeLessThan(0.3);
    const outside = loudnessRange(stereoSections([[-20, 60], [-41.45, 20]]))!;
    expect(outside).toBeLessThan(0.5);
  });

  it('is null under 3 s and near 0 for a steady tone', () => {
    expect(loudnessRange({ sampleRate: 16000, channels: [sine(1000, 16000, 2, 0.1)] })).toBeNull();
    expect(loudnessRange({ sampleRate: 16000, channels: [sine(1000, 16000, 10, 0.1)] })!).toBeLessThan(0.1);
  });
});

describe('true peak', () => {
  it('oversamples to at least 192 kHz', () => {
    expect([48000, 44100, 24000, 16000, 96000, 192000].map(truePeakFactor)).toEqual([4, 5, 8, 12, 2, 1]);
  });

  for (const sr of [16000, 44100, 48000]) {
    it(`finds the inter-sample peak of an fs/4 sine at 45° phase at ${sr} Hz`, () => {
      const a: AudioData = { sampleRate: sr, channels: [faded(sine(sr / 4, sr, 1, 0.5, Math.PI / 4), sr)] };
      const sp = db(samplePeak(a));
      const tp = db(truePeak(a));
      expect(sp).toBeCloseTo(db(0.5) - 3.0103, 3);
      // The true peak is 0.5 (−6.02 dBFS) half-way between samples; 5× at 44.1 kHz lands 0.1 sample off it (−0.11 dB).
      expect(Math.abs(tp - db(0.5))).toBeLessThan(0.15);
      expect(tp - sp).toBeGreaterThan(2.85);
    });
  }

  it('equals the sample peak for a low tone and finds one short inter-sample burst in quiet noise', () => {
    const sr = 48000;
    const low = faded(sine(100, sr, 1, 0.8), sr);
    expect(Math.abs(db(truePeak({ sampleRate: sr, channels: [low] })) - db(0.8))).toBeLessThan(0.01);
    const x = noise(sr * 2, 3, 0.05);
    const burst = faded(sine(sr / 4, sr, 0.02, 0.9, Math.PI / 4), sr, 0.005);
    x.set(burst, sr);
    const tp = truePeak({ sampleRate: sr, channels: [new Float32Array(sr), x] });
    expect(Math.abs(db(tp) - db(0.9))).toBeLessThan(0.1);
  });

  it('reports null peaks and loudness for digital silence', () => {
    expect(measureLoudness({ sampleRate: 48000, channels: [new Float32Array(4800)] })).toEqual({
      integratedLufs: null,
      loudnessRangeLu: null,
      truePeakDbtp: null,
      samplePeakDbfs: null,
    });
  });
});

describe('frameEnergyPercentiles', () => {
  it('gives the noise floor and the tone level of a noise-then-tone signal in dB over 20 ms frames', () => {
    const sr = 16000;
    const x = new Float32Array(2 * sr);
    x.set(noise(sr, 4, 0.01), 0);
    x.set(sine(1000, sr, 1, 0.5), sr);
    const [p10, p95] = frameEnergyPercentiles({ sampleRate: sr, channels: [x] }, [10, 95]) as [number, number];
    // Uniform noise of amplitude a has mean square a²/3; a sine of amplitude A has A²/2.
    expect(Math.abs(p10 - 10 * Math.log10(0.01 ** 2 / 3))).toBeLessThan(0.5);
    expect(Math.abs(p95 - 10 * Math.log10(0.5 ** 2 / 2))).toBeLessThan(0.05);
  });

  it('floors digital silence at −120 dB', () => {
    expect(frameEnergyPercentiles({ sampleRate: 16000, channels: [new Float32Array(16000)] }, [10, 95])).toEqual([-120, -120]);
  });
});

// ---- cases found by mutation testing (npm run mutation -- loudness) -------------------------------------------------

describe('loudness meter details', () => {
  /** Every interpolated value of every sample and phase, computed directly (no block skipping). */
  function bruteTruePeak(a: AudioData): number {
    const { phases, taps } = truePeakInterpolator(a.sampleRate);
    const half = taps / 2;
    let best = 0;
    for (const x of a.channels) {
      for (let i = 0; i < x.length; i++) {
        best = Math.max(best, Math.abs(x[i]!));
        for (let p = 1; p < phases.length; p++) {
          let acc = 0;
          for (let j = 0; j < taps; j++) {
            const k = i - half + 1 + j;
            if (k >= 0 && k < x.length) acc += phases[p]![j]! * x[k]!;
          }
          best = Math.max(best, Math.abs(acc));
        }
      }
    }
    return best;
  }

  it('true peak equals the exhaustive search, with peaks at the very start, the very end and between blocks', () => {
    for (const sr of [16000, 48000, 96000]) {
      const n = 3000;
      const a = noise(n, 11, 0.05);
      const b = noise(n, 12, 0.05);
      // Alternating full-scale samples at the edges and across a block border: inter-sample overshoot there.
      a.set([0.9, -0.9, 0.9], 0);
      b.set([-0.8, 0.8, -0.8, 0.8], n - 4);
      a.set([0.7, -0.7, 0.7, -0.7], 31);
      const audio = { sampleRate: sr, channels: [a, b] };
      expect(truePeak(audio), `${sr} Hz`).toBe(bruteTruePeak(audio));
      const single = { sampleRate: sr, channels: [b] };
      expect(truePeak(single), `${sr} Hz mono`).toBe(bruteTruePeak(single));
    }
    // Exactly one block, and a clip shorter than one block.
    const short = { sampleRate: 48000, channels: [Float32Array.of(0, 0.5, -0.5, 0.5, 0)] };
    expect(truePeak(short)).toBe(bruteTruePeak(short));
    const block = { sampleRate: 48000, channels: [noise(32, 5, 0.5)] };
    expect(truePeak(block)).toBe(bruteTruePeak(block));
  });

  it('true peak equals the exhaustive search on seeded spike trains at block borders, where skipping could miss them', () => {
    // Short runs of alternating samples (the worst inter-sample overshoot) of random sign and level, placed within two
    // samples of a 32-sample block border, over silence or faint noise: the peak lies in a block whose neighbours decide
    // its bound, and quieter blocks may still hold a higher interpolated value than the loudest sample's block.
    const rand = noise(4096, 99);
    let r = 0;
    const next = () => (rand[r++ % rand.length]! + 1) / 2;
    for (let t = 0; t < 24; t++) {
      const sr = [16000, 44100, 48000][t % 3]!;
      const n = 700 + Math.floor(next() * 600);
      const x = t % 2 === 0 ? new Float32Array(n) : noise(n, 200 + t, 0.01);
      for (let k = 0; k < 4; k++) {
        const at = Math.min(n - 6, 32 * Math.floor(next() * (n / 32)) + Math.floor(next() * 5) - 2);
        const len = 1 + Math.floor(next() * 5);
        const level = 0.2 + 0.7 * next();
        const sign = next() < 0.5 ? -1 : 1;
        for (let i = 0; i < len && at + i < n; i++) x[Math.max(0, at + i)] = sign * level * (i % 2 === 0 ? 1 : -1);
      }
      const a = { sampleRate: sr, channels: [x] };
      expect(truePeak(a), `case ${t}`).toBe(bruteTruePeak(a));
    }
  });

  it('true peak equals the exhaustive search over several pieces of a cooperative run', () => {
    // Longer than two SAMPLE_BLOCKs (65536 samples): block bounds are computed piece by piece, and the peaks sit at a
    // piece border, deep in the last piece and at the very end.
    const sr = 16000;
    const n = 2 * 65536 + 5000;
    const x = noise(n, 31, 0.02);
    x.set([0.5, -0.5, 0.5, -0.5], 65536 - 2);
    x.set([0.6, -0.6, 0.6], 2 * 65536 + 100);
    x.set([-0.3, 0.3, -0.3, 0.3], n - 4);
    const y = noise(n, 32, 0.02);
    y.set([0.55, -0.55, 0.55, -0.55], 65536 + 31);
    const a = { sampleRate: sr, channels: [x, y] };
    expect(truePeak(a)).toBe(bruteTruePeak(a));
    const m = measureLoudness(a);
    expect(m.truePeakDbtp).toBe(db(bruteTruePeak(a)));
    expect(m.samplePeakDbfs).toBeCloseTo(db(0.6), 5);
  });

  it('weights a 5.0 layout like 5.1 without its LFE, and four channels equally', () => {
    const sr = 16000;
    const tone = sine(1000, sr, 3, 0.1);
    const z = () => new Float32Array(tone.length);
    const five = (at: number) => integratedLoudness({ sampleRate: sr, channels: Array.from({ length: 5 }, (_, c) => (c === at ? tone : z())) })!;
    expect(five(3) - five(0)).toBeCloseTo(10 * Math.log10(1.41), 2);
    expect(five(4) - five(2)).toBeCloseTo(10 * Math.log10(1.41), 2);
    expect(five(1)).toBeCloseTo(five(0), 6);
    const four = (at: number) => integratedLoudness({ sampleRate: sr, channels: Array.from({ length: 4 }, (_, c) => (c === at ? tone : z())) })!;
    expect(four(3)).toBeCloseTo(four(0), 6);
    expect(channelWeights(6)).toEqual([1, 1, 1, 0, 1.41, 1.41]);
    expect(channelWeights(2)).toEqual([1, 1]);
  });

  it('gates 400 ms blocks every 100 ms: a 0.3 s burst in silence is one block, and a block under the gate is left out', () => {
    const sr = 16000;
    // −20 dBFS for 0.3 s inside 2 s of silence: the blocks holding it read it diluted; the gated mean is of those alone.
    const x = new Float32Array(2 * sr);
    x.set(sine(1000, sr, 0.3, 0.1), sr);
    const v = integratedLoudness({ sampleRate: sr, channels: [x] })!;
    // The loudest blocks hold the whole burst (0.3 of 0.4 s): −23.01 + 10·log10(0.75) = −24.26; others hold less.
    expect(v).toBeLessThan(-24.2);
    expect(v).toBeGreaterThan(-27);
    // A clip of exactly 0.4 s is one full block.
    expect(integratedLoudness({ sampleRate: sr, channels: [sine(1000, sr, 0.4, 0.1)] })!).toBeCloseTo(-23.01, 1);
    // 0.45 s is one full block and a partial step that no block reaches: a tone for 0.4 s then 50 ms of silence reads
    // as the tone, not diluted over 0.45 s (−23.52).
    const tail = new Float32Array(Math.round(0.45 * sr));
    tail.set(sine(1000, sr, 0.4, 0.1));
    expect(integratedLoudness({ sampleRate: sr, channels: [tail] })!).toBeCloseTo(-23.01, 1);
  });

  it('has a loudness range from exactly 3 s on', () => {
    const sr = 16000;
    expect(loudnessRange({ sampleRate: sr, channels: [sine(1000, sr, 3, 0.1)] })).not.toBeNull();
    expect(loudnessRange({ sampleRate: sr, channels: [sine(1000, sr, 2.99, 0.1)] })).toBeNull();
    expect(loudnessRange({ sampleRate: 3999, channels: [sine(500, 3999, 10, 0.1)] })).toBeNull();
  });

  it('measures peaks but not loudness below 4 kHz, and loudness from 4 kHz on', () => {
    const low = measureLoudness({ sampleRate: 3999, channels: [sine(300, 3999, 1, 0.5)] });
    expect(low.integratedLufs).toBeNull();
    expect(low.loudnessRangeLu).toBeNull();
    expect(low.samplePeakDbfs!).toBeCloseTo(db(0.5), 1);
    expect(low.truePeakDbtp!).toBeGreaterThanOrEqual(low.samplePeakDbfs!);
    expect(integratedLoudness({ sampleRate: 3999, channels: [sine(300, 3999, 1, 0.5)] })).toBeNull();
    expect(measureLoudness({ sampleRate: 4000, channels: [sine(300, 4000, 1, 0.5)] }).integratedLufs).not.toBeNull();
    expect(kWeightingSupported(4000)).toBe(true);
    expect(kWeightingSupported(3999)).toBe(false);
    expect(samplePeak({ sampleRate: 8000, channels: [Float32Array.of(0.1, -0.7), Float32Array.of(0.6, 0)] })).toBeCloseTo(0.7, 6);
  });
});

describe('frameEnergyPercentiles details', () => {
  it('ignores a trailing partial frame, measures a clip shorter than a frame as one, and averages over channels', () => {
    const sr = 16000;
    const frame = 0.02 * sr;
    const x = new Float32Array(10 * frame + frame / 2).fill(0.1);
    x.fill(1, 10 * frame); // a loud half frame at the end
    expect(frameEnergyPercentiles({ sampleRate: sr, channels: [x] }, [100])[0]).toBeCloseTo(-20, 6);
    expect(frameEnergyPercentiles({ sampleRate: sr, channels: [new Float32Array(10).fill(0.5)] }, [0, 100])).toEqual([
      expect.closeTo(-6.0206, 3),
      expect.closeTo(-6.0206, 3),
    ]);
    const half = frameEnergyPercentiles({ sampleRate: sr, channels: [new Float32Array(frame * 4).fill(0.1), new Float32Array(frame * 4)] }, [50]);
    expect(half[0]).toBeCloseTo(-20 - 3.0103, 3);
    expect(frameEnergyPercentiles({ sampleRate: sr, channels: [new Float32Array(0)] }, [10, 90]).every(Number.isNaN)).toBe(true);
  });
});

// ---- the streamed meter (LoudnessMeter), as the renderer feeds it -----------------------------------------------------

describe('LoudnessMeter (streamed)', () => {
  /** Pushes audio in chunks whose sizes cycle through `sizes` (the last chunk is what is left), as render/index.ts does. */
  function streamed(a: AudioData, sizes: readonly number[]): LoudnessMeter {
    const meter = new LoudnessMeter(a.sampleRate, a.channels.length);
    const n = a.channels[0]!.length;
    for (let pos = 0, k = 0; pos < n; k++) {
      const end = Math.min(n, pos + sizes[k % sizes.length]!);
      meter.push(a.channels.map((ch) => ch.subarray(pos, end)));
      pos = end;
    }
    return meter;
  }

  /** Chunkings that cross 100 ms step borders at every offset: prime sizes, one sample, exact step and block sizes. */
  const chunkings = (sr: number): number[][] => [[1], [7, 13, 1021], [Math.round(0.1 * sr)], [Math.round(0.4 * sr) + 1], [4096]];

  it('gives bit-identical integrated loudness and range to the whole-signal meter on EBU Tech 3341/3342 cases', () => {
    const cases: [string, AudioData][] = [
      ['3341 case 3', stereoSections([[-36, 10], [-23, 60], [-36, 10]])],
      ['3341 case 4', stereoSections([[-72, 10], [-36, 10], [-23, 60], [-36, 10], [-72, 10]])],
      ['3341 case 5', stereoSections([[-26, 20], [-20, 20.1], [-26, 20]])],
      ['3342 case 4', stereoSections([[-50, 20], [-35, 20], [-20, 20], [-35, 20], [-50, 20]])],
      ['percentiles', stereoSections([[-40, 7], [-30, 83], [-20, 10]])],
    ];
    for (const [name, a] of cases) {
      const lufs = integratedLoudness(a)!;
      const lra = loudnessRange(a)!;
      for (const sizes of [[7, 13, 1021], [4096], [1600]]) {
        const m = streamed(a, sizes);
        expect(m.integrated(), `${name} ${sizes}`).toBe(lufs);
        expect(m.loudnessRange(), `${name} ${sizes}`).toBe(lra);
      }
    }
    // And their real values, so that equal-but-wrong cannot pass.
    expect(Math.abs(streamed(cases[2]![1], [997]).integrated()! - -23)).toBeLessThan(0.1);
    expect(Math.abs(streamed(cases[3]![1], [997]).loudnessRange()! - 15)).toBeLessThan(1);
    expect(Math.abs(streamed(cases[4]![1], [997]).loudnessRange()! - 10)).toBeLessThan(0.5);
  });

  it('gates absolutely at −70 LUFS when streamed, like the whole-signal meter', () => {
    const above = stereoSections([[-65, 8], [-68, 8], [-69, 8]]);
    const expected = 10 * Math.log10((10 ** -6.5 + 10 ** -6.8 + 10 ** -6.9) / 3);
    expect(Math.abs(streamed(above, [511]).integrated()! - expected)).toBeLessThan(0.1);
    const mixed = stereoSections([[-75, 8], [-66, 8], [-71, 8], [-75, 8]]);
    expect(Math.abs(streamed(mixed, [511]).integrated()! - -66)).toBeLessThan(0.15);
    expect(streamed(stereoSections([[-71, 8], [-75, 8]]), [511]).integrated()).toBeNull();
    expect(streamed({ sampleRate: 16000, channels: [new Float32Array(16000)] }, [100]).integrated()).toBeNull();
  });

  for (const sr of [8000, 16000, 22050, 44100, 48000]) {
    it(`matches the whole-signal meter at ${sr} Hz in every chunking, mono and stereo`, () => {
      // 4.37 s: a partial last step, and a loudness range (> 3 s). Speech-like: noise bursts over a quieter tone.
      const n = Math.round(4.37 * sr);
      const left = noise(n, 21, 0.02);
      const tone = sine(440, sr, n / sr, 0.2);
      for (let i = 0; i < n; i++) left[i]! += Math.floor(i / (0.7 * sr)) % 2 === 0 ? tone[i]! : 0;
      const right = noise(n, 22, 0.1);
      for (const a of [
        { sampleRate: sr, channels: [left] },
        { sampleRate: sr, channels: [left, right] },
      ] as AudioData[]) {
        const lufs = integratedLoudness(a);
        const lra = loudnessRange(a);
        expect(lufs).not.toBeNull();
        expect(lra).not.toBeNull();
        for (const sizes of chunkings(sr)) {
          const m = streamed(a, sizes);
          expect(m.integrated(), `${a.channels.length} ch, chunks ${sizes}`).toBe(lufs);
          expect(m.loudnessRange(), `${a.channels.length} ch, chunks ${sizes}`).toBe(lra);
        }
      }
    });
  }

  it('weights 5.1 surrounds by 1.41 and ignores the LFE when streamed', () => {
    const sr = 16000;
    const tone = sine(1000, sr, 3.5, 0.1);
    const z = () => new Float32Array(tone.length);
    const six = (at: number, extra?: Float32Array) =>
      streamed({ sampleRate: sr, channels: Array.from({ length: 6 }, (_, c) => (c === at ? tone : c === 3 && extra ? extra : z())) }, [733]);
    expect(six(3).integrated()).toBeNull();
    expect(six(3).loudnessRange()).toBeNull();
    expect(six(4).integrated()!).toBeCloseTo(-23.01 + 10 * Math.log10(1.41), 1);
    expect(six(5).integrated()! - six(0).integrated()!).toBeCloseTo(10 * Math.log10(1.41), 6);
    // A loud LFE changes nothing.
    expect(six(0, noise(tone.length, 3, 0.9)).integrated()).toBe(six(0).integrated());
    const a: AudioData = { sampleRate: sr, channels: [tone, z(), tone, noise(tone.length, 4, 0.5), z(), tone] };
    expect(streamed(a, [1, 2, 3, 1601]).integrated()).toBe(integratedLoudness(a));
    const five: AudioData = { sampleRate: sr, channels: [z(), z(), z(), tone, z()] };
    expect(streamed(five, [389]).integrated()).toBe(integratedLoudness(five));
    expect(streamed(five, [389]).integrated()!).toBeCloseTo(-23.01 + 10 * Math.log10(1.41), 1);
  });

  it('measures a clip shorter than one 400 ms block as one block, and has no range under 3 s', () => {
    const sr = 48000;
    for (const sec of [0.05, 0.2, 0.37]) {
      const a: AudioData = { sampleRate: sr, channels: [sine(1000, sr, sec, 0.1), sine(1000, sr, sec, 0.1)] };
      const batch = integratedLoudness(a)!;
      for (const sizes of [[1], [17], [4800], [100000]]) {
        const m = streamed(a, sizes);
        // Summed in another grouping across steps than the whole-signal meter: equal to rounding.
        expect(m.integrated()!, `${sec} s, chunks ${sizes}`).toBeCloseTo(batch, 9);
        expect(m.loudnessRange()).toBeNull();
      }
      expect(batch).toBeCloseTo(-20, 0);
    }
    const a = { sampleRate: 16000, channels: [sine(1000, 16000, 3, 0.1)] };
    expect(streamed(a, [4000]).loudnessRange()).not.toBeNull();
    expect(streamed({ sampleRate: 16000, channels: [sine(1000, 16000, 2.99, 0.1)] }, [4000]).loudnessRange()).toBeNull();
  });

  it('reads the signal so far at any point without disturbing what follows', () => {
    const sr = 16000;
    const a = stereoSections([[-36, 4], [-23, 6], [-30, 4]], sr);
    const n = a.channels[0]!.length;
    const m = new LoudnessMeter(sr, 2);
    expect(m.integrated()).toBeNull();
    expect(m.loudnessRange()).toBeNull();
    let pos = 0;
    for (const cut of [6399, 0.4 * sr, 0.4 * sr + 1, 5 * sr + 3, 11 * sr, n]) {
      m.push(a.channels.map((ch) => ch.subarray(pos, cut)));
      pos = cut;
      const prefix: AudioData = { sampleRate: sr, channels: a.channels.map((ch) => ch.subarray(0, cut)) };
      expect(m.integrated(), `after ${cut}`).toBeCloseTo(integratedLoudness(prefix)!, 9);
      expect(m.loudnessRange(), `after ${cut}`).toBe(loudnessRange(prefix));
    }
    expect(m.integrated()).toBe(integratedLoudness(a));
    // Empty blocks change nothing.
    m.push([new Float32Array(0), new Float32Array(0)]);
    expect(m.integrated()).toBe(integratedLoudness(a));
    expect(m.loudnessRange()).toBe(loudnessRange(a));
    // A fresh meter starts from silence and zeroed filters: it reads a later part alone as the whole-signal meter does.
    const tail: AudioData = { sampleRate: sr, channels: a.channels.map((ch) => ch.subarray(10 * sr)) };
    expect(streamed(tail, [1237]).integrated()).toBe(integratedLoudness(tail));
    expect(Math.abs(streamed(tail, [1237]).integrated()! - -30)).toBeLessThan(0.1);
  });

  it('reports nothing below 4 kHz, where K-weighting does not exist', () => {
    const a: AudioData = { sampleRate: 3999, channels: [sine(300, 3999, 5, 0.5)] };
    const m = streamed(a, [1000]);
    expect(m.integrated()).toBeNull();
    expect(m.loudnessRange()).toBeNull();
    const ok = streamed({ sampleRate: 4000, channels: [sine(300, 4000, 5, 0.5)] }, [1000]);
    expect(ok.integrated()).not.toBeNull();
    expect(ok.loudnessRange()).not.toBeNull();
  });

  it('refuses a block with the wrong channel count or channels of unequal length, with E_INTERNAL', () => {
    const m = new LoudnessMeter(16000, 2);
    const bad: Float32Array[][] = [[new Float32Array(10)], [new Float32Array(10), new Float32Array(10), new Float32Array(10)], [new Float32Array(10), new Float32Array(9)], []];
    for (const block of bad) {
      let err: unknown;
      try {
        m.push(block);
      } catch (e) {
        err = e;
      }
      expect(RetakeError.is(err, 'E_INTERNAL'), `${block.map((c) => c.length)}`).toBe(true);
      expect((err as Error).message).toContain('2 channels');
    }
    // Nothing was counted: the meter still reads a signal pushed afterwards exactly.
    const a = stereoSections([[-23, 4]]);
    for (let pos = 0; pos < a.channels[0]!.length; pos += 3001) m.push(a.channels.map((ch) => ch.subarray(pos, pos + 3001)));
    expect(m.integrated()).toBe(integratedLoudness(a));
  });
});
