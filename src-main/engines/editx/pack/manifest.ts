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
  })
  .superRefine((v, ctx) => {
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
    }),
  })
  .superRefine((m, ctx) => {
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

/** LM variant names in the manifest, in manifest order. */
export function lmVariantNames(m: PackManifest): string[] {
  return Object.keys(m.components.lm?.variants ?? {});
}

/**
 * Files the known components list, each once: the text tokenizer's and those of the LM variants named (every variant
 * when `variants` is absent).
 */
export function manifestFiles(m: PackManifest, variants?: readonly string[]): FileEntry[] {
  const out = new Map<string, FileEntry>();
  const add = (f: FileEntry): void => void out.set(f.path, f);
  const lm = m.components.lm;
  if (lm) {
    for (const name of variants ?? Object.keys(lm.variants)) lm.variants[name]?.files.forEach(add);
  }
  m.components.textTokenizer?.files.forEach(add);
  return [...out.values()];
}
