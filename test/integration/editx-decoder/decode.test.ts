// The decoder as the engine uses it, on the tiny pack: output length, seeds, progress and cancellation, errors, and
// long outputs decoded in windows (flow) and chunks (vocoder) against one whole run.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { EditxDecoder } from '../../../src-main/engines/editx/decoder/decoder';
import type { DecodePrompt } from '../../../src-main/engines/editx/decoder/decoder';
import { planWindows } from '../../../src-main/engines/editx/decoder/flow';
import { tokenFrames } from '../../../src-main/engines/editx/decoder/token-pairs';
import { featureMatrix, maxAbsDiff, reference, tensor, tinyPack } from './fixtures';

const { t: R, meta } = reference();
const prompt: DecodePrompt = {
  codes: meta.promptIds,
  mel: featureMatrix(tensor(R, 'input.prompt_mel')),
  embedding: tensor(R, 'input.speaker').f32,
};
let dec: EditxDecoder;

/** Plausible mixed codes: 2 vq02 then 3 vq06 per group. */
function codes(n: number, salt = 0): number[] {
  return Array.from({ length: n }, (_, i) => (i % 5 < 2 ? (i * 37 + salt) % 1024 : 1024 + ((i * 101 + salt) % 4096)));
}

async function failure(p: Promise<unknown>): Promise<RetakeError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(RetakeError);
  return e as RetakeError;
}

beforeAll(async () => {
  dec = await EditxDecoder.open(await tinyPack());
});
afterAll(async () => {
  await dec?.release();
});

describe('EditX decoder', () => {
  it('gives 2 mel frames per token frame and 480 samples per mel frame', async () => {
    for (const n of [5, 7, 23]) {
      const res = await dec.decode(codes(n), prompt, { seed: 3 });
      expect(res.melFrames).toBe(2 * tokenFrames(n));
      expect(res.samples.length).toBe(2 * tokenFrames(n) * 480);
      expect(res.sampleRate).toBe(24000);
      expect(Math.max(...res.samples.map(Math.abs))).toBeLessThanOrEqual(Math.fround(0.99));
    }
  });

  it('same seed, same samples; another seed, other samples (same mel)', async () => {
    const a = await dec.decode(codes(40), prompt, { seed: 11 });
    const b = await dec.decode(codes(40), prompt, { seed: 11 });
    const c = await dec.decode(codes(40), prompt, { seed: 12 });
    expect(Buffer.from(a.samples.buffer).equals(Buffer.from(b.samples.buffer))).toBe(true);
    expect(maxAbsDiff(a.mel, c.mel)).toBe(0);
    expect(maxAbsDiff(a.samples, c.samples)).toBeGreaterThan(1e-3);
  });

  it('reports progress per Euler step and vocoder chunk, and cancels between runs', async () => {
    const seen: [number, string][] = [];
    await dec.decode(codes(40), prompt, { progress: (v, s) => seen.push([v, s]), vocoderChunkFrames: 20 });
    const flow = seen.filter(([, s]) => s === 'flow');
    const voc = seen.filter(([, s]) => s === 'vocoder');
    expect(flow.length).toBe(10);
    expect(voc.length).toBe(Math.ceil(2 * tokenFrames(40) / 20));
    expect(seen.map(([v]) => v)).toEqual([...seen.map(([v]) => v)].sort((x, y) => x - y));
    expect(seen.at(-1)?.[0]).toBe(1);

    const ac = new AbortController();
    let steps = 0;
    const e = await failure(dec.decode(codes(40), prompt, {
      signal: ac.signal,
      progress: () => {
        steps++;
        if (steps === 2) ac.abort();
      },
    }));
    expect(e.code).toBe('E_CANCELLED');
    expect(steps).toBe(2);
    // The sessions are still usable.
    expect((await dec.decode(codes(5), prompt)).samples.length).toBe(2 * 3 * 480);
  });

  it('refuses bad codes, too long outputs and too long prompts with stable codes', async () => {
    expect((await failure(dec.decode([5, 5120], prompt))).code).toBe('E_VALIDATION');
    expect((await failure(dec.decode([], prompt))).code).toBe('E_VALIDATION');
    // The tiny pack's noise buffer covers 4000 mel frames (80 s).
    const long = await failure(dec.decode(codes(5 * 700), prompt, { flowRuntime: { maxWindowFrames: 100000 } }));
    expect(long.code).toBe('E_INPUT_TOO_LONG');
    expect(long.message).toContain('noise buffer');
    const bigPrompt = { ...prompt, codes: codes(5 * 60) };
    const e = await failure(dec.decode(codes(50), bigPrompt, { flowRuntime: { maxWindowFrames: 400 } }));
    expect(e.code).toBe('E_INPUT_TOO_LONG');
  });
});

describe('window plans', () => {
  const rt = { maxWindowFrames: 400, overlapTokenFrames: 12, crossfadeFrames: 16 };
  it('one window when it fits, otherwise windows that cover the output with their context', () => {
    expect(planWindows(9, 100, 2, rt)).toEqual([{ own0: 0, own1: 100, from: 0, to: 100 }]);
    for (const out of [192, 500, 751, 2000]) {
      const w = planWindows(9, out, 2, rt);
      expect(w.length).toBeGreaterThan(1);
      expect(w[0]?.own0).toBe(0);
      expect(w.at(-1)?.own1).toBe(out);
      w.forEach((x, i) => {
        if (i > 0) expect(x.own0).toBe(w[i - 1]?.own1);
        expect(2 * (9 + x.to - x.from)).toBeLessThanOrEqual(rt.maxWindowFrames);
        expect(x.from).toBe(Math.max(0, x.own0 - 12));
        expect(x.to).toBe(Math.min(out, x.own1 + 12));
      });
    }
  });
});

describe('a 30 s output decoded in windows and chunks', () => {
  it('matches one whole decode closely, with no step at the seams', async () => {
    const n = 1250; // 250 groups = 750 token frames = 1500 mel frames = 30 s
    const whole = await dec.decode(codes(n), prompt, { seed: 1, flowRuntime: { maxWindowFrames: 100000 }, vocoderChunkFrames: 100000 });
    const win = await dec.decode(codes(n), prompt, { seed: 1, flowRuntime: { maxWindowFrames: 400 } });
    expect(whole.windows).toBe(1);
    expect(win.windows).toBeGreaterThanOrEqual(4);
    const T = whole.melFrames;
    const B = whole.melBins;
    expect(T).toBe(1500);
    expect(win.samples.length).toBe(30 * 24000);
    const frameDiff = new Float64Array(T);
    const step = new Float64Array(T - 1);
    const stepWin = new Float64Array(T - 1);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const i = b * T + t;
        frameDiff[t] = Math.max(frameDiff[t] as number, Math.abs((whole.mel[i] as number) - (win.mel[i] as number)));
        if (t + 1 < T) {
          step[t] = Math.max(step[t] as number, Math.abs((whole.mel[i + 1] as number) - (whole.mel[i] as number)));
          stepWin[t] = Math.max(stepWin[t] as number, Math.abs((win.mel[i + 1] as number) - (win.mel[i] as number)));
        }
      }
    }
    const sorted = [...step].sort((a, b) => a - b);
    const medianStep = sorted[Math.floor(sorted.length / 2)] as number;
    const maxStep = sorted.at(-1) as number;
    // Frames within a crossfade of a seam, against all others.
    const seams = planWindows(tokenFrames(meta.promptIds.length), tokenFrames(n), 2, { maxWindowFrames: 400, overlapTokenFrames: 12, crossfadeFrames: 16 })
      .slice(1).map((w) => 2 * w.own0);
    const nearSeam = (t: number) => seams.some((s) => Math.abs(t + 0.5 - s) <= 8);
    let seamDiff = 0;
    let coreDiff = 0;
    let seamStep = 0;
    frameDiff.forEach((d, t) => {
      if (nearSeam(t)) seamDiff = Math.max(seamDiff, d);
      else coreDiff = Math.max(coreDiff, d);
    });
    stepWin.forEach((d, t) => {
      if (nearSeam(t)) seamStep = Math.max(seamStep, d);
    });
    console.log(
      `30 s, ${win.windows} windows: mel max |Δ| vs whole ${coreDiff.toFixed(3)} inside windows, ${seamDiff.toFixed(3)} at seams; ` +
        `frame-to-frame change of the mel: median ${medianStep.toFixed(2)}, max ${maxStep.toFixed(2)}, at seams ${seamStep.toFixed(2)}`,
    );
    // A window's attention sees the prompt and ±12 token frames of context instead of the whole utterance, so its mel
    // is close to, not equal to, the whole decode's. The difference stays a small fraction of how much the mel moves
    // from one frame to the next (measured ~7 %), also at the seams (cross-faded), so a seam is no more audible than
    // any other frame. A wrong noise column, an unweighted blend or a shifted window would differ by the size of the
    // frame-to-frame change itself.
    expect(Math.max(coreDiff, seamDiff)).toBeLessThanOrEqual(0.15 * medianStep);
    expect(seamStep).toBeLessThanOrEqual(maxStep);

    // The vocoder in chunks of 50 frames against one run over the same mel: its context (16 frames) exceeds the
    // trunk's receptive field, so only float rounding differs.
    const draws = { phase: new Float32Array(9), mergedNoise: new Float32Array(T * 480) };
    const v1 = await dec.vocoder.vocode(whole.mel, T, draws, { chunkFrames: 100000 });
    const v2 = await dec.vocoder.vocode(whole.mel, T, draws, { chunkFrames: 50 });
    const dv = maxAbsDiff(v1.waveform, v2.waveform);
    console.log(`30 s vocoder in 50-frame chunks vs whole: max |Δ| ${dv.toExponential(2)}`);
    expect(dv).toBeLessThanOrEqual(1e-4);
  });
});
