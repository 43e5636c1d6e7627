// The model parts one EditX run uses, over one pack and the engine's session registry: the audio tokenizers and the
// prompt features (mel, CAM++), the text tokenizer and the prompt settings, the Step1 LM, and the decoder (flow +
// HiFT). Each ONNX session is a stage of the registry, opened on first use — a cached prompt never opens the
// tokenizers — and all are released when another pack is put in use.
//
// Providers: 'cpu'; 'gpu' (the platform's GPU providers or an error); 'auto' (the GPU when one starts, else the CPU).
// Under 'auto' the LM is first opened as the pack's GPU variant on the GPU providers, and when that fails as its CPU
// variant on the CPU, keeping the reason; after one stage fell back to the CPU the others go there directly, so the
// failed GPU start is tried (and logged by onnxruntime) once per process.
//
// Before a file is first read in a process its sha256 is checked against the manifest (pack-check.ts: stamped in the
// pack's cache folder, so unchanged files are not hashed again).

import type { AudioData } from '../../audio/types';
import { RetakeError } from '../../contract/errors';
import type { ProviderChoice, SessionRegistry, StageDefinition, StageStats } from '../../onnx';
import { EditxDecoder, type DecodeOptions, type DecodePrompt, type DecodeResult } from './decoder/decoder';
import { PROMPT_FRONT_ENDS } from './decoder/front-end';
import { openDecoderSession, type DecoderStage } from './decoder/graph';
import type { GenerateOptions, GenerateResult } from './lm/decode';
import { OrtLm, openLmSession, resolveLmVariant, type LmDevice } from './lm/ort-lm';
import type { EditxProvider } from './locate';
import { pipelineFiles, verifyPackHashes } from './pack-check';
import type { ModelPack } from './pack/load';
import type { EditxStage } from './pack/sessions';
import { openPackTokenizer, type PackTextTokenizer } from './pack/text-tokenizer';
import type { PromptFeatures } from './cache';
import { PROMPT_PEAK_CAP } from './decoder/speaker';
import { AUDIO_FEATURES_FRONT_END } from './tokenizer/front-end';
import { AudioTokenizer } from './tokenizer/tokenize';
import { openVq02Session } from './tokenizer/vq02';
import { openVq06Session } from './tokenizer/vq06';

export interface AnalyseTimings {
  /** The audio tokenizers (features, graphs, codebook), wall time, and the part inside their graph runs. */
  tokenizeMs: number;
  tokenizerGraphMs: number;
  /** The prompt mel and the CAM++ embedding, wall time. */
  featuresMs: number;
}

export interface LmRunner {
  generate(promptIds: readonly number[], opts: GenerateOptions): Promise<GenerateResult>;
  readonly provider: string;
  /** One sentence: where the LM runs and why (a GPU that did not start is named). */
  readonly providerReason: string;
  readonly variant: string;
}

/** What a run needs of the model; the engine's tests replace it with fakes. */
export interface EditxParts {
  /** Audio tokens (of the peak-capped audio, trimmed by the tokenizers), prompt mel and speaker embedding (of the
   * untrimmed audio, capped by the decoder's front end) of mono audio. */
  analyse(audio: AudioData, signal: AbortSignal): Promise<{ features: PromptFeatures; timings: AnalyseTimings }>;
  text(): Promise<PackTextTokenizer>;
  /** The LM, able to hold `maxTotalIds` ids. */
  lm(maxTotalIds: number): Promise<LmRunner>;
  decode(codes: readonly number[], prompt: DecodePrompt, opts: DecodeOptions): Promise<DecodeResult>;
  /** What else the analysed features depend on (the providers), for the prompt cache's key. */
  cacheSalt(): string;
  /** The registry's stages: provider, runs and peak memory of each. */
  stats(): StageStats[];
}

export interface PackPartsOptions {
  /** Names this pack's state in the registry (and its log lines): another owner releases the sessions open now. */
  owner: string;
  provider: EditxProvider;
  intraOpNumThreads?: number;
  /** Where hashed files are stamped (pack-check.ts); null hashes every file at every first use. */
  stampFile: string | null;
}

const DECODER_STAGES: readonly DecoderStage[] = ['flowEncoder', 'flowEstimator', 'flowSpeaker', 'hiftF0', 'hiftTrunk', 'campplus'];

export class PackParts implements EditxParts {
  private lmDevice: LmDevice | null = null;
  /** Set once a GPU start failed in this process (the sentence why): later stages go to the CPU directly. */
  private gpuFailure: string | null = null;
  private verified: Promise<unknown> | null = null;
  private textTokenizer: Promise<PackTextTokenizer> | null = null;
  private tokenizer: Promise<AudioTokenizer> | null = null;
  private decoder: Promise<EditxDecoder> | null = null;
  private readonly runners = new Map<number, Promise<OrtLm>>();

  private constructor(
    readonly pack: ModelPack,
    private readonly registry: SessionRegistry<EditxStage>,
    private readonly opts: PackPartsOptions,
  ) {}

  /** Puts the pack in use in the registry (releasing another pack's sessions). */
  static async open(pack: ModelPack, registry: SessionRegistry<EditxStage>, opts: PackPartsOptions): Promise<PackParts> {
    const parts = new PackParts(pack, registry, opts);
    await registry.use(opts.owner, parts.stages());
    return parts;
  }

  private threads() {
    return this.opts.intraOpNumThreads !== undefined ? { intraOpNumThreads: this.opts.intraOpNumThreads } : {};
  }

  /** The providers a non-LM stage opens with now. */
  private providers(): ProviderChoice {
    if (this.opts.provider === 'auto' && this.gpuFailure !== null) return 'cpu';
    return this.opts.provider;
  }

  /** Notes a stage that 'auto' put on the CPU because the GPU did not start. */
  private noteFallback<T extends { provider: string; providerNotes: readonly string[]; providerReason: string }>(s: T): T {
    if (this.opts.provider === 'auto' && s.provider === 'cpu' && s.providerNotes.length > 0) {
      this.gpuFailure ??= s.providerReason.replace(/^runs on the CPU because /, '');
    }
    return s;
  }

  private stages(): Record<EditxStage, StageDefinition> {
    const wrap = (open: () => Promise<Awaited<ReturnType<typeof openVq02Session>>>): StageDefinition => ({
      open: async () => this.noteFallback(await open()),
    });
    const decoder = Object.fromEntries(
      DECODER_STAGES.map((stage) => [stage, wrap(() => openDecoderSession(this.pack, stage, { providers: this.providers(), ...this.threads() }))]),
    ) as Record<DecoderStage, StageDefinition>;
    return {
      lm: { open: () => this.openLm() },
      vq02: wrap(() => openVq02Session(this.pack, { providers: this.providers(), ...this.threads() })),
      vq06: wrap(() => openVq06Session(this.pack, { providers: this.providers(), ...this.threads() })),
      ...decoder,
    };
  }

  private async openLm() {
    const provider = this.opts.provider;
    if (provider !== 'cpu' && this.gpuFailure === null) {
      try {
        await this.verifyLm('gpu');
        const s = await openLmSession(this.pack, { device: 'gpu', ...this.threads() });
        this.lmDevice = 'gpu';
        return s;
      } catch (e) {
        if (provider === 'gpu' || RetakeError.is(e, 'E_CANCELLED')) throw e;
        this.gpuFailure = `the GPU did not start (${(e as Error).message})`;
      }
    }
    await this.verifyLm('cpu');
    const s = await openLmSession(this.pack, { device: 'cpu', ...this.threads() });
    this.lmDevice = 'cpu';
    return s;
  }

  private async verifyLm(device: LmDevice): Promise<void> {
    const { variant } = resolveLmVariant(this.pack, { device });
    await verifyPackHashes(this.pack.dir, variant.files, this.opts.stampFile);
  }

  /** Hashes the pack's non-LM files once per process (the LM variant's are hashed when its stage opens). */
  private verify(): Promise<unknown> {
    this.verified ??= verifyPackHashes(this.pack.dir, pipelineFiles(this.pack.manifest, []), this.opts.stampFile).catch((e: unknown) => {
      this.verified = null;
      throw e;
    });
    return this.verified;
  }

  /** A lazily made piece, forgotten when making it failed (the next call tries again). */
  private once<T>(get: () => Promise<T> | null, set: (p: Promise<T> | null) => void, make: () => Promise<T>): Promise<T> {
    let p = get();
    if (!p) {
      p = (async () => {
        await this.verify();
        return make();
      })();
      set(p);
      p.catch(() => set(null));
    }
    return p;
  }

  async analyse(audio: AudioData, signal: AbortSignal): Promise<{ features: PromptFeatures; timings: AnalyseTimings }> {
    const tok = await this.once(
      () => this.tokenizer,
      (p) => (this.tokenizer = p),
      () => AudioTokenizer.fromRegistry(this.pack, this.registry, AUDIO_FEATURES_FRONT_END),
    );
    const t0 = performance.now();
    const mono = audio.channels[0]!;
    const tokens = await tok.tokenize({ sampleRate: audio.sampleRate, channels: [peakCapped(mono)] }, signal);
    const t1 = performance.now();
    signal.throwIfAborted();
    const dec = await this.decoderNow();
    const f = await dec.promptFeatures(mono, audio.sampleRate, PROMPT_FRONT_ENDS);
    const t2 = performance.now();
    return {
      features: {
        vq02: tokens.vq02,
        vq06: tokens.vq06,
        mel: f.mel,
        embedding: f.embedding,
        tokenizerSeconds: tokens.seconds,
        resampledFrom: tokens.resampledFrom,
      },
      timings: { tokenizeMs: t1 - t0, tokenizerGraphMs: tokens.timings.vq02EncoderMs + tokens.timings.vq06ModelMs, featuresMs: t2 - t1 },
    };
  }

  text(): Promise<PackTextTokenizer> {
    return this.once(
      () => this.textTokenizer,
      (p) => (this.textTokenizer = p),
      () => openPackTokenizer(this.pack),
    );
  }

  async lm(maxTotalIds: number): Promise<LmRunner> {
    let p = this.runners.get(maxTotalIds);
    if (!p) {
      p = (async () => {
        await this.verify();
        await this.registry.get('lm');
        return OrtLm.fromRegistry(this.pack, this.registry, { device: this.lmDevice ?? 'cpu', maxTotalIds });
      })();
      this.runners.set(maxTotalIds, p);
      p.catch(() => this.runners.delete(maxTotalIds));
    }
    const lm = await p;
    const session = await this.registry.get('lm');
    const fellBack = this.lmDevice === 'cpu' && this.opts.provider === 'auto' && this.gpuFailure !== null;
    return {
      generate: (ids, opts) => lm.generate(ids, opts),
      provider: lm.executionProvider,
      providerReason: fellBack ? `runs on the CPU because ${this.gpuFailure}` : session.providerReason,
      variant: lm.variantName,
    };
  }

  private decoderNow(): Promise<EditxDecoder> {
    return this.once(
      () => this.decoder,
      (p) => (this.decoder = p),
      () => EditxDecoder.fromRegistry(this.pack, this.registry),
    );
  }

  async decode(codes: readonly number[], prompt: DecodePrompt, opts: DecodeOptions): Promise<DecodeResult> {
    return (await this.decoderNow()).decode(codes, prompt, opts);
  }

  cacheSalt(): string {
    // Features computed on another provider can differ in the last bits, and codes at near-ties. The setting, not
    // what it resolved to: on one machine 'auto' always resolves alike, and the key is needed before any stage opens.
    return `providers ${this.opts.provider}`;
  }

  stats(): StageStats[] {
    return this.registry.stats();
  }
}

/**
 * The reference's conditioning of an input (EDITX-SPEC.md §6, last paragraph; tts.py preprocess_prompt_wav): mono
 * (the mean of the channels), then scaled down to a peak of 0.6 when louder — with the same arithmetic as the decoder's
 * prompt features (decoder/speaker.ts), which cap the untrimmed mono audio themselves.
 */
export function peakCapped(mono: Float32Array): Float32Array {
  let peak = 0;
  for (let i = 0; i < mono.length; i++) peak = Math.max(peak, Math.abs(mono[i]!));
  if (peak <= PROMPT_PEAK_CAP) return mono;
  const x = new Float32Array(mono.length);
  for (let i = 0; i < x.length; i++) x[i] = (mono[i]! / peak) * PROMPT_PEAK_CAP;
  return x;
}
