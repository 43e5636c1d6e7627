// The Step1 ONNX graph on onnxruntime-node with a preallocated, fixed-capacity KV cache (an LmStepper for ./decode).
//
// Cache layout: per layer one key and one value buffer of capacity × groups × headDim, time-major, so the first P
// positions are one contiguous prefix. Each run feeds `past_*` as views of that prefix and passes views of the next
// S rows as the preallocated `new_*` outputs, so onnxruntime writes the new keys/values straight into the cache: no
// JavaScript copy, and the per-step work outside the run does not grow with the context (tools/export/README.md,
// "Graph I/O"; measured in bench/lm).
//
// Execution providers: with `device: 'gpu'` and no explicit list, the GPU providers of the platform are tried in turn
// (see executionProvidersFor), each with 'cpu' after it for the nodes it does not take; a GPU provider that cannot
// start (e.g. the CUDA libraries are absent) moves on to the next, and when none starts the error names each one and
// why. `executionProvider` says which provider the session was created with. onnxruntime-node 1.30 does not report
// how nodes were assigned, so part of a GPU session may still run on its CPU fallback.

import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { RetakeError } from '../../../contract/errors';
import type { GenerationSettings, LmComponent, LmVariant } from '../pack/manifest';
import type { ModelPack } from '../pack/load';
import { verifyPackFiles } from '../pack/load';
import type { GenerateOptions, GenerateResult, LmStepOutput, LmStepRequest, LmStepper } from './decode';
import { generate } from './decode';

type Ort = typeof import('onnxruntime-node');
type KvArray = Float32Array | Uint16Array;
type ProviderConfig = InferenceSession.ExecutionProviderConfig;

export type LmDevice = 'cpu' | 'gpu';

export interface OrtLmOptions {
  /** Variant name in the manifest; default: the pack's default for `device`. */
  variant?: string;
  /** Default 'cpu'. 'gpu' picks the pack's GPU variant and the platform's GPU providers. */
  device?: LmDevice;
  /** onnxruntime execution providers, e.g. ['cuda', 'cpu'], used as given; default: derived from `device`. */
  executionProviders?: ProviderConfig[];
  intraOpNumThreads?: number;
  /**
   * Most ids (prompt + output) one generation may reach; the cache holds maxTotalIds − 1 positions.
   * Default: the pack's generation.maxTotalIds.
   */
  maxTotalIds?: number;
}

/**
 * The execution providers for a device on a platform, in order of preference, 'cpu' last. GPU providers: CUDA where
 * onnxruntime-node ships it (linux x64, win32 x64), DirectML on Windows, CoreML on macOS.
 */
export function executionProvidersFor(
  device: LmDevice,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string[] {
  if (device === 'cpu') return ['cpu'];
  const gpu: string[] = [];
  if ((platform === 'linux' || platform === 'win32') && arch === 'x64') gpu.push('cuda');
  if (platform === 'win32') gpu.push('dml');
  if (platform === 'darwin') gpu.push('coreml');
  return [...gpu, 'cpu'];
}

function providerName(p: ProviderConfig): string {
  return typeof p === 'string' ? p : p.name;
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
  private readonly topCache = new Map<number, { k: OrtTensor; values: Float32Array; ids: BigInt64Array; tv: OrtTensor; ti: OrtTensor }>();
  private disposed = false;

  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    component: LmComponent,
    variantName: string,
    private readonly variant: LmVariant,
    capacity: number,
    provider: { name: string; notes: string[] },
  ) {
    this.component = component;
    this.variantName = variantName;
    this.generation = { ...component.generation, maxTotalIds: capacity + 1 };
    this.prefillChunk = component.runtime.prefillChunk;
    this.executionProvider = provider.name;
    this.providerNotes = provider.notes;
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
    const device = opts.device ?? 'cpu';
    const name = opts.variant ?? lm.defaultVariant[device];
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
    const maxTotalIds = opts.maxTotalIds ?? lm.generation.maxTotalIds;
    if (!Number.isInteger(maxTotalIds) || maxTotalIds < 2) {
      throw new RetakeError('E_VALIDATION', `maxTotalIds must be a whole number of at least 2, got ${maxTotalIds}.`);
    }
    const capacity = maxTotalIds - 1;
    // A pack opened for other variants has not had this one's files checked (an fp16-only download opened for fp16).
    if (!pack.verifiedVariants.includes(name)) await verifyPackFiles(pack.dir, variant.files, 'size');
    let attempts: ProviderConfig[][];
    if (opts.executionProviders) {
      attempts = [opts.executionProviders];
    } else {
      const list = executionProvidersFor(device);
      const gpu = list.filter((p) => p !== 'cpu');
      if (device === 'gpu' && gpu.length === 0) {
        throw new RetakeError(
          'E_ENGINE_UNAVAILABLE',
          `onnxruntime has no GPU execution provider for ${process.platform} ${process.arch}; use the CPU.`,
        );
      }
      attempts = device === 'gpu' ? gpu.map((p) => [p, 'cpu']) : [list];
    }
    const ort = await import('onnxruntime-node');
    const modelFile = variant.files[0] as (typeof variant.files)[number];
    const notes: string[] = [];
    let session: InferenceSession | null = null;
    let used = '';
    for (const eps of attempts) {
      try {
        session = await ort.InferenceSession.create(pack.path(modelFile), {
          executionProviders: eps,
          // The binding rejects an intraOpNumThreads key whose value is undefined.
          ...(opts.intraOpNumThreads !== undefined ? { intraOpNumThreads: opts.intraOpNumThreads } : {}),
          graphOptimizationLevel: 'all',
          logSeverityLevel: 3,
        });
        used = providerName(eps[0] ?? 'cpu');
        break;
      } catch (e) {
        notes.push(`${eps.map(providerName).join('+')}: ${firstLine((e as Error).message)}`);
      }
    }
    if (!session) {
      const derived = device === 'gpu' && !opts.executionProviders;
      const what = derived ? 'on the GPU' : `with ${attempts[0]!.map(providerName).join(', ')}`;
      const tried = attempts.flat().map(providerName);
      const hint = !derived ? '' : tried.includes('cuda')
        ? ' Use the CPU, or install onnxruntime\'s CUDA provider with "npm run setup:gpu".'
        : ' Use the CPU.';
      throw new RetakeError(
        'E_ENGINE_UNAVAILABLE',
        `onnxruntime could not load the language model ${modelFile.path} ${what} (${notes.join('; ')}).${hint}`,
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
    return new OrtLm(ort, session, lm, name, variant, capacity, { name: used, notes });
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
    this.running = true;
    try {
      await this.session.run(feeds, fetches);
    } catch (e) {
      throw new RetakeError('E_ENGINE_FAILED', `The language model failed to run: ${(e as Error).message}`);
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
    if (this.running) throw busy();
    this.disposed = true;
    await this.session.release();
  }
}

function busy(): RetakeError {
  return new RetakeError(
    'E_JOB_ACTIVE',
    'The language model is busy with another run; wait for it to finish or cancel it first.',
  );
}

function firstLine(s: string): string {
  // onnxruntime appends its log (starting with a terminal colour code) to some messages; what precedes it says it.
  return (s.split(new RegExp('\\n|' + String.fromCharCode(0x1b) + '\\['))[0] ?? s).trim();
}

type SessionIo = Pick<InferenceSession, 'inputNames' | 'outputNames'> &
  Partial<Pick<InferenceSession, 'inputMetadata' | 'outputMetadata'>>;

/**
 * Differences between the session's inputs/outputs and the manifest's variant entry: names, and where the session
 * gives metadata, element types, ranks and fixed dimensions.
 */
export function checkIo(session: SessionIo, variant: LmVariant): string[] {
  const problems: string[] = [];
  const cmp = (
    kind: 'input' | 'output',
    got: readonly string[],
    meta: readonly InferenceSession.ValueMetadata[] | undefined,
    want: LmVariant['inputs'],
  ): void => {
    const g = new Set(got);
    const w = new Set(want.map((t) => t.name));
    const missing = want.filter((t) => !g.has(t.name)).map((t) => t.name);
    const extra = got.filter((n) => !w.has(n));
    if (missing.length) problems.push(`${kind}s missing in the graph: ${missing.join(', ')}`);
    if (extra.length) problems.push(`${kind}s not in the manifest: ${extra.join(', ')}`);
    const byName = new Map((meta ?? []).map((m) => [m.name, m]));
    for (const t of want) {
      const m = byName.get(t.name);
      if (!m) continue;
      if (!m.isTensor) {
        problems.push(`${kind} ${t.name} is not a tensor in the graph`);
        continue;
      }
      if (m.type !== t.dtype) {
        problems.push(`${kind} ${t.name} is ${m.type} in the graph but ${t.dtype} in the manifest`);
        continue;
      }
      // An empty shape means the graph does not declare one.
      if (m.shape.length === 0) continue;
      if (m.shape.length !== t.shape.length) {
        problems.push(`${kind} ${t.name} has ${m.shape.length} dimensions in the graph but ${t.shape.length} in the manifest`);
        continue;
      }
      m.shape.forEach((d, i) => {
        const e = t.shape[i];
        if (typeof d === 'number' && typeof e === 'number' && d !== e) {
          problems.push(`${kind} ${t.name} has dimension ${i} of ${d} in the graph but ${e} in the manifest`);
        }
      });
    }
  };
  cmp('input', session.inputNames, session.inputMetadata, variant.inputs);
  cmp('output', session.outputNames, session.outputMetadata, variant.outputs);
  return problems;
}
