// One EditX run (EDITX-SPEC.md §1): an edit of the input, or a clone with the input as the voice prompt.
//
//   tokenize  the input, mono and peak-capped at 0.6: its audio tokens (the tokenizers trim and resample to 16 kHz
//             themselves), its 24 kHz prompt mel and CAM++ embedding (from the untrimmed audio) — or all three from the
//             prompt cache (cache.ts), keyed by the audio's content
//   lm        the prompt of the pack's reference profile (prompt/, profile.ts), then the Step1 decode loop with the
//             profile's sampling, seeded by the request's seed; the output ids kept in the audio range
//   flow      the generated codes after the prompt's own mixed codes, through the flow (10 Euler steps)
//   vocoder   HiFT, its source draws seeded by the request's seed → 24 kHz mono
//
// Progress is one 0..1 split by stage weights, reported with the stage's name; cancellation is checked at every
// stage boundary, between generated ids, Euler steps and vocoder chunks (a single graph run cannot be interrupted).
// The result's `info` is what the take records: pack, profile, providers, seed, texts, token counts, cache use and
// the time of each stage.

import { toMono, type AudioData } from '../../audio/types';
import { RetakeError } from '../../contract/errors';
import type { EditRequest, EditResult, EngineContext } from '../types';
import { PromptCache, type PromptFeatures } from './cache';
import { audioCodesOf } from './lm/decode';
import type { ProfileRules } from './profile';
import type { EditxParts } from './parts';
import { buildClonePromptIds, buildEditPromptIds } from './prompt/prompt';
import { assembleTokens } from './tokenizer/tokenize';

export const EDITX_ENGINE_VERSION = '0.1.0';

/** Progress weights of the stages: the LM's per-id runs dominate on every machine measured (bench/editx). */
const STAGES = { tokenize: [0, 0.1], lm: [0.1, 0.7], decode: [0.7, 1] } as const;

/**
 * How many ids the LM is expected to generate, for its progress bar only: an edit re-performs the input (about as
 * many ids as the input has), a clone speaks the new text (~0.07 s per character at 41.67 ids per second ≈ 3 ids).
 */
const CLONE_IDS_PER_CHAR = 3;
const MIN_EXPECTED_IDS = 50;

export interface PackIdentity {
  /** The manifest's name. */
  id: string;
  /** sha256 of manifest.json. */
  hash: string;
  dir: string;
  modelRevision: string | null;
}

export interface PipelineTimings {
  tokenizeMs: number;
  tokenizerGraphMs: number;
  featuresMs: number;
  lmMs: number;
  lmPrefillMs: number;
  lmDecodeMs: number;
  lmRunMs: number;
  flowMs: number;
  flowGraphMs: number;
  vocoderMs: number;
  vocoderGraphMs: number;
  totalMs: number;
  /** Opening the ONNX sessions this run was the first to need (included in the stage times above). */
  sessionOpenMs: number;
  /** Time outside every graph run and session open: the TypeScript of the pipeline (features, sampling, Euler steps,
   * NSF, ISTFT …). */
  overheadMs: number;
}

export interface PipelineOptions {
  /**
   * Most ids one run may generate, below the profile's length limit (null: the limit alone, as the reference). A
   * bound for benchmarks and small machines: a random or confused model otherwise generates up to the limit.
   */
  maxNewIds?: number | null;
}

export class EditxPipeline {
  constructor(
    readonly parts: EditxParts,
    readonly pack: PackIdentity,
    readonly rules: ProfileRules,
    readonly cache: PromptCache,
    readonly options: PipelineOptions = {},
  ) {}

  async run(input: AudioData, req: EditRequest, ctx: EngineContext): Promise<EditResult> {
    const t0 = performance.now();
    const openBefore = new Set(this.parts.stats().map((st) => st.stage));
    const { signal } = ctx;
    const at = (span: readonly [number, number], v: number, stage: string) =>
      ctx.progress(span[0] + (span[1] - span[0]) * Math.min(1, Math.max(0, v)), stage);
    const cancelled = () => {
      if (signal.aborted) throw new RetakeError('E_CANCELLED', 'The EditX run was cancelled.');
    };
    const clone = req.task === 'clone';
    cancelled();

    // tokenize
    at(STAGES.tokenize, 0, 'tokenize');
    const key = PromptCache.key(input, `${this.pack.hash} ${this.parts.cacheSalt()}`);
    const cached = await this.cache.get(key);
    let features: PromptFeatures;
    let analyse = { tokenizeMs: 0, tokenizerGraphMs: 0, featuresMs: 0 };
    if (cached) {
      features = cached.value;
    } else {
      const r = await this.parts.analyse({ sampleRate: input.sampleRate, channels: [toMono(input)] }, signal);
      features = r.features;
      analyse = r.timings;
      await this.cache.put(key, features);
    }
    const tokens = assembleTokens(features.vq02, features.vq06);
    if (tokens.codes.length === 0) {
      throw new RetakeError('E_EMPTY_AUDIO', `The ${clone ? 'voice prompt' : 'audio'} is too short for the audio tokenizers (under ~0.3 s of sound).`);
    }
    at(STAGES.tokenize, 1, 'tokenize');
    cancelled();

    // lm
    const t1 = performance.now();
    at(STAGES.lm, 0, 'lm');
    const text = await this.parts.text();
    const speaker = clone ? this.rules.cloneSpeaker(req.text ?? '', input) : null;
    const promptIds = clone
      ? buildClonePromptIds(
          text.tokenizer,
          { speaker: speaker!, promptText: req.text ?? '', promptAudioTokens: tokens.text, targetText: req.newText ?? '' },
          text.promptEncoding,
        )
      : buildEditPromptIds(
          text.tokenizer,
          {
            task: req.task,
            ...(req.option !== undefined ? { option: req.option } : {}),
            ...(req.text !== undefined ? { text: req.text } : {}),
            ...(req.newText !== undefined ? { newText: req.newText } : {}),
            audioTokens: tokens.text,
          },
          text.promptEncoding,
        );
    const g = this.rules.generation;
    const lm = await this.parts.lm(g.maxTotalIds);
    cancelled();
    const expected = Math.max(MIN_EXPECTED_IDS, clone ? CLONE_IDS_PER_CHAR * (req.newText ?? '').length : tokens.codes.length);
    const cap = this.options.maxNewIds;
    const gen = await lm.generate(promptIds, {
      seed: req.seed,
      generation: cap ? { ...g, maxTotalIds: Math.min(g.maxTotalIds, promptIds.length + cap) } : g,
      signal,
      onProgress: (p) => {
        if (p.phase === 'decode') at(STAGES.lm, p.done / (expected + p.done / 4), 'lm');
      },
    });
    const outIds = this.rules.outputIds(gen.ids, gen.stopReason);
    const codes = audioCodesOf(outIds, g.audioIdBase, g.audioIdCount);
    if (codes.length === 0) {
      throw new RetakeError(
        'E_ENGINE_FAILED',
        `The model generated no speech (${gen.ids.length} ids, none of them audio, ended by ${gen.stopReason === 'eos' ? 'its end id' : 'the length limit'}). Try another seed.`,
      );
    }
    at(STAGES.lm, 1, 'lm');
    cancelled();

    // flow, vocoder
    const t2 = performance.now();
    at(STAGES.decode, 0, 'flow');
    const dec = await this.parts.decode(
      codes,
      { codes: tokens.codes, mel: features.mel, embedding: features.embedding },
      { seed: req.seed, signal, bf16Prompt: this.rules.bf16Prompt, progress: (v, stage) => at(STAGES.decode, v, stage) },
    );
    const t3 = performance.now();
    const d = dec.timings;
    const vocoderMs = d.vocoderGraphMs + d.vocoderDspMs;
    const totalMs = t3 - t0;
    const graphMs = analyse.tokenizerGraphMs + gen.runMs + d.encoderMs + d.estimatorMs + d.vocoderGraphMs;
    const sessionOpenMs = this.parts
      .stats()
      .filter((st) => !openBefore.has(st.stage))
      .reduce((sum, st) => sum + st.openMs, 0);
    const timings: PipelineTimings = {
      tokenizeMs: analyse.tokenizeMs,
      tokenizerGraphMs: analyse.tokenizerGraphMs,
      featuresMs: analyse.featuresMs,
      lmMs: t2 - t1,
      lmPrefillMs: gen.prefillMs,
      lmDecodeMs: gen.decodeMs,
      lmRunMs: gen.runMs,
      flowMs: d.totalMs - vocoderMs,
      flowGraphMs: d.encoderMs + d.estimatorMs,
      vocoderMs,
      vocoderGraphMs: d.vocoderGraphMs,
      totalMs,
      sessionOpenMs,
      overheadMs: Math.max(0, totalMs - graphMs - sessionOpenMs),
    };
    const audio: AudioData = { sampleRate: dec.sampleRate, channels: [dec.samples] };
    const info = {
      engine: 'editx',
      packId: this.pack.id,
      packHash: this.pack.hash,
      modelRevision: this.pack.modelRevision,
      profile: this.rules.profile,
      variant: lm.variant,
      provider: lm.provider,
      providerReason: lm.providerReason,
      seed: req.seed,
      task: req.task,
      option: req.option ?? null,
      iteration: (req.iteration ?? 0) + 1,
      text: req.text ?? null,
      newText: req.newText ?? null,
      ...(speaker !== null ? { speaker } : {}),
      tokens: {
        input: tokens.codes.length,
        prompt: promptIds.length,
        generated: gen.ids.length,
        audio: codes.length,
        stopReason: gen.stopReason,
        perSecond: Math.round(gen.tokensPerSecond * 10) / 10,
      },
      cache: cached ? cached.from : 'miss',
      seconds: dec.samples.length / dec.sampleRate,
      sampleRate: dec.sampleRate,
      timings: roundAll(timings),
      memory: this.memory(),
    };
    return { audio, info };
  }

  /** Peak resident memory seen while each stage was open, in MB (the registry logs the same). */
  private memory(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.parts.stats()) out[s.stage] = Math.round(s.peakRss / (1024 * 1024));
    return out;
  }
}

function roundAll<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 10) / 10 : v])) as T;
}
