import { describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import type { LmStepOutput, LmStepRequest, LmStepper } from '../../../src-main/engines/editx/lm/decode';
import { audioCodesOf, generate } from '../../../src-main/engines/editx/lm/decode';

const VOCAB = 80000;

/**
 * A scripted model: `next(history)` gives the logits as a map id → value (everything else −1e9). Records the id runs
 * it was fed, so the tests see chunking and cache use.
 */
class FakeLm implements LmStepper {
  readonly vocabSize = VOCAB;
  readonly fed: number[][] = [];
  readonly requests: LmStepRequest[] = [];
  private history: number[] = [];
  runMs = 0;
  constructor(
    private readonly next: (history: readonly number[]) => Map<number, number>,
    readonly capacity = 10000,
  ) {}
  get length(): number {
    return this.history.length;
  }
  reset(): void {
    this.history = [];
    this.runMs = 0;
  }
  async step(ids: ArrayLike<number>, want: LmStepRequest): Promise<LmStepOutput> {
    this.fed.push(Array.from(ids));
    this.requests.push(want);
    this.history.push(...Array.from(ids));
    if (this.history.length > this.capacity) throw new Error('cache overflow');
    this.runMs += 1;
    const scores = this.next(this.history);
    const sorted = [...scores.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const k = want.topK;
    const topValues = new Float32Array(k).fill(-1e9);
    const topIds = new BigInt64Array(k);
    sorted.slice(0, k).forEach(([id, v], i) => {
      topValues[i] = v;
      topIds[i] = BigInt(id);
    });
    // fill the rest of the TopK with the lowest ids not scored, as a real TopK over a flat tail would
    for (let i = sorted.length, id = 0; i < k; id++) if (!scores.has(id)) topIds[i++] = BigInt(id);
    let logits: Float32Array | null = null;
    if (want.logits) {
      logits = new Float32Array(VOCAB).fill(-1e9);
      for (const [id, v] of scores) logits[id] = v;
    }
    return { topValues, topIds, logits };
  }
}

const greedy = { temperature: 0 };
const A = 65536;

/**
 * The reference's RepetitionAwareLogitsProcessor (Step-Audio-EditX tts.py), transcribed literally for parity: the last
 * 10 ids of everything fed so far; when there are 10 and the last one's share of them is above 0.1, its score is −∞.
 */
function referenceGuard(inputIds: readonly number[], scores: Map<number, number>): Map<number, number> {
  const windowSize = 10;
  const threshold = 0.1;
  const window = inputIds.slice(-windowSize);
  if (window.length < windowSize) return scores;
  const last = window[window.length - 1]!;
  const ratio = window.filter((id) => id === last).length / windowSize;
  const out = new Map(scores);
  if (ratio > threshold) out.set(last, Number.NEGATIVE_INFINITY);
  return out;
}

describe('the repetition guard against the reference processor', () => {
  it('changes greedy choices exactly where the reference does, starting with a repeat in the window\'s first slot', async () => {
    const X = A + 7;
    const Y = A + 8;
    // A model that always prefers X, then Y, then Z: only the guard makes it say anything but X.
    const scores = () => new Map([[X, 5], [Y, 4], [A + 9, 3]]);
    const prompt = [X, 11, 12, 13, 14, 15, 16, 17, 18]; // 9 ids: X's second occurrence will sit 10 back from the first
    const lm = new FakeLm(scores);
    const r = await generate(lm, prompt, { ...greedy, maxTotalIds: prompt.length + 30 }, { seed: 1 });
    const expected: number[] = [];
    const history = [...prompt];
    for (let i = 0; i < 30; i++) {
      const guarded = [...referenceGuard(history, scores()).entries()].sort((a, b) => b[1] - a[1]);
      expected.push(guarded[0]![0]);
      history.push(guarded[0]![0]);
    }
    expect(r.ids).toEqual(expected);
    // Step 1 is X (9 ids of history: no guard yet); at step 2 the window holds the prompt's X in its first slot and
    // the new X in its last, so the guard changes the choice to Y.
    expect(r.ids.slice(0, 4)).toEqual([X, Y, X, Y]);
    expect(expected.filter((id) => id !== X).length).toBeGreaterThan(10);
  });

  it('agrees with the reference when the model itself repeats in short cycles', async () => {
    // A model that prefers the id it saw 3 steps ago (a 3-cycle), then the one 2 steps ago, then a fresh one.
    const scoresFor = (h: readonly number[]) =>
      new Map([[h[h.length - 3]!, 6], [h[h.length - 2]!, 5], [A + 100 + (h.length % 50), 4]]);
    const prompt = [A + 1, A + 2, A + 3, A + 1, A + 2, A + 3, A + 1, A + 2, A + 3, A + 1, A + 2];
    const lm = new FakeLm(scoresFor);
    const r = await generate(lm, prompt, { ...greedy, maxTotalIds: prompt.length + 40 }, { seed: 1 });
    const history = [...prompt];
    const expected: number[] = [];
    for (let i = 0; i < 40; i++) {
      const s = referenceGuard(history, scoresFor(history));
      const best = [...s.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
      expected.push(best);
      history.push(best);
    }
    expect(r.ids).toEqual(expected);
  });
});

describe('generate', () => {
  it('stops at the end id, which is not returned, and keeps the audio codes', async () => {
    const script = [A + 5, 100, A + 1024 + 7, A + 5119, A + 5120, 3];
    const lm = new FakeLm((h) => new Map([[script[h.length - 4] ?? 3, 5]]));
    const r = await generate(lm, [1, 4, 9, 4], greedy, { seed: 1 });
    expect(r.ids).toEqual([A + 5, 100, A + 1031, A + 5119, A + 5120]);
    expect(r.audioCodes).toEqual([5, 1031, 5119]);
    expect(r.stopReason).toBe('eos');
    expect(lm.fed).toEqual([[1, 4, 9, 4], [A + 5], [100], [A + 1031], [A + 5119], [A + 5120]]);
  });

  it('stops when prompt plus output reach maxTotalIds, without feeding the last id', async () => {
    const lm = new FakeLm((h) => new Map([[A + (h.length % 7), 1]]));
    const r = await generate(lm, [1, 2, 3], { ...greedy, maxTotalIds: 10 }, { seed: 1 });
    expect(r.ids).toHaveLength(7);
    expect(r.stopReason).toBe('length');
    expect(lm.length).toBe(9);
  });

  it('refuses a length limit beyond the cache instead of stopping short', async () => {
    const small = () => new FakeLm(() => new Map([[A, 1]]), 8);
    // The default limit (8192 ids) does not fit a cache of 8 positions: an error naming both, not a silent 'length'.
    await expect(generate(small(), [1, 2, 3], { ...greedy, repetitionWindow: 0 }, { seed: 1 })).rejects.toMatchObject({
      code: 'E_VALIDATION',
      message: expect.stringMatching(/8192 ids \(maxTotalIds\) exceeds the model cache of 8 positions/),
    });
    const r = await generate(small(), [1, 2, 3], { ...greedy, repetitionWindow: 0, maxTotalIds: 9 }, { seed: 1 });
    expect(3 + r.ids.length).toBe(9);
    expect(r.stopReason).toBe('length');
    await expect(
      generate(new FakeLm(() => new Map(), 2), [1, 2, 3], { ...greedy, maxTotalIds: 3 }, { seed: 1 }),
    ).rejects.toMatchObject({ code: 'E_INPUT_TOO_LONG' });
  });

  it("takes the prefill chunk from the stepper (the pack's runtime.prefillChunk) unless the caller gives one", async () => {
    const prompt = Array.from({ length: 25 }, (_, i) => i + 10);
    const lm = Object.assign(new FakeLm(() => new Map([[3, 1]])), { prefillChunk: 7 });
    await generate(lm, prompt, {}, { seed: 1 });
    expect(lm.fed.map((f) => f.length)).toEqual([7, 7, 7, 4]);
    const plain = new FakeLm(() => new Map([[3, 1]]));
    await generate(plain, prompt, {}, { seed: 1 });
    expect(plain.fed.map((f) => f.length)).toEqual([25]);
    const given = Object.assign(new FakeLm(() => new Map([[3, 1]])), { prefillChunk: 7 });
    await generate(given, prompt, {}, { seed: 1, prefillChunk: 12 });
    expect(given.fed.map((f) => f.length)).toEqual([12, 12, 1]);
  });

  it('refuses a second generation on the same model while one runs', async () => {
    const lm = new FakeLm((h) => new Map([[h.length >= 12 ? 3 : A + h.length, 1]]));
    const first = generate(lm, [1, 4], { ...greedy, repetitionWindow: 0 }, { seed: 1 });
    await expect(generate(lm, [1, 4, 5], greedy, { seed: 2 })).rejects.toMatchObject({
      code: 'E_JOB_ACTIVE',
      message: expect.stringMatching(/already generating/),
    });
    const r = await first;
    // The refused call fed nothing: the first one ran undisturbed on its own cache.
    expect(r.ids).toEqual(Array.from({ length: 10 }, (_, i) => A + 2 + i));
    expect(lm.fed[0]).toEqual([1, 4]);
    expect(lm.fed.every((f, i) => i === 0 || f.length === 1)).toBe(true);
    // Once it has finished (or failed) the model is free again.
    await expect(generate(lm, [1, 4], { ...greedy, repetitionWindow: 0 }, { seed: 1 })).resolves.toMatchObject({ stopReason: 'eos' });
    await expect(generate(lm, [], greedy, { seed: 1 })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    await expect(generate(lm, [1, 4], { ...greedy, repetitionWindow: 0 }, { seed: 1 })).resolves.toMatchObject({ stopReason: 'eos' });
  });

  it('feeds the prompt in chunks and asks for candidates only after the last one', async () => {
    const lm = new FakeLm(() => new Map([[3, 1]]));
    const prompt = Array.from({ length: 25 }, (_, i) => i + 10);
    await generate(lm, prompt, {}, { seed: 1, prefillChunk: 10 });
    expect(lm.fed.map((f) => f.length)).toEqual([10, 10, 5]);
    expect(lm.fed.flat()).toEqual(prompt);
    expect(lm.requests.map((r) => r.topK)).toEqual([0, 0, 51]);
  });

  it('applies the repetition guard over prompt and output', async () => {
    // The model always prefers 7, then 8. Worked by hand over the last 10 ids of prompt + output:
    // last 13 (once) → 7; last 7 (twice: prompt and output) → banned → 8; last 8 (once) → 7;
    // last 7 (3×) → 8; last 8 (2×) → banned → 7; last 7 → 8.
    const prompt = [1, 2, 3, 4, 5, 6, 7, 11, 12, 13];
    const lm = new FakeLm(() => new Map([[7, 10], [8, 5], [9, 1]]));
    const r = await generate(lm, prompt, { ...greedy, maxTotalIds: 16 }, { seed: 1 });
    expect(r.ids).toEqual([7, 8, 7, 8, 7, 8]);
    const noGuard = await generate(lm, prompt, { ...greedy, maxTotalIds: 16, repetitionWindow: 0 }, { seed: 1 });
    expect(noGuard.ids).toEqual([7, 7, 7, 7, 7, 7]);
  });

  it('reproduces a take from its seed and varies with it', async () => {
    const flat = (): Map<number, number> => new Map(Array.from({ length: 40 }, (_, i) => [A + i, 0] as [number, number]));
    const run = (seed: number) => generate(new FakeLm(flat), [1, 4], { maxTotalIds: 50, topK: 40 }, { seed });
    const a = await run(11);
    expect((await run(11)).ids).toEqual(a.ids);
    expect((await run(12)).ids).not.toEqual(a.ids);
    expect(new Set(a.ids).size).toBeGreaterThan(10);
  });

  it('uses the full logits row when top-k is disabled', async () => {
    const lm = new FakeLm((h) => new Map([[h.length < 6 ? 500 : 3, 1]]));
    const r = await generate(lm, [1, 2, 3], { topK: 0, temperature: 0.7 }, { seed: 1 });
    expect(r.ids).toEqual([500, 500, 500]);
    expect(lm.requests.at(-1)).toEqual({ topK: 0, logits: true });
  });

  it('cancels between runs', async () => {
    const lm = new FakeLm(() => new Map([[A + 1, 1], [A + 2, 1]]));
    const ctl = new AbortController();
    const p = generate(lm, [1, 4], {}, {
      seed: 1,
      signal: ctl.signal,
      onProgress: (pr) => {
        if (pr.phase === 'decode' && pr.done === 5) ctl.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(lm.fed).toHaveLength(5); // prompt + 4 decode runs; the 5th id was never fed
    const pre = new AbortController();
    pre.abort();
    await expect(generate(lm, [1, 4], {}, { seed: 1, signal: pre.signal })).rejects.toBeInstanceOf(RetakeError);
  });

  it('reports progress with tokens per second and the time split', async () => {
    const lm = new FakeLm((h) => new Map([[h.length >= 12 ? 3 : A, 1]]));
    const seen: { phase: string; done: number; total: number; tps: number }[] = [];
    const r = await generate(lm, [1, 2], { ...greedy, repetitionWindow: 0, maxTotalIds: 100 }, {
      seed: 1,
      onProgress: (p) => seen.push({ phase: p.phase, done: p.done, total: p.total, tps: p.tokensPerSecond }),
    });
    expect(seen[0]).toMatchObject({ phase: 'prefill', done: 2, total: 2 });
    expect(seen.filter((s) => s.phase === 'decode').map((s) => s.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seen.at(-1)!.total).toBe(98);
    expect(seen.at(-1)!.tps).toBeGreaterThan(0);
    expect(r.runMs).toBe(11);
    expect(r.tokensPerSecond).toBeGreaterThan(0);
  });

  it('rejects prompts outside the vocabulary', async () => {
    const lm = new FakeLm(() => new Map());
    await expect(generate(lm, [], {}, { seed: 1 })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    await expect(generate(lm, [1, VOCAB], {}, { seed: 1 })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    await expect(generate(lm, [1, 2], { temperature: -1 }, { seed: 1 })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    // A misspelled setting is named, not ignored.
    await expect(generate(lm, [1, 2], { temprature: 0 } as never, { seed: 1 })).rejects.toMatchObject({
      code: 'E_VALIDATION',
      message: expect.stringMatching(/Unrecognized key: "temprature"/),
    });
    await expect(generate(lm, [1, 2], {}, { seed: 1, prefillChunk: 0 })).rejects.toMatchObject({ code: 'E_VALIDATION' });
  });
});

describe('audioCodesOf', () => {
  it('keeps [base, base + count) minus base', () => {
    expect(audioCodesOf([65535, 65536, 70655, 70656, 3, 66000], 65536, 5120)).toEqual([0, 5119, 464]);
  });
});
