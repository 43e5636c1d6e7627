// The Step1 ONNX graph on onnxruntime-node with a preallocated, fixed-capacity KV cache (an LmStepper for ./decode).
//
// Cache layout: per layer one key and one value buffer of capacity × groups × headDim, time-major, so the first P
// positions are one contiguous prefix. Each run feeds `past_*` as views of that prefix and passes views of the next
// S rows as the preallocated `new_*` outputs, so onnxruntime writes the new keys/values straight into the cache: no
// JavaScript copy, and the per-step work outside the run does not grow with the context (tools/export/README.md,
// "Graph I/O"; measured in bench/lm).

import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { RetakeError } from '../../../contract/errors';
import type { LmComponent, LmVariant } from '../pack/manifest';
import type { ModelPack } from '../pack/load';
import type { LmStepOutput, LmStepRequest, LmStepper } from './decode';

type Ort = typeof import('onnxruntime-node');
type KvArray = Float32Array | Uint16Array;

export interface OrtLmOptions {
  /** Variant name in the manifest; default: the pack's default for `device`. */
  variant?: string;
  device?: 'cpu' | 'gpu';
  /** onnxruntime execution providers, e.g. ['cuda', 'cpu']; default ['cpu']. */
  executionProviders?: InferenceSession.ExecutionProviderConfig[];
  intraOpNumThreads?: number;
  /** Cache positions to preallocate (default: the pack's maxTotalIds − 1). */
  capacity?: number;
}

export class OrtLm implements LmStepper {
  readonly vocabSize: number;
  readonly capacity: number;
  readonly component: LmComponent;
  readonly variantName: string;
  private lengthValue = 0;
  private runMsValue = 0;
  private readonly rowSize: number;
  private readonly keys: KvArray[];
  private readonly values: KvArray[];
  private readonly logitsRow: Float32Array;
  private readonly topCache = new Map<number, { k: OrtTensor; values: Float32Array; ids: BigInt64Array; tv: OrtTensor; ti: OrtTensor }>();
  private disposed = false;

  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    component: LmComponent,
    variantName: string,
    private readonly variant: LmVariant,
    capacity: number,
  ) {
    this.component = component;
    this.variantName = variantName;
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
    const capacity = opts.capacity ?? lm.generation.maxTotalIds - 1;
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    const ort = await import('onnxruntime-node');
    const modelFile = variant.files[0] as (typeof variant.files)[number];
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(pack.path(modelFile), {
        executionProviders: opts.executionProviders ?? ['cpu'],
        intraOpNumThreads: opts.intraOpNumThreads,
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      });
    } catch (e) {
      throw new RetakeError(
        'E_ENGINE_UNAVAILABLE',
        `onnxruntime could not load the language model ${modelFile.path}: ${(e as Error).message}`,
      );
    }
    const problems = checkIo(session, variant);
    if (problems.length > 0) {
      await session.release();
      throw new RetakeError(
        'E_ENGINE_UNAVAILABLE',
        `The language model ${modelFile.path} does not match its manifest entry: ${problems.join('; ')}. Re-export the pack.`,
      );
    }
    return new OrtLm(ort, session, lm, name, variant, capacity);
  }

  get length(): number {
    return this.lengthValue;
  }

  get runMs(): number {
    return this.runMsValue;
  }

  reset(): void {
    this.lengthValue = 0;
    this.runMsValue = 0;
  }

  async step(ids: ArrayLike<number>, want: LmStepRequest): Promise<LmStepOutput> {
    if (this.disposed) throw new RetakeError('E_INTERNAL', 'The language model session was already released.');
    const s = ids.length;
    const p = this.lengthValue;
    if (s === 0) throw new RangeError('step needs at least one id');
    if (p + s > this.capacity) {
      throw new RetakeError(
        'E_INPUT_TOO_LONG',
        `The language model's cache holds ${this.capacity} positions; ${p + s} were needed.`,
      );
    }
    const { Tensor } = this.ort;
    const c = this.component.config;
    const kvType = this.variant.kvDtype;
    const row = this.rowSize;
    const idData = new BigInt64Array(s);
    for (let i = 0; i < s; i++) idData[i] = BigInt(ids[i] as number);
    const top = this.topTensors(Math.max(1, want.topK));
    const feeds: Record<string, OrtTensor> = {
      input_ids: new Tensor('int64', idData, [1, s]),
      top_k: top.k,
    };
    const fetches: Record<string, OrtTensor | null> = {};
    for (let l = 0; l < c.numLayers; l++) {
      const k = this.keys[l] as KvArray;
      const v = this.values[l] as KvArray;
      feeds[`past_key_${l}`] = new Tensor(kvType, k.subarray(0, p * row), [p, c.numGroups, c.headDim]);
      feeds[`past_value_${l}`] = new Tensor(kvType, v.subarray(0, p * row), [p, c.numGroups, c.headDim]);
      fetches[`new_key_${l}`] = new Tensor(kvType, k.subarray(p * row, (p + s) * row), [s, c.numGroups, c.headDim]);
      fetches[`new_value_${l}`] = new Tensor(kvType, v.subarray(p * row, (p + s) * row), [s, c.numGroups, c.headDim]);
    }
    if (want.topK > 0) {
      fetches.top_values = top.tv;
      fetches.top_ids = top.ti;
    }
    if (want.logits) fetches.logits = new Tensor('float32', this.logitsRow, [1, this.vocabSize]);
    const t0 = performance.now();
    try {
      await this.session.run(feeds, fetches);
    } catch (e) {
      throw new RetakeError('E_ENGINE_FAILED', `The language model failed to run: ${(e as Error).message}`);
    } finally {
      this.runMsValue += performance.now() - t0;
    }
    this.lengthValue = p + s;
    return { topValues: top.values, topIds: top.ids, logits: want.logits ? this.logitsRow : null };
  }

  /** Reused TopK input/output tensors for one k. */
  private topTensors(k: number) {
    let t = this.topCache.get(k);
    if (!t) {
      const { Tensor } = this.ort;
      const values = new Float32Array(k);
      const ids = new BigInt64Array(k);
      t = {
        k: new Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]),
        values,
        ids,
        tv: new Tensor('float32', values, [1, k]),
        ti: new Tensor('int64', ids, [1, k]),
      };
      this.topCache.set(k, t);
    }
    return t;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}

/** Differences between the session's declared inputs/outputs and the manifest's variant entry. */
export function checkIo(session: Pick<InferenceSession, 'inputNames' | 'outputNames'>, variant: LmVariant): string[] {
  const problems: string[] = [];
  const cmp = (kind: string, got: readonly string[], want: readonly string[]): void => {
    const g = new Set(got);
    const w = new Set(want);
    const missing = want.filter((n) => !g.has(n));
    const extra = got.filter((n) => !w.has(n));
    if (missing.length) problems.push(`${kind} missing in the graph: ${missing.join(', ')}`);
    if (extra.length) problems.push(`${kind} not in the manifest: ${extra.join(', ')}`);
  };
  cmp('inputs', session.inputNames, variant.inputs.map((i) => i.name));
  cmp('outputs', session.outputNames, variant.outputs.map((o) => o.name));
  return problems;
}
