// The Step1 decode loop: chunked prefill of the prompt, then one id per model run until the end id or the length
// limit, with the sampler of ./sampler, cancellation between runs and progress in tokens per second. It drives any
// LmStepper (the onnxruntime session of ./ort-lm, or a fake in tests), one generation at a time per stepper: the
// stepper's cache belongs to the running generation, so a second concurrent call is refused (E_JOB_ACTIVE).

import { z } from 'zod';
import { RetakeError } from '../../../contract/errors';
import type { GenerationSettings } from '../pack/manifest';
import { GenerationSchema } from '../pack/manifest';
import { Xoshiro128 } from './rng';
import { SamplerScratch, repetitionBan, sampleFull, sampleSorted } from './sampler';

export interface LmStepRequest {
  /** Size of the TopK output wanted (0: none). */
  topK: number;
  /** Whether the full logits row is wanted. */
  logits: boolean;
}

export interface LmStepOutput {
  /** Candidates sorted by descending logit; valid when topK > 0 was requested. */
  topValues: Float32Array;
  topIds: ArrayLike<number | bigint>;
  /** The last position's logits (vocabSize), valid when requested; the array is reused by the next step. */
  logits: Float32Array | null;
}

/** One model with its KV cache: each step feeds ids after everything fed since the last reset. */
export interface LmStepper {
  readonly vocabSize: number;
  /** Positions the cache can hold. */
  readonly capacity: number;
  /** Positions fed since the last reset. */
  readonly length: number;
  /** Milliseconds spent inside the model runs since the last reset. */
  readonly runMs: number;
  /** Most prompt ids per prefill run when the caller gives none (the pack's runtime.prefillChunk). */
  readonly prefillChunk?: number;
  reset(): void;
  step(ids: ArrayLike<number>, want: LmStepRequest): Promise<LmStepOutput>;
}

export interface DecodeProgress {
  phase: 'prefill' | 'decode';
  /** Prompt ids fed so far (prefill) or ids generated so far (decode). */
  done: number;
  /** Prompt length (prefill) or the most ids this run may generate (decode). */
  total: number;
  /** Generated ids per second since the first decode step (0 during prefill). */
  tokensPerSecond: number;
}

export interface GenerateOptions {
  /** Seed of the sampler's RNG: the same seed, prompt and model give the same ids. */
  seed: number;
  /** Overrides of the pack's generation settings. */
  generation?: Partial<GenerationSettings>;
  /** Most prompt ids per prefill run (default: the stepper's prefillChunk, else 512). */
  prefillChunk?: number;
  signal?: AbortSignal;
  onProgress?: (p: DecodeProgress) => void;
}

export type StopReason = 'eos' | 'length';

export interface GenerateResult {
  /** Generated ids, the end id excluded. */
  ids: number[];
  /** Generated ids in the audio range, minus the audio base (EDITX-SPEC.md §5): the codes for the decoder. */
  audioCodes: number[];
  stopReason: StopReason;
  promptLength: number;
  prefillMs: number;
  decodeMs: number;
  /** Generated ids per second of decode time. */
  tokensPerSecond: number;
  /** Time inside model runs / outside them, over the whole call. */
  runMs: number;
  outsideMs: number;
}

function cancelled(): RetakeError {
  return new RetakeError('E_CANCELLED', 'Generation was cancelled.');
}

/** Keeps ids in [base, base + count) and subtracts base. */
export function audioCodesOf(ids: readonly number[], base: number, count: number): number[] {
  const out: number[] = [];
  for (const id of ids) if (id >= base && id < base + count) out.push(id - base);
  return out;
}

/** Steppers with a generation in progress. */
const running = new WeakSet<LmStepper>();

/**
 * Generates after `promptIds`. `settings` are the pack's generation settings (missing keys take the spec's defaults),
 * `opts.generation` overrides them. The stepper must hold `maxTotalIds − 1` positions: a limit beyond its cache is
 * refused rather than cut short.
 */
export async function generate(
  lm: LmStepper,
  promptIds: readonly number[],
  settings: Partial<GenerationSettings>,
  opts: GenerateOptions,
): Promise<GenerateResult> {
  if (running.has(lm)) {
    throw new RetakeError(
      'E_JOB_ACTIVE',
      'The language model is already generating; wait for that take to finish or cancel it before starting another.',
    );
  }
  running.add(lm);
  try {
    return await generateOnce(lm, promptIds, settings, opts);
  } finally {
    running.delete(lm);
  }
}

async function generateOnce(
  lm: LmStepper,
  promptIds: readonly number[],
  settings: Partial<GenerationSettings>,
  opts: GenerateOptions,
): Promise<GenerateResult> {
  const parsed = GenerationSchema.safeParse({ ...settings, ...opts.generation });
  if (!parsed.success) {
    throw new RetakeError('E_VALIDATION', `Invalid generation settings: ${z.prettifyError(parsed.error)}`);
  }
  const g = parsed.data;
  const chunk = opts.prefillChunk ?? lm.prefillChunk ?? 512;
  if (!Number.isInteger(chunk) || chunk < 1) {
    throw new RetakeError('E_VALIDATION', `The prefill chunk must be a positive whole number of ids, got ${chunk}.`);
  }
  if (promptIds.length === 0) throw new RetakeError('E_VALIDATION', 'The prompt is empty.');
  for (const id of promptIds) {
    if (!Number.isInteger(id) || id < 0 || id >= lm.vocabSize) {
      throw new RetakeError('E_VALIDATION', `Prompt id ${id} is outside the vocabulary (0..${lm.vocabSize - 1}).`);
    }
  }
  if (g.maxTotalIds > lm.capacity + 1) {
    throw new RetakeError(
      'E_VALIDATION',
      `The generation limit of ${g.maxTotalIds} ids (maxTotalIds) exceeds the model cache of ${lm.capacity} positions; open the model with a cache of at least ${g.maxTotalIds - 1} or lower the limit.`,
    );
  }
  const maxTotal = g.maxTotalIds;
  if (promptIds.length >= maxTotal) {
    throw new RetakeError(
      'E_INPUT_TOO_LONG',
      `The prompt has ${promptIds.length} ids; the model takes at most ${maxTotal - 1} before its answer. Use a shorter input or transcript.`,
    );
  }
  const rng = Xoshiro128.fromSeed(opts.seed);
  const scratch = new SamplerScratch();
  const history = new Int32Array(maxTotal);
  history.set(promptIds);
  let length = promptIds.length;
  const maxNew = maxTotal - promptIds.length;
  // The graph returns one candidate more than top-k, so the one id the guard may ban can be skipped.
  const useTopK = g.topK > 0 && g.topK < lm.vocabSize;
  const want: LmStepRequest = useTopK ? { topK: g.topK + 1, logits: false } : { topK: 0, logits: true };

  const t0 = performance.now();
  lm.reset();
  let out: LmStepOutput | null = null;
  for (let at = 0; at < promptIds.length; at += chunk) {
    if (opts.signal?.aborted) throw cancelled();
    const end = Math.min(promptIds.length, at + chunk);
    const last = end === promptIds.length;
    out = await lm.step(promptIds.slice(at, end), last ? want : { topK: 0, logits: false });
    opts.onProgress?.({ phase: 'prefill', done: end, total: promptIds.length, tokensPerSecond: 0 });
  }
  const tPrefill = performance.now();
  const generated: number[] = [];
  let stopReason: StopReason = 'length';
  while (out) {
    const banned = repetitionBan(history, length, g.repetitionWindow, g.repetitionMaxCount);
    const id = useTopK
      ? sampleSorted(out.topValues, out.topIds, want.topK, banned, g, rng, scratch)
      : sampleFull(out.logits as Float32Array, banned, g, rng, scratch);
    if (id === g.eosId) {
      stopReason = 'eos';
      break;
    }
    generated.push(id);
    history[length++] = id;
    const elapsed = performance.now() - tPrefill;
    opts.onProgress?.({
      phase: 'decode',
      done: generated.length,
      total: maxNew,
      tokensPerSecond: elapsed > 0 ? (generated.length * 1000) / elapsed : 0,
    });
    if (length >= maxTotal) break;
    if (opts.signal?.aborted) throw cancelled();
    out = await lm.step([id], want);
  }
  const tEnd = performance.now();
  const decodeMs = tEnd - tPrefill;
  return {
    ids: generated,
    audioCodes: audioCodesOf(generated, g.audioIdBase, g.audioIdCount),
    stopReason,
    promptLength: promptIds.length,
    prefillMs: tPrefill - t0,
    decodeMs,
    tokensPerSecond: decodeMs > 0 ? (generated.length * 1000) / decodeMs : 0,
    runMs: lm.runMs,
    outsideMs: tEnd - t0 - lm.runMs,
  };
}
