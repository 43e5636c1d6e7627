// The EditX model pack manifest (`manifest.json`): schema, types and defaults. A pack is a folder of ONNX files and
// tokenizer files described by this manifest; tools/export writes it (retake_export/common/manifest.py), one component
// per exporter. Components this version does not know are kept unvalidated so older readers can open newer packs;
// inside a known component every object is strict, so a misspelled setting is an error naming the key instead of a
// silently ignored value.

import { z } from 'zod';

export const PACK_FORMAT = 'retake-editx-pack';
export const PACK_FORMAT_VERSION = 1;

function isInsidePack(p: string): boolean {
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p)) return false;
  return p.split(/[\\/]/).every((part) => part !== '..' && part !== '');
}

export const FileEntrySchema = z.strictObject({
  /** Relative to the pack folder, '/'-separated. */
  path: z.string().min(1).refine(isInsidePack, 'must be a relative path inside the pack folder'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
  bytes: z.number().int().nonnegative(),
});
export type FileEntry = z.infer<typeof FileEntrySchema>;

const Dim = z.union([z.number().int().nonnegative(), z.string().min(1)]);

export const TensorInfoSchema = z.strictObject({
  name: z.string().min(1),
  dtype: z.enum(['float32', 'float16', 'int64', 'int32']),
  shape: z.array(Dim),
});
export type TensorInfo = z.infer<typeof TensorInfoSchema>;

/** What the exporter measured before writing an fp16 graph (tools/export/fp16_check.py). */
export const ActivationCheckSchema = z.strictObject({
  /** The largest |activation| the exporter accepts for fp16 (fp16 itself holds up to 65,504). */
  limit: z.number().positive(),
  /** Calibration prompts run through the model in fp32, and their total ids. */
  prompts: z.number().int().positive(),
  ids: z.number().int().positive(),
  /** Per layer: max |x| of the residual stream (after the attention and after the MLP) and of silu(gate)·up. */
  residual: z.array(z.number().nonnegative()),
  swiglu: z.array(z.number().nonnegative()),
});
export type ActivationCheck = z.infer<typeof ActivationCheckSchema>;

const KV_TENSOR = /^(past|new|present)_(key|value)_\d+$/;

const QuantBlocksSchema = z.strictObject({
  bits: z.union([z.literal(4), z.literal(8)]),
  /** Weights per block along the input dimension, each block with its own scale (onnxruntime: a power of two ≥ 16). */
  blockSize: z.number().int().min(16).refine((n) => (n & (n - 1)) === 0, 'must be a power of two'),
  /** Symmetric: no zero points (2^(bits−1) implied); asymmetric: a zero point per block. */
  symmetric: z.boolean(),
});

/** How a weight-only quantized variant was made (tools/export/retake_export/lm/quantize.py, weights.py). */
export const QuantizationSchema = z.strictObject({
  /** onnxruntime's com.microsoft MatMulNBits: every Linear of the decoder layers is a block-quantized matrix. */
  method: z.literal('matmulnbits'),
  ...QuantBlocksSchema.shape,
  /** MatMulNBits' compute mode: 0 fp32, 4 activations quantized to int8 per block inside the kernel. */
  accuracyLevel: z.number().int().min(0).max(4),
  /** lm_head's own blocks; null keeps it float32. */
  head: QuantBlocksSchema.nullable(),
  /** The embedding table is stored in fp16 (the checkpoint's bf16 values exactly) or float32. */
  embedding: z.enum(['fp16', 'fp32']),
  /** 'awq': the layers are a published AWQ checkpoint's, repacked without re-quantizing (tools/export lm/awq.py);
   *  absent: quantized by our exporter from the bf16 weights. */
  source: z.literal('awq').optional(),
});
export type Quantization = z.infer<typeof QuantizationSchema>;

/** The quality gate's measurement of a variant against fp32 (tools/export/retake_export/lm/quality.py). */
export const VariantQualitySchema = z.strictObject({
  reference: z.literal('fp32'),
  prompts: z.number().int().positive(),
  /** Logits rows compared: every prompt's greedy positions, teacher-forced along fp32's greedy path. */
  positions: z.number().int().positive(),
  /** Share of positions where the variant's largest logit is fp32's. */
  top1Agreement: z.number().min(0).max(1),
  maxAbsLogitDelta: z.number().nonnegative(),
  meanAbsLogitDelta: z.number().nonnegative(),
  /** Ids each prompt's greedy continuation ran for, and per prompt how many leading ids equal fp32's. */
  greedySteps: z.number().int().positive(),
  greedyPrefix: z.array(z.number().int().nonnegative()),
  /** Median over the positions of fp32's top-1 minus top-2 logit: how close the choices were. */
  fp32MedianMargin: z.number().nonnegative().optional(),
});
export type VariantQuality = z.infer<typeof VariantQualitySchema>;

export const LmVariantSchema = z
  .strictObject({
    /** The .onnx file first; further files are its external weight data. */
    files: z.array(FileEntrySchema).min(1),
    /** Weight precision: fp32, fp16, or a weight-only quantized form of the same graph contract. */
    dtype: z.enum(['fp32', 'fp16', 'int8', 'int4']),
    kvDtype: z.enum(['float32', 'float16']),
    /** 'append': outputs hold only the new positions' keys/values; 'present': the whole cache (benchmark baseline). */
    kvIo: z.enum(['append', 'present']),
    inputs: z.array(TensorInfoSchema),
    outputs: z.array(TensorInfoSchema),
    activationCheck: ActivationCheckSchema.optional(),
    quantization: QuantizationSchema.optional(),
    quality: VariantQualitySchema.optional(),
    /** Why a quantized variant has no `quality`: the pack builder could not run the gate (no fp32 variant built beside
     *  it, or no memory for both). Such a variant is usable (pack/quality.ts says why) but never preferred by "auto". */
    qualityNotMeasured: z.string().min(1).optional(),
  })
  .superRefine((v, ctx) => {
    const quantized = v.dtype === 'int4' || v.dtype === 'int8';
    if (quantized && !v.quantization) {
      ctx.addIssue({ code: 'custom', path: ['quantization'], message: `is required for a ${v.dtype} variant` });
    }
    if (v.quantization && `int${v.quantization.bits}` !== v.dtype) {
      ctx.addIssue({ code: 'custom', path: ['quantization', 'bits'], message: `is ${v.quantization.bits} but dtype is ${v.dtype}` });
    }
    if (!quantized && v.quantization) {
      ctx.addIssue({ code: 'custom', path: ['quantization'], message: `does not apply to a ${v.dtype} variant` });
    }
    if (v.qualityNotMeasured && (v.quality || !quantized)) {
      ctx.addIssue({ code: 'custom', path: ['qualityNotMeasured'], message: v.quality ? 'contradicts the recorded quality' : `does not apply to a ${v.dtype} variant` });
    }
    if (v.quality && v.quality.greedyPrefix.length !== v.quality.prompts) {
      ctx.addIssue({ code: 'custom', path: ['quality', 'greedyPrefix'], message: 'must have one entry per prompt' });
    }
    for (const side of ['inputs', 'outputs'] as const) {
      v[side].forEach((t, i) => {
        if (KV_TENSOR.test(t.name) && t.dtype !== v.kvDtype) {
          ctx.addIssue({
            code: 'custom',
            path: [side, i, 'dtype'],
            message: `${t.name} is ${t.dtype} but kvDtype is ${v.kvDtype}`,
          });
        }
      });
    }
  });
export type LmVariant = z.infer<typeof LmVariantSchema>;

export const LmConfigSchema = z.strictObject({
  vocabSize: z.number().int().positive(),
  hiddenSize: z.number().int().positive(),
  intermediateSize: z.number().int().positive(),
  numLayers: z.number().int().positive(),
  numHeads: z.number().int().positive(),
  numGroups: z.number().int().positive(),
  headDim: z.number().int().positive(),
  rmsNormEps: z.number().positive(),
  alibiSlopeRule: z.string(),
  alibiSlopes: z.array(z.number()),
});
export type LmConfig = z.infer<typeof LmConfigSchema>;

// Defaults of EDITX-SPEC.md §5 (the reference's generate call). topK 50 is the transformers library default that the
// reference inherits without setting it (marked verify in the spec), hence a manifest value.
export const GenerationSchema = z.strictObject({
  /** 0 means greedy (argmax after the repetition guard). */
  temperature: z.number().nonnegative().default(0.7),
  /** 0 disables top-k. */
  topK: z.number().int().nonnegative().default(50),
  topP: z.number().gt(0).lte(1).default(1),
  /** The guard looks at the last `repetitionWindow` ids (prompt included) and bans the last id for the next step
   *  when it occurs more than `repetitionMaxCount` times there; 0 disables it. */
  repetitionWindow: z.number().int().nonnegative().default(10),
  repetitionMaxCount: z.number().int().positive().default(1),
  eosId: z.number().int().nonnegative().default(3),
  /** Prompt plus output ids. */
  maxTotalIds: z.number().int().positive().default(8192),
  audioIdBase: z.number().int().nonnegative().default(65536),
  audioIdCount: z.number().int().positive().default(5120),
});
export type GenerationSettings = z.infer<typeof GenerationSchema>;

export const LmRuntimeSchema = z.strictObject({
  /** The prompt is fed in runs of at most this many ids (bounds the attention-score memory of one run). */
  prefillChunk: z.number().int().positive().default(512),
});
export type LmRuntime = z.infer<typeof LmRuntimeSchema>;

export const LmComponentSchema = z
  .strictObject({
    architecture: z.literal('step1'),
    config: LmConfigSchema,
    /** Variant names to use on CPU and on a GPU provider. */
    defaultVariant: z.strictObject({ cpu: z.string(), gpu: z.string() }),
    variants: z.record(z.string(), LmVariantSchema),
    generation: GenerationSchema.prefault({}),
    runtime: LmRuntimeSchema.prefault({}),
  })
  .superRefine((lm, ctx) => {
    for (const dev of ['cpu', 'gpu'] as const) {
      if (!(lm.defaultVariant[dev] in lm.variants)) {
        ctx.addIssue({
          code: 'custom',
          path: ['defaultVariant', dev],
          message: `names variant "${lm.defaultVariant[dev]}", which the pack does not have`,
        });
      }
    }
    if (lm.config.numHeads % lm.config.numGroups !== 0) {
      ctx.addIssue({ code: 'custom', path: ['config', 'numGroups'], message: 'must divide numHeads' });
    }
  });
export type LmComponent = z.infer<typeof LmComponentSchema>;

/** How text becomes ids: the reference's transformers fast tokenizer (text/fast-llama.ts) or sentencepiece itself. */
export const TOKENIZER_MODES = ['transformers-fast', 'sentencepiece'] as const;
export type TokenizerMode = (typeof TOKENIZER_MODES)[number];

/** Which reference inference path the prompts follow (EDITX-SPEC.md §3 "Two reference profiles"). */
export const PROMPT_PROFILES = ['2025-12', '2026'] as const;
export type PromptProfile = (typeof PROMPT_PROFILES)[number];
export function isPromptProfile(v: unknown): v is PromptProfile {
  return (PROMPT_PROFILES as readonly unknown[]).includes(v);
}

// The 2026 profile goes with the weights published on 2026-01-29 (EDITX-SPEC.md §3); earlier weights, and packs
// that do not record a revision, follow the 2025-12 profile.
const FIRST_2026_REVISION = '2026-01-29';
const REVISION = /^\d{4}-\d{2}-\d{2}$/;

/** The prompt profile a pack follows when promptEncoding.profile does not say (dates compare as text). */
export function defaultPromptProfile(modelRevision: string | undefined): PromptProfile {
  return modelRevision !== undefined && REVISION.test(modelRevision) && modelRevision >= FIRST_2026_REVISION
    ? '2026'
    : '2025-12';
}

/** How the prompt assembly calls the tokenizer (EDITX-SPEC.md §3); defaults and meaning in prompt/settings.ts. */
export const PromptEncodingSchema = z.strictObject({
  tokenizer: z.enum(TOKENIZER_MODES).optional(),
  profile: z.enum(PROMPT_PROFILES).optional(),
  /** Whether each `enc(…)` call adds BOS itself (default false: the prompt writes BOS once). */
  addBos: z.boolean().optional(),
  /** sentencepiece mode only: the dummy `▁` prefix as the tokenizer model says, never, or always (default "model"). */
  addDummyPrefix: z.enum(['model', 'never', 'always']).optional(),
  /** 2025-12 profile: the edit instruction in its own tokenizer call ("own", `▁Make…`) or joined to the `human\n`
   *  line before it ("joined", `Make…`). */
  instructionCall: z.enum(['own', 'joined']).optional(),
});
export type PromptEncoding = z.infer<typeof PromptEncodingSchema>;

/** The `normalizer_spec` of the pack's `tokenizer.model`, as the exporter read it. */
export const NormalizerSpecSchema = z.strictObject({
  name: z.string(),
  addDummyPrefix: z.boolean(),
  removeExtraWhitespaces: z.boolean(),
  escapeWhitespaces: z.boolean(),
  /** Whether the model carries a precompiled character map (nmt_nfkc and friends; identity has none). */
  precompiledCharsmap: z.boolean(),
});
export type NormalizerSpecRecord = z.infer<typeof NormalizerSpecSchema>;

/** The published chat template, copied from tokenizer_config.json, and the special-token strings it is rendered with. */
export const ChatTemplateSchema = z.strictObject({
  template: z.string().min(1),
  specialTokens: z.strictObject({
    bos_token: z.string().optional(),
    eos_token: z.string().optional(),
    unk_token: z.string().optional(),
    pad_token: z.string().optional(),
  }),
});
export type ChatTemplate = z.infer<typeof ChatTemplateSchema>;

export const TextTokenizerSchema = z
  .strictObject({
    kind: z.literal('sentencepiece'),
    /** The sentencepiece ModelProto (`tokenizer.model`) first. */
    files: z.array(FileEntrySchema).min(1),
    vocabSize: z.number().int().positive(),
    specialIds: z.strictObject({
      pad: z.number().int().nonnegative(),
      /** `<s>` */
      bos: z.number().int().nonnegative(),
      /** `</s>` */
      eos: z.number().int().nonnegative(),
      /** `<|EOT|>`: turn end, also the LM's stop id. */
      eot: z.number().int().nonnegative(),
      /** `<|BOT|>`: turn start. */
      bot: z.number().int().nonnegative(),
    }),
    /** `<audio_N>` is the piece with id audioIdBase + N, for N < audioIdCount. */
    audioIdBase: z.number().int().nonnegative(),
    audioIdCount: z.number().int().positive(),
    /** Recorded by the exporter; checked against the file when present (older packs lack it). */
    normalizerSpec: NormalizerSpecSchema.optional(),
    chatTemplate: ChatTemplateSchema.optional(),
    /** Release date (YYYY-MM-DD) of the published weights the pack was exported from; picks the default profile. */
    modelRevision: z.string().regex(REVISION, 'must be a date YYYY-MM-DD').optional(),
    promptEncoding: PromptEncodingSchema.optional(),
    /** The paralinguistic tags this model revision was trained on, exact spellings without the brackets they are
     *  written in (`Laughter` → "[Laughter]" in the new text); upstream has no validation list and the spelling changed
     *  between revisions (EDITX-SPEC.md §2), so the list is data of the pack. Absent: the list of `modelRevision`
     *  (engines/editx/tasks.ts, paralinguisticTagsFor). */
    paralinguisticTags: z.array(z.string().min(1).regex(/^[^[\]]+$/, 'must be a tag name without brackets')).optional(),
  })
  .superRefine((tt, ctx) => {
    const pe = tt.promptEncoding;
    const mode = pe?.tokenizer ?? 'transformers-fast';
    if (pe?.addDummyPrefix !== undefined && mode !== 'sentencepiece') {
      ctx.addIssue({
        code: 'custom',
        path: ['promptEncoding', 'addDummyPrefix'],
        message: 'applies only with promptEncoding.tokenizer "sentencepiece" (the transformers-fast tokenizer always prepends ▁ per call)',
      });
    }
    const profile = pe?.profile ?? defaultPromptProfile(tt.modelRevision);
    if (profile === '2026') {
      const why = pe?.profile !== undefined ? 'promptEncoding.profile is "2026"' : `modelRevision ${tt.modelRevision} picks the 2026 prompt profile`;
      if (!tt.chatTemplate) {
        ctx.addIssue({
          code: 'custom',
          path: ['chatTemplate'],
          message: `is required: ${why}, which renders the published chat template (re-export with the model's tokenizer_config.json)`,
        });
      }
      if (mode !== 'transformers-fast') {
        ctx.addIssue({
          code: 'custom',
          path: ['promptEncoding', 'tokenizer'],
          message: `must be "transformers-fast": ${why}, which tokenizes the rendered template as one string with its special tokens inside`,
        });
      }
    }
  });
export type TextTokenizerComponent = z.infer<typeof TextTokenizerSchema>;

/** How a pack was made, when Retake's pack builder made it (src-main/engines/editx/pack/build/). */
export const PackOriginSchema = z.strictObject({
  /** "retake pack build" (the app or the CLI) or "tools/export". */
  tool: z.string().min(1),
  /** The graph templates filled (models/templates/<id>). */
  templates: z.array(z.string()),
  /** The catalogue entry of the published model, when the files were recognised or downloaded. */
  model: z.string().optional(),
  variants: z.array(z.string()),
  builtAt: z.string(),
});
export type PackOrigin = z.infer<typeof PackOriginSchema>;

const PositiveInt = z.number().int().positive();

/** The vq02 tokenizer (EDITX-SPEC.md §4): the Paraformer streaming encoder's chunk-step graph, run once per stride of
 *  the reference's streaming loop, then nearest-centroid codes. tools/export/retake_export/tokenizer/export.py. */
export const Vq02ComponentSchema = z
  .strictObject({
    architecture: z.literal('paraformer-streaming'),
    /** The step graph: feats/offset/overlap/cache in, enc/next_offset/next_overlap/next_cache out. */
    encoder: z.strictObject({
      files: z.array(FileEntrySchema).min(1),
      inputs: z.array(TensorInfoSchema),
      outputs: z.array(TensorInfoSchema),
    }),
    /** Read from the published config.yaml (the spec marks these "verify"). */
    config: z.strictObject({
      inputSize: PositiveInt,
      outputSize: PositiveInt,
      attentionHeads: PositiveInt,
      linearUnits: PositiveInt,
      numBlocks: PositiveInt,
      kernelSize: PositiveInt,
      sanmShift: z.number().int().nonnegative(),
    }),
    /** Encoder tensors of the checkpoint the graph was exported from (652 for the published model). */
    checkpointTensors: PositiveInt,
    /** FunASR's frontend_conf. The runtime computes Kaldi fbank with dither 0; `referenceDither` is what the published
     *  config leaves on (Kaldi's 1.0), recorded so a difference in codes can be explained. */
    frontend: z.strictObject({
      sampleRate: z.literal(16000),
      /** The runtime's Kaldi fbank has the reference's 80 bins. */
      melBins: z.literal(80),
      frameLengthMs: z.literal(25),
      frameShiftMs: z.literal(10),
      window: z.literal('hamming'),
      lfrM: PositiveInt,
      lfrN: PositiveInt,
      referenceDither: z.number().nonnegative(),
      /** The reference hands the audio to FunASR through a float WAV that rounds samples to 24 bits. */
      wavRoundTrip: z.boolean(),
    }),
    /** The reference's streaming call: chunk_size [left, stride frames, right overlap], attention look-back in
     *  chunks, samples per LFR frame (a stride is chunkSize[1] × this), and the final-stride skip rule. */
    streaming: z.strictObject({
      chunkSize: z.tuple([z.literal(0), PositiveInt, PositiveInt]),
      lookBack: PositiveInt,
      samplesPerLfrFrame: PositiveInt,
      minFinalSamples: z.number().int().nonnegative(),
    }),
    /** am.mvn as published (Kaldi nnet1 text: AddShift, Rescale). */
    cmvn: z.strictObject({ file: FileEntrySchema, dim: PositiveInt }),
    /** linguistic_tokenizer.npy as published: float32 (size, dim). */
    codebook: z.strictObject({ file: FileEntrySchema, size: z.literal(1024), dim: PositiveInt }),
  })
  .superRefine((v, ctx) => {
    const c = v.config;
    const issue = (path: (string | number)[], message: string): void => ctx.addIssue({ code: 'custom', path, message });
    if (v.codebook.dim !== c.outputSize) issue(['codebook', 'dim'], `is ${v.codebook.dim}, the encoder outputs ${c.outputSize}`);
    if (v.cmvn.dim !== c.inputSize) issue(['cmvn', 'dim'], `is ${v.cmvn.dim}, the encoder reads ${c.inputSize}`);
    if (v.frontend.melBins * v.frontend.lfrM !== c.inputSize) {
      issue(['frontend'], `${v.frontend.melBins} mel bins × LFR ${v.frontend.lfrM} is not the encoder's input size ${c.inputSize}`);
    }
    if (c.outputSize % c.attentionHeads !== 0) issue(['config', 'attentionHeads'], 'must divide outputSize');
  });
export type Vq02Component = z.infer<typeof Vq02ComponentSchema>;

/** The vq06 tokenizer (EDITX-SPEC.md §4): the S3 tokenizer ONNX as published (or the tiny pack's stand-in), fed
 *  Whisper log-mel chunks of at most `chunkSamples`. Its I/O is recorded as read from the file; the runtime addresses
 *  the tensors by position, as the reference does. */
export const Vq06ComponentSchema = z
  .strictObject({
    architecture: z.literal('s3-tokenizer-v1'),
    /** The tiny pack's random stand-in with the same I/O, not the published model. */
    standIn: z.boolean(),
    files: z.array(FileEntrySchema).min(1),
    inputs: z.array(TensorInfoSchema).length(2),
    outputs: z.array(TensorInfoSchema).min(1),
    melBins: PositiveInt,
    chunkSamples: PositiveInt,
    minChunkSamples: z.number().int().nonnegative(),
    tokensPerSecond: z.number().positive(),
    codes: z.literal(4096),
  })
  .superRefine((v, ctx) => {
    const [mel, len] = v.inputs;
    if (mel && (mel.dtype !== 'float32' || mel.shape.length !== 3)) {
      ctx.addIssue({ code: 'custom', path: ['inputs', 0], message: 'must be float32 (1, melBins, frames)' });
    }
    if (len && (len.dtype !== 'int32' || len.shape.length !== 1)) {
      ctx.addIssue({ code: 'custom', path: ['inputs', 1], message: 'must be an int32 length vector' });
    }
    const out = v.outputs[0];
    if (out && out.dtype !== 'int32' && out.dtype !== 'int64') {
      ctx.addIssue({ code: 'custom', path: ['outputs', 0], message: 'must hold integer codes' });
    }
  });
export type Vq06Component = z.infer<typeof Vq06ComponentSchema>;

// ---------------------------------------------------------------------------------------------------- decoder

/** One ONNX graph: the .onnx file first (then its external data, if any) and its I/O contract. */
export const GraphSchema = z.strictObject({
  files: z.array(FileEntrySchema).min(1),
  inputs: z.array(TensorInfoSchema),
  outputs: z.array(TensorInfoSchema),
});
export type GraphEntry = z.infer<typeof GraphSchema>;


export const FlowConfigSchema = z.strictObject({
  vocabSize: PositiveInt,
  dModel: PositiveInt,
  melBins: PositiveInt,
  spkEmbedDim: PositiveInt,
  encoderHeads: PositiveInt,
  encoderLinearUnits: PositiveInt,
  encoderBlocks: PositiveInt,
  encoderUpBlocks: PositiveInt,
  preLookahead: PositiveInt,
  upStride: PositiveInt,
  ditHidden: PositiveInt,
  ditDepth: PositiveInt,
  ditHeads: PositiveInt,
  ditHeadDim: PositiveInt,
  ditMlpRatio: z.number().positive(),
});

// EDITX-SPEC.md §6; the exporter reads the (verify) values from the published cosyvoice.yaml.
export const FlowSettingsSchema = z.strictObject({
  /** Classifier-free guidance: v = (1 + r)·v_cond − r·v_uncond. */
  cfgRate: z.number().nonnegative().default(0.7),
  timesteps: PositiveInt.default(10),
  /** The Euler time grid 1 − cos(linspace(0, 1, n + 1)·π/2) as torch computes it in float32 (absent: computed). */
  timeGrid: z.array(z.number().min(0).max(1)).optional(),
  /** Mel frames per token frame (the encoder's upsampling). */
  tokenMelRatio: PositiveInt.default(2),
  /** Round the prompt mel and the speaker embedding to bf16 before the flow, as the reference does (its nearest
   *  resize of the prompt mel then also computes its index scale in bf16). */
  bf16Prompt: z.boolean().default(true),
  /** Where the values came from (the published cosyvoice.yaml, or defaults). */
  settingsFrom: z.string().optional(),
});
export type FlowSettings = z.infer<typeof FlowSettingsSchema>;

/** How the runner splits long decodes (not a model setting). */
export const FlowRuntimeSchema = z.strictObject({
  /** Most mel frames (prompt + generated) in one estimator run; longer outputs are decoded in overlapping windows,
   *  so attention memory stays bounded (2 × heads × frames² floats per run). */
  maxWindowFrames: PositiveInt.default(2000),
  /** Token frames of context on each side of a window's own part. */
  overlapTokenFrames: z.number().int().nonnegative().default(12),
  /** Mel frames over which neighbouring windows are cross-faded. */
  crossfadeFrames: z.number().int().nonnegative().default(16),
});
export type FlowRuntime = z.infer<typeof FlowRuntimeSchema>;

/** The prompt mel the flow is conditioned on (EDITX-SPEC.md §6 "Mel"; the published mel_conf). */
export const PromptMelSchema = z.strictObject({
  sampleRate: PositiveInt,
  nFft: PositiveInt,
  hop: PositiveInt,
  win: PositiveInt,
  melBins: PositiveInt,
  fmin: z.number().nonnegative(),
  fmax: z.number().positive().nullable(),
  center: z.boolean(),
});
export type PromptMelSettings = z.infer<typeof PromptMelSchema>;

export const FlowComponentSchema = z
  .strictObject({
    architecture: z.literal('cosyvoice2-dit'),
    config: FlowConfigSchema,
    graphs: z.strictObject({ encoder: GraphSchema, estimator: GraphSchema, speaker: GraphSchema }),
    /** The fixed flow-matching noise, mel bins × frames float32 little-endian: the reference draws one buffer once;
     *  ours is stored so runs are reproducible. It bounds the longest decode (prompt + output frames). */
    noise: z.strictObject({
      file: FileEntrySchema,
      dtype: z.literal('float32'),
      shape: z.tuple([PositiveInt, PositiveInt]),
      seed: z.number().int().nonnegative().optional(),
      /** Which generator drew it from the seed (absent: torch's, as tools/export draws it; "retake-normal-1": the
       *  pack builder's, build/noise.ts). */
      generator: z.string().optional(),
    }),
    settings: FlowSettingsSchema.prefault({}),
    promptMel: PromptMelSchema,
    runtime: FlowRuntimeSchema.prefault({}),
  })
  .superRefine((f, ctx) => {
    const [rows, frames] = f.noise.shape;
    if (rows !== f.config.melBins) {
      ctx.addIssue({ code: 'custom', path: ['noise', 'shape'], message: `has ${rows} rows for ${f.config.melBins} mel bins` });
    }
    if (f.noise.file.bytes !== rows * frames * 4) {
      ctx.addIssue({ code: 'custom', path: ['noise', 'file', 'bytes'], message: `must be ${rows * frames * 4} for shape ${rows} × ${frames}` });
    }
    const g = f.settings.timeGrid;
    if (g && (g.length !== f.settings.timesteps + 1 || g[0] !== 0 || g[g.length - 1] !== 1 || g.some((t, i) => i > 0 && t <= (g[i - 1] as number)))) {
      ctx.addIssue({ code: 'custom', path: ['settings', 'timeGrid'], message: `must rise from 0 to 1 in ${f.settings.timesteps} steps` });
    }
    if (f.promptMel.melBins !== f.config.melBins) {
      ctx.addIssue({ code: 'custom', path: ['promptMel', 'melBins'], message: `must equal config.melBins (${f.config.melBins})` });
    }
  });
export type FlowComponent = z.infer<typeof FlowComponentSchema>;

export const HiftConfigSchema = z.strictObject({
  melBins: PositiveInt,
  baseChannels: PositiveInt,
  upsampleRates: z.array(PositiveInt).min(1),
  upsampleKernelSizes: z.array(PositiveInt).min(1),
  resblockKernelSizes: z.array(PositiveInt),
  resblockDilationSizes: z.array(z.array(PositiveInt)),
  sourceResblockKernelSizes: z.array(PositiveInt),
  sourceResblockDilationSizes: z.array(z.array(PositiveInt)),
  lreluSlope: z.number(),
  postLreluSlope: z.number(),
  f0Channels: PositiveInt,
});

export const VocoderComponentSchema = z
  .strictObject({
    architecture: z.literal('hift'),
    config: HiftConfigSchema,
    graphs: z.strictObject({ f0: GraphSchema, trunk: GraphSchema }),
    sampleRate: PositiveInt,
    /** Output samples per mel frame: the product of the upsample rates times the ISTFT hop. */
    samplesPerFrame: PositiveInt,
    /** The neural-source-filter excitation, computed in TypeScript (vocoder/source.ts). */
    source: z.strictObject({
      /** Sines: the fundamental and its overtones. */
      harmonics: PositiveInt,
      sineAmp: z.number().nonnegative(),
      /** Noise standard deviation where voiced (unvoiced: sineAmp / 3). */
      noiseStd: z.number().nonnegative(),
      /** F0 above this many Hz is voiced. */
      voicedThreshold: z.number().nonnegative(),
      /** The merge of the sines, tanh(mergeWeight · s + mergeBias): the checkpoint's m_source.l_linear. */
      mergeWeight: z.array(z.number()),
      mergeBias: z.number(),
    }),
    istft: z.strictObject({ nFft: PositiveInt, hop: PositiveInt, magnitudeLimit: z.number().positive() }),
    /** The output is clamped to ±audioLimit. */
    audioLimit: z.number().positive(),
    settingsFrom: z.string().optional(),
    runtime: z
      .strictObject({
        /** Mel frames the trunk decodes per run. */
        chunkFrames: PositiveInt.default(200),
        /** Mel frames of context on each side of a chunk (more than the trunk's receptive field). */
        contextFrames: z.number().int().nonnegative().default(16),
      })
      .prefault({}),
  })
  .superRefine((v, ctx) => {
    if (v.source.mergeWeight.length !== v.source.harmonics) {
      ctx.addIssue({ code: 'custom', path: ['source', 'mergeWeight'], message: `must have ${v.source.harmonics} values` });
    }
    const spf = v.config.upsampleRates.reduce((a, b) => a * b, 1) * v.istft.hop;
    if (spf !== v.samplesPerFrame) {
      ctx.addIssue({ code: 'custom', path: ['samplesPerFrame'], message: `must be ${spf} (upsample rates × hop)` });
    }
  });
export type VocoderComponent = z.infer<typeof VocoderComponentSchema>;

/** CAM++, the speaker encoder: the published campplus.onnx, or in tiny packs a stand-in with the same I/O. Its graph
 *  is bound by position (first input, first output), as the reference binds it. */
export const SpeakerEncoderSchema = z.strictObject({
  kind: z.literal('campplus'),
  standIn: z.boolean(),
  files: z.array(FileEntrySchema).min(1),
  inputs: z.array(TensorInfoSchema).min(1),
  outputs: z.array(TensorInfoSchema).min(1),
  /** The published file, whatever this pack holds. */
  published: z.strictObject({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: PositiveInt }),
  /** Kaldi fbank settings of its input (EDITX-SPEC.md §6). */
  fbank: z.strictObject({
    sampleRate: PositiveInt,
    melBins: PositiveInt,
    window: z.enum(['povey', 'hamming', 'hanning']),
    dither: z.number().nonnegative(),
    meanSubtract: z.boolean(),
  }),
});
export type SpeakerEncoderComponent = z.infer<typeof SpeakerEncoderSchema>;

export const PackManifestSchema = z
  .strictObject({
    format: z.literal(PACK_FORMAT),
    formatVersion: z.literal(PACK_FORMAT_VERSION),
    name: z.string().min(1),
    description: z.string().optional(),
    origin: PackOriginSchema.optional(),
    components: z.looseObject({
      lm: LmComponentSchema.optional(),
      textTokenizer: TextTokenizerSchema.optional(),
      vq02: Vq02ComponentSchema.optional(),
      vq06: Vq06ComponentSchema.optional(),
      flow: FlowComponentSchema.optional(),
      vocoder: VocoderComponentSchema.optional(),
      speakerEncoder: SpeakerEncoderSchema.optional(),
    }),
  })
  .superRefine((m, ctx) => {
    checkDecoder(m.components, ctx);
    // The decode loop and the prompt builder read the same ids from two components: they must agree.
    const lm = m.components.lm;
    const tt = m.components.textTokenizer;
    if (!lm || !tt) return;
    const g = lm.generation;
    const pairs: [string, number, string, number][] = [
      ['lm.generation.audioIdBase', g.audioIdBase, 'textTokenizer.audioIdBase', tt.audioIdBase],
      ['lm.generation.audioIdCount', g.audioIdCount, 'textTokenizer.audioIdCount', tt.audioIdCount],
      ['lm.generation.eosId', g.eosId, 'textTokenizer.specialIds.eot', tt.specialIds.eot],
    ];
    for (const [a, av, b, bv] of pairs) {
      if (av !== bv) ctx.addIssue({ code: 'custom', path: ['components'], message: `${a} is ${av} but ${b} is ${bv}` });
    }
    if (tt.audioIdBase + tt.audioIdCount > lm.config.vocabSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['components', 'textTokenizer', 'audioIdCount'],
        message: `audio ids reach ${tt.audioIdBase + tt.audioIdCount - 1}, beyond the LM vocabulary of ${lm.config.vocabSize}`,
      });
    }
  });
export type PackManifest = z.infer<typeof PackManifestSchema>;

type DecoderParts = {
  flow?: FlowComponent | undefined;
  vocoder?: VocoderComponent | undefined;
  speakerEncoder?: SpeakerEncoderComponent | undefined;
};

/** The flow, vocoder and speaker encoder read each other's outputs: their sizes and rates must agree. */
function checkDecoder(c: DecoderParts, ctx: z.RefinementCtx): void {
  const issue = (message: string): void => ctx.addIssue({ code: 'custom', path: ['components'], message });
  const { flow, vocoder, speakerEncoder } = c;
  if (flow && vocoder) {
    if (vocoder.config.melBins !== flow.config.melBins) {
      issue(`vocoder.config.melBins is ${vocoder.config.melBins} but flow.config.melBins is ${flow.config.melBins}`);
    }
    if (flow.promptMel.sampleRate !== vocoder.sampleRate || flow.promptMel.hop !== vocoder.samplesPerFrame) {
      issue(
        `flow.promptMel (${flow.promptMel.sampleRate} Hz, hop ${flow.promptMel.hop}) must have the vocoder's frame rate ` +
          `(${vocoder.sampleRate} Hz, ${vocoder.samplesPerFrame} samples per frame)`,
      );
    }
  }
  if (flow && speakerEncoder) {
    const out = speakerEncoder.outputs[0]?.shape.at(-1);
    if (typeof out === 'number' && out !== flow.config.spkEmbedDim) {
      issue(`speakerEncoder gives ${out} values but flow.config.spkEmbedDim is ${flow.config.spkEmbedDim}`);
    }
  }
}

/** Files of the decoder components (flow graphs and noise, vocoder graphs, speaker encoder), each once. */
export function decoderFiles(m: PackManifest): FileEntry[] {
  const out = new Map<string, FileEntry>();
  const add = (f: FileEntry): void => void out.set(f.path, f);
  const { flow, vocoder, speakerEncoder } = m.components;
  if (flow) {
    Object.values(flow.graphs).forEach((g) => g.files.forEach(add));
    add(flow.noise.file);
  }
  if (vocoder) Object.values(vocoder.graphs).forEach((g) => g.files.forEach(add));
  speakerEncoder?.files.forEach(add);
  return [...out.values()];
}

/** LM variant names in the manifest, in manifest order. */
export function lmVariantNames(m: PackManifest): string[] {
  return Object.keys(m.components.lm?.variants ?? {});
}

/** Files of the audio tokenizers (vq02: graph, am.mvn, codebook; vq06: graph), in manifest order. */
export function tokenizerFiles(m: PackManifest): FileEntry[] {
  const v2 = m.components.vq02;
  const v6 = m.components.vq06;
  return [...(v2 ? [...v2.encoder.files, v2.cmvn.file, v2.codebook.file] : []), ...(v6?.files ?? [])];
}

/**
 * Every file the manifest lists, each once: the text tokenizer's, the audio tokenizers', the decoder's (flow, vocoder,
 * speaker encoder) and those of the LM variants named (every variant when `variants` is absent). What a pack is, for
 * the loader, the installer's copy and the checks alike.
 */
export function manifestFiles(m: PackManifest, variants?: readonly string[]): FileEntry[] {
  const out = new Map<string, FileEntry>();
  const add = (f: FileEntry): void => void out.set(f.path, f);
  const lm = m.components.lm;
  if (lm) {
    for (const name of variants ?? Object.keys(lm.variants)) lm.variants[name]?.files.forEach(add);
  }
  m.components.textTokenizer?.files.forEach(add);
  tokenizerFiles(m).forEach(add);
  decoderFiles(m).forEach(add);
  return [...out.values()];
}
