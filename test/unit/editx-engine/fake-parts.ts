// Fake model parts for the EditX pipeline's unit tests: a tokenizer that records every text it encodes (one id per
// character), an LM whose output ids are given, a decoder that returns 2 mel frames × 480 samples per token frame.
// Every call is counted, so a test can say which parts a run used.

import { GenerationSchema, type GenerationSettings } from '../../../src-main/engines/editx/pack/manifest';
import type { GenerateOptions, GenerateResult } from '../../../src-main/engines/editx/lm/decode';
import type { EditxParts, LmRunner } from '../../../src-main/engines/editx/parts';
import type { PromptFeatures } from '../../../src-main/engines/editx/cache';
import { DEFAULT_PROMPT_ENCODING, type PromptEncodingSettings } from '../../../src-main/engines/editx/prompt/settings';
import type { DecodeOptions, DecodePrompt, DecodeResult } from '../../../src-main/engines/editx/decoder/decoder';
import type { StageStats } from '../../../src-main/onnx';
import type { PackTextTokenizer } from '../../../src-main/engines/editx/pack/text-tokenizer';

export const PACK_GENERATION: GenerationSettings = GenerationSchema.parse({});

export interface FakeOptions {
  /** The ids the LM "generates" (the end id excluded), and why it stopped. */
  output?: number[];
  stopReason?: 'eos' | 'length';
  promptEncoding?: PromptEncodingSettings;
  /** Called after each generated id (the test may abort here). */
  onToken?: (i: number) => void;
  /** Called at each Euler step (the test may abort here). */
  onFlowStep?: (i: number) => void;
}

export class FakeParts implements EditxParts {
  calls = { analyse: 0, text: 0, lm: 0, generate: 0, decode: 0 };
  /** Texts the tokenizer was asked to encode, in order (reset per run by the test if needed). */
  encoded: string[] = [];
  generations: { promptIds: number[]; opts: GenerateOptions }[] = [];
  decodes: { codes: number[]; prompt: DecodePrompt; opts: DecodeOptions }[] = [];

  constructor(private readonly o: FakeOptions = {}) {}

  async analyse(audio: { channels: Float32Array[] }): Promise<{ features: PromptFeatures; timings: { tokenizeMs: number; tokenizerGraphMs: number; featuresMs: number } }> {
    this.calls.analyse++;
    const n = Math.max(4, Math.floor(audio.channels[0]!.length / 1000));
    const vq02 = Int32Array.from({ length: 2 * n }, (_, i) => i % 1024);
    const vq06 = Int32Array.from({ length: 3 * n }, (_, i) => (7 * i) % 4096);
    return {
      features: {
        vq02,
        vq06,
        mel: { data: new Float32Array(10 * 80), frames: 10, bins: 80 },
        embedding: new Float32Array(192),
        tokenizerSeconds: n * 0.12,
        resampledFrom: null,
      },
      timings: { tokenizeMs: 1, tokenizerGraphMs: 0.5, featuresMs: 1 },
    };
  }

  async text(): Promise<PackTextTokenizer> {
    this.calls.text++;
    const tokenizer = {
      mode: 'transformers-fast' as const,
      encode: (text: string) => {
        this.encoded.push(text);
        return Array.from(text, (c) => c.codePointAt(0)! % 60000);
      },
    };
    return { tokenizer, promptEncoding: this.o.promptEncoding ?? DEFAULT_PROMPT_ENCODING } as unknown as PackTextTokenizer;
  }

  async lm(maxTotalIds: number): Promise<LmRunner> {
    this.calls.lm++;
    return {
      provider: 'cpu',
      providerReason: 'runs on the CPU (the CPU was asked for)',
      variant: 'fp32',
      generate: async (promptIds, opts): Promise<GenerateResult> => {
        this.calls.generate++;
        this.generations.push({ promptIds: [...promptIds], opts });
        if (promptIds.length >= maxTotalIds) throw new Error('prompt too long for the fake');
        const out = this.o.output ?? Array.from({ length: 40 }, (_, i) => 65536 + ((i * 37) % 5120));
        const ids: number[] = [];
        for (const id of out) {
          if (opts.signal?.aborted) throw Object.assign(new Error('cancelled'), { code: 'E_CANCELLED' });
          ids.push(id);
          opts.onProgress?.({ phase: 'decode', done: ids.length, total: maxTotalIds - promptIds.length, tokensPerSecond: 100 });
          this.o.onToken?.(ids.length);
        }
        return {
          ids,
          audioCodes: [],
          stopReason: this.o.stopReason ?? 'eos',
          promptLength: promptIds.length,
          prefillMs: 1,
          decodeMs: 1,
          tokensPerSecond: 100,
          runMs: 1,
          outsideMs: 1,
        };
      },
    };
  }

  async decode(codes: readonly number[], prompt: DecodePrompt, opts: DecodeOptions): Promise<DecodeResult> {
    this.calls.decode++;
    this.decodes.push({ codes: [...codes], prompt, opts });
    const frames = 3 * Math.ceil(codes.length / 5);
    for (let i = 0; i < 10; i++) {
      if (opts.signal?.aborted) throw Object.assign(new Error('cancelled'), { code: 'E_CANCELLED' });
      opts.progress?.((0.9 * (i + 1)) / 10, 'flow');
      this.o.onFlowStep?.(i);
    }
    opts.progress?.(1, 'vocoder');
    const samples = new Float32Array(2 * frames * 480).map((_, i) => 0.1 * Math.sin(i / 10));
    return {
      samples,
      sampleRate: 24000,
      mel: new Float32Array(0),
      melFrames: 2 * frames,
      melBins: 80,
      f0: new Float32Array(0),
      windows: 1,
      timings: {
        encoderMs: 1,
        estimatorMs: 1,
        estimatorRuns: 10,
        vocoderGraphMs: 1,
        dspMs: 1,
        vocoderDspMs: 0.5,
        totalMs: 3,
        graphCpuMs: 1,
        dspCpuMs: 1,
      },
    };
  }

  cacheSalt(): string {
    return 'fake';
  }

  stats(): StageStats[] {
    return [];
  }
}
