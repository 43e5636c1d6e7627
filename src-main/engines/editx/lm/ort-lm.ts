// The Step1 ONNX graph on onnxruntime-node with a preallocated, fixed-capacity KV cache (an LmStepper for ./decode).
//
// Cache layout: per layer one key and one value buffer of capacity × groups × headDim, time-major, so the first P
// positions are one contiguous prefix. Each run feeds `past_*` as views of that prefix and passes views of the next
// S rows as the preallocated `new_*` outputs, so onnxruntime writes the new keys/values straight into the cache: no
// JavaScript copy, and the per-step work outside the run does not grow with the context (tools/export/README.md,
// "Graph I/O"; measured in bench/lm).
//
// The session comes from the onnx layer (src-main/onnx): with `device: 'gpu'` and no explicit list, the platform's
// GPU providers are tried in turn, each with 'cpu' after it for the nodes it does not take, and when none starts the
// error names each one and why; the graph's I/O is checked against the variant's manifest entry. `executionProvider`
// says which provider the session was created with. onnxruntime-node 1.30 does not report how nodes were assigned,
// so part of a GPU session may still run on its CPU fallback.

import { RetakeError } from '../../../contract/errors';
import {
  checkGraphIo,
  executionProvidersFor,
  openSession,
  type OnnxSession,
  type OnnxTensor,
  type ProviderChoice,
  type ProviderConfig,
  type SessionIo,
  type SessionRegistry,
} from '../../../onnx';
import type { GenerationSettings, LmComponent, LmVariant } from '../pack/manifest';
import type { ModelPack } from '../pack/load';
import { verifyPackFiles } from '../pack/load';
import { assertVariantQuality } from '../pack/quality';
import type { GenerateOptions, GenerateResult, LmStepOutput, LmStepRequest, LmStepper } from './decode';
import { generate } from './decode';

type KvArray = Float32Array | Uint16Array;

export type LmDevice = 'cpu' | 'gpu';

export { executionProvidersFor };

export interface OrtLmOptions {
  /** Variant name in the manifest; default: the pack's default for `device`. */
  variant?: string;
  /** Default 'cpu'. 'gpu' picks the pack's GPU variant and the platform's GPU providers. */
  device?: LmDevice;
  /** onnxruntime execution providers, e.g. ['cuda', 'cpu'], used as given; default: derived from `device`. */
  executionProviders?: ProviderConfig[];
  /** A provider choice (e.g. from the Settings: `{ prefer: 'cuda' }` falls back to the CPU and says why);
   *  used when executionProviders is absent. */
  providers?: ProviderChoice;
  intraOpNumThreads?: number;
  /**
   * Most ids (prompt + output) one generation may reach; the cache holds maxTotalIds − 1 positions.
   * Default: the pack's generation.maxTotalIds.
   */
  maxTotalIds?: number;
}

/** The LM component and the variant `opts` asks for, refused when this version cannot run it or when it is a quantized
 *  variant under the quality gate (pack/quality.ts). */
export function resolveLmVariant(pack: ModelPack, opts: Pick<OrtLmOptions, 'variant' | 'device'> = {}) {
  const lm = pack.manifest.components.lm;
  if (!lm) {
    throw new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack in ${pack.dir} has no language model (components.lm).`);
  }
  const name = opts.variant ?? lm.defaultVariant[opts.device ?? 'cpu'];
  const variant = lm.variants[name];
  if (!variant) {
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      `The model pack has no LM variant "${name}" (it has ${Object.keys(lm.variants).join(', ')}).`,
    );
  }
  if (variant.kvIo !== 'append') {
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      `LM variant "${name}" uses the "${variant.kvIo}" cache layout; this version of Retake needs "append". Re-export the pack.`,
    );
  }
  assertVariantQuality(name, variant, `model pack ${pack.dir}`);
  return { lm, name, variant };
}

/**
 * The LM variant's session (the pack's 'lm' stage): its files checked when the pack was not opened for it, the
 * providers of `device` (or the explicit list), and the graph's I/O checked against the manifest entry.
 */
export async function openLmSession(pack: ModelPack, opts: Omit<OrtLmOptions, 'maxTotalIds'> = {}): Promise<OnnxSession> {
  const { name, variant } = resolveLmVariant(pack, opts);
  // A pack opened for other variants has not had this one's files checked (an fp16-only download opened for fp16).
  if (!pack.verifiedVariants.includes(name)) await verifyPackFiles(pack.dir, variant.files, 'size');
  const modelFile = variant.files[0] as (typeof variant.files)[number];
  return openSession(pack.path(modelFile), variant, {
    providers: opts.executionProviders ?? opts.providers ?? opts.device ?? 'cpu',
    label: `the language model ${modelFile.path}`,
    declaredIn: 'manifest',
    mismatchHint: 'Re-export the pack.',
    ...(opts.intraOpNumThreads !== undefined ? { intraOpNumThreads: opts.intraOpNumThreads } : {}),
  });
}

export class OrtLm implements LmStepper {
  readonly vocabSize: number;
  readonly capacity: number;
  readonly component: LmComponent;
  readonly variantName: string;
  /** The pack's generation settings, with maxTotalIds as this session was opened for (capacity + 1). */
  readonly generation: GenerationSettings;
  /** The pack's runtime.prefillChunk: generate() feeds the prompt in runs of this many ids unless told otherwise. */
  readonly prefillChunk: number;
  /** The execution provider the session was created with ('cpu', 'cuda', 'dml', 'coreml', …). */
  readonly executionProvider: string;
  /** Why providers tried before it did not start (empty when the first one did). */
  readonly providerNotes: readonly string[];
  private lengthValue = 0;
  private running = false;
  private runMsValue = 0;
  private readonly rowSize: number;
  private readonly keys: KvArray[];
  private readonly values: KvArray[];
  private readonly logitsRow: Float32Array;
  private readonly topCache = new Map<number, { k: OnnxTensor; values: Float32Array; ids: BigInt64Array; tv: OnnxTensor; ti: OnnxTensor }>();
  private disposed = false;

  private constructor(
    private readonly session: OnnxSession,
    /** Whether dispose() releases the session (not when a registry owns it). */
    private readonly ownsSession: boolean,
    component: LmComponent,
    variantName: string,
    private readonly variant: LmVariant,
    capacity: number,
  ) {
    this.component = component;
    this.variantName = variantName;
    this.generation = { ...component.generation, maxTotalIds: capacity + 1 };
    this.prefillChunk = component.runtime.prefillChunk;
    this.executionProvider = session.provider;
    this.providerNotes = session.providerNotes;
    const c = component.config;
    this.vocabSize = c.vocabSize;
    this.capacity = capacity;
    this.rowSize = c.numGroups * c.headDim;
    const make = (): KvArray =>
      variant.kvDtype === 'float16' ? new Uint16Array(capacity * this.rowSize) : new Float32Array(capacity * this.rowSize);
    this.keys = Array.from({ length: c.numLayers }, make);
    this.values = Array.from({ length: c.numLayers }, make);
    this.logitsRow = new Float32Array(c.vocabSize);
  }

  static async create(pack: ModelPack, opts: OrtLmOptions = {}): Promise<OrtLm> {
    const capacity = OrtLm.capacityFor(pack, opts);
    return OrtLm.over(pack, opts, capacity, await openLmSession(pack, opts), true);
  }

  /**
   * A runner over the pack's 'lm' stage in a session registry (opened there on first use, released with the pack);
   * `opts` must be the options the stage was defined with (see pack/sessions.ts).
   */
  static async fromRegistry(pack: ModelPack, sessions: Pick<SessionRegistry<'lm'>, 'get'>, opts: OrtLmOptions = {}): Promise<OrtLm> {
    const capacity = OrtLm.capacityFor(pack, opts);
    return OrtLm.over(pack, opts, capacity, await sessions.get('lm'), false);
  }

  private static capacityFor(pack: ModelPack, opts: OrtLmOptions): number {
    const { lm } = resolveLmVariant(pack, opts);
    const maxTotalIds = opts.maxTotalIds ?? lm.generation.maxTotalIds;
    if (!Number.isInteger(maxTotalIds) || maxTotalIds < 2) {
      throw new RetakeError('E_VALIDATION', `maxTotalIds must be a whole number of at least 2, got ${maxTotalIds}.`);
    }
    return maxTotalIds - 1;
  }

  private static over(pack: ModelPack, opts: OrtLmOptions, capacity: number, session: OnnxSession, owns: boolean): OrtLm {
    const { lm, name, variant } = resolveLmVariant(pack, opts);
    return new OrtLm(session, owns, lm, name, variant, capacity);
  }

  /** generate() of ./decode with this pack's generation settings and prefill chunk; one generation at a time. */
  generate(promptIds: readonly number[], opts: GenerateOptions): Promise<GenerateResult> {
    return generate(this, promptIds, this.generation, opts);
  }

  get length(): number {
    return this.lengthValue;
  }

  get runMs(): number {
    return this.runMsValue;
  }

  reset(): void {
    if (this.running) throw busy();
    this.lengthValue = 0;
    this.runMsValue = 0;
  }

  /**
   * Treats the first `length` cache positions as filled, without running the model (their contents are whatever the
   * cache holds: zeros in a fresh runner). For benchmarks: a decode step costs the same whatever the cache holds, and
   * prefilling 4,000 ids on a CPU takes minutes at full size.
   */
  assumeFilled(length: number): void {
    if (this.running) throw busy();
    if (!Number.isInteger(length) || length < 0 || length > this.capacity) {
      throw new RangeError(`assumeFilled(${length}): the cache holds 0..${this.capacity} positions`);
    }
    this.lengthValue = length;
  }

  async step(ids: ArrayLike<number>, want: LmStepRequest): Promise<LmStepOutput> {
    if (this.disposed) throw new RetakeError('E_INTERNAL', 'The language model session was already released.');
    if (this.running) throw busy();
    const s = ids.length;
    const p = this.lengthValue;
    if (s === 0) throw new RangeError('step needs at least one id');
    if (p + s > this.capacity) {
      throw new RetakeError(
        'E_INPUT_TOO_LONG',
        `The language model's cache holds ${this.capacity} positions; ${p + s} were needed.`,
      );
    }
    const session = this.session;
    const c = this.component.config;
    const kvType = this.variant.kvDtype;
    const row = this.rowSize;
    const idData = new BigInt64Array(s);
    for (let i = 0; i < s; i++) idData[i] = BigInt(ids[i] as number);
    const top = this.topTensors(Math.max(1, want.topK));
    const feeds: Record<string, OnnxTensor> = {
      input_ids: session.tensor('int64', idData, [1, s]),
      top_k: top.k,
    };
    const fetches: Record<string, OnnxTensor | null> = {};
    for (let l = 0; l < c.numLayers; l++) {
      const k = this.keys[l] as KvArray;
      const v = this.values[l] as KvArray;
      feeds[`past_key_${l}`] = session.tensor(kvType, k.subarray(0, p * row), [p, c.numGroups, c.headDim]);
      feeds[`past_value_${l}`] = session.tensor(kvType, v.subarray(0, p * row), [p, c.numGroups, c.headDim]);
      fetches[`new_key_${l}`] = session.tensor(kvType, k.subarray(p * row, (p + s) * row), [s, c.numGroups, c.headDim]);
      fetches[`new_value_${l}`] = session.tensor(kvType, v.subarray(p * row, (p + s) * row), [s, c.numGroups, c.headDim]);
    }
    if (want.topK > 0) {
      fetches.top_values = top.tv;
      fetches.top_ids = top.ti;
    }
    if (want.logits) fetches.logits = session.tensor('float32', this.logitsRow, [1, this.vocabSize]);
    const t0 = performance.now();
    this.running = true;
    try {
      // A failure is the onnx layer's E_ENGINE_FAILED, naming every input's dtype and shape.
      await session.run(feeds, fetches);
    } finally {
      this.running = false;
      this.runMsValue += performance.now() - t0;
    }
    this.lengthValue = p + s;
    return { topValues: top.values, topIds: top.ids, logits: want.logits ? this.logitsRow : null };
  }

  /** Reused TopK input/output tensors for one k. */
  private topTensors(k: number) {
    let t = this.topCache.get(k);
    if (!t) {
      const session = this.session;
      const values = new Float32Array(k);
      const ids = new BigInt64Array(k);
      t = {
        k: session.tensor('int64', BigInt64Array.from([BigInt(k)]), [1]),
        values,
        ids,
        tv: session.tensor('float32', values, [1, k]),
        ti: session.tensor('int64', ids, [1, k]),
      };
      this.topCache.set(k, t);
    }
    return t;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    if (this.running) throw busy();
    this.disposed = true;
    if (this.ownsSession) await this.session.release();
  }
}

function busy(): RetakeError {
  return new RetakeError(
    'E_JOB_ACTIVE',
    'The language model is busy with another run; wait for it to finish or cancel it first.',
  );
}

/**
 * Differences between the session's inputs/outputs and the manifest's variant entry: names, and where the session
 * gives metadata, element types, ranks and fixed dimensions (the onnx layer's check, worded for the manifest).
 */
export function checkIo(session: SessionIo, variant: LmVariant): string[] {
  return checkGraphIo(session, variant, 'manifest');
}
