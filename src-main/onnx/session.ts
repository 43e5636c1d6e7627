// Opening and running one ONNX graph: the providers tried in turn (./providers), the graph's inputs and outputs
// checked against the caller's spec (./spec), `run` with typed feeds and outputs whose failure names every input's
// dtype and shape, tensors made with the loaded runtime, and release. The only wrapper of onnxruntime's
// InferenceSession in the app; stages of a model pack get theirs through ./registry.

import { RetakeError } from '../contract/errors';
import { recordChoice } from './choices';
import {
  attemptName,
  failureNotes,
  isPreference,
  providerAttempts,
  providerName,
  providerReason,
  providerTitle,
  type ProviderChoice,
  type ProviderFailure,
} from './providers';
import {
  firstLine,
  loadOnnxRuntime,
  type OnnxDataOf,
  type OnnxTensor,
  type OnnxTensorType,
  type Ort,
  type ProviderConfig,
  type RawSession,
  type RawSessionOptions,
  type TypedOnnxTensor,
} from './runtime';
import { checkGraphIo, type GraphSpec, type InputName, type OutputName } from './spec';

export interface OpenSessionOptions {
  /** Default 'cpu'. */
  providers?: ProviderChoice;
  /** How errors name the model, e.g. "the voice-activity model /…/silero.onnx"; default: the file, or "the model". */
  label?: string;
  /** Where the spec comes from, as error sentences name it ("… in the manifest"); default "declared spec". */
  declaredIn?: string;
  /** A sentence appended to a spec mismatch, e.g. "Re-export the pack." */
  mismatchHint?: string;
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  executionMode?: RawSessionOptions['executionMode'];
  graphOptimizationLevel?: RawSessionOptions['graphOptimizationLevel'];
}

export type Feeds<I extends string> = Record<I, OnnxTensor>;
/** Preallocated outputs: onnxruntime writes into them (null: let it allocate that one). */
export type Fetches<O extends string> = Partial<Record<O, OnnxTensor | null>>;
export type Outputs<O extends string> = Record<O, OnnxTensor>;

/** Element type and dimensions of each tensor, for error messages: "input_ids int64 [1,5]". */
export function describeTensors(values: Readonly<Record<string, OnnxTensor | null | undefined>>): string {
  return Object.entries(values)
    .map(([name, t]) => (t ? `${name} ${t.type} [${t.dims.join(',')}]` : `${name} (allocated by onnxruntime)`))
    .join(', ');
}

function capitalized(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export class OnnxSession<I extends string = string, O extends string = string> {
  /** The provider the session was created with ('cpu', 'cuda', 'dml', 'coreml', …). */
  readonly provider: string;
  /** Why provider attempts before it did not start ('cuda+cpu: <reason>'); empty when the first one did. */
  readonly providerNotes: readonly string[];
  /** One sentence: where the model runs and why ("runs on the CPU because CUDA did not start (…)"). */
  readonly providerReason: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Called after every run, failed or not (the registry's memory accounting). */
  afterRun: (() => void) | null = null;
  private released = false;

  /** @internal Use openSession. */
  constructor(
    private readonly ort: Ort,
    private readonly raw: RawSession,
    readonly label: string,
    choice: ProviderChoice,
    used: ProviderConfig,
    failures: readonly ProviderFailure[],
  ) {
    this.provider = providerName(used);
    this.providerNotes = failureNotes(failures);
    this.providerReason = providerReason(choice, used, failures);
    this.inputNames = raw.inputNames;
    this.outputNames = raw.outputNames;
  }

  /** A CPU tensor over `data` (not copied). */
  tensor<T extends Exclude<OnnxTensorType, 'string'>>(type: T, data: OnnxDataOf<T>, dims: readonly number[]): TypedOnnxTensor<T> {
    return new this.ort.Tensor(type as 'float32', data as Float32Array, dims) as unknown as TypedOnnxTensor<T>;
  }

  /**
   * Runs the graph. With `fetches`, onnxruntime writes those outputs into the given tensors and returns only them.
   * A failure is an E_ENGINE_FAILED naming the model, onnxruntime's reason and every input's dtype and shape.
   */
  run(feeds: Feeds<I>): Promise<Outputs<O>>;
  run(feeds: Feeds<I>, fetches: Fetches<O>): Promise<Partial<Outputs<O>>>;
  async run(feeds: Feeds<I>, fetches?: Fetches<O>): Promise<Partial<Outputs<O>>> {
    if (this.released) throw new RetakeError('E_INTERNAL', `${capitalized(this.label)} was already released; it cannot run.`);
    try {
      const out = fetches ? await this.raw.run(feeds, fetches) : await this.raw.run(feeds);
      return out as Partial<Outputs<O>>;
    } catch (e) {
      const inputs = describeTensors(feeds);
      const outputs = fetches ? describeTensors(fetches) : '';
      throw new RetakeError(
        'E_ENGINE_FAILED',
        `${capitalized(this.label)} failed to run: ${firstLine((e as Error)?.message ?? String(e))}. Inputs: ${inputs}.` +
          (outputs ? ` Preallocated outputs: ${outputs}.` : ''),
        {
          inputs: Object.entries(feeds as Record<string, OnnxTensor>).map(([name, t]) => ({ name, dtype: t.type, dims: [...t.dims] })),
        },
      );
    } finally {
      this.afterRun?.();
    }
  }

  get isReleased(): boolean {
    return this.released;
  }

  /** Frees the session's memory; later runs fail. Safe to call twice. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.raw.release();
  }
}

/**
 * Opens a graph (a file path, or its bytes: a packaged app's files inside app.asar can only be read by Electron's fs)
 * on the first provider attempt that starts, and checks its inputs and outputs against `spec`. Failures are
 * E_ENGINE_UNAVAILABLE sentences: which providers were tried and why each failed, or which tensors do not match.
 */
export async function openSession<const S extends GraphSpec>(
  source: string | Uint8Array,
  spec: S,
  opts: OpenSessionOptions = {},
): Promise<OnnxSession<InputName<S>, OutputName<S>>> {
  const label = opts.label ?? (typeof source === 'string' ? source : 'the model');
  const choice = opts.providers ?? 'cpu';
  const attempts = providerAttempts(choice);
  if (attempts.length === 0) {
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      `onnxruntime has no GPU execution provider for ${process.platform} ${process.arch}; use the CPU.`,
    );
  }
  const ort = await loadOnnxRuntime();
  const failures: ProviderFailure[] = [];
  let raw: RawSession | null = null;
  let used: ProviderConfig = 'cpu';
  for (const eps of attempts) {
    const options: RawSessionOptions = {
      executionProviders: eps,
      graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all',
      logSeverityLevel: 3,
      // The binding rejects option keys whose value is undefined.
      ...(opts.intraOpNumThreads !== undefined ? { intraOpNumThreads: opts.intraOpNumThreads } : {}),
      ...(opts.interOpNumThreads !== undefined ? { interOpNumThreads: opts.interOpNumThreads } : {}),
      ...(opts.executionMode !== undefined ? { executionMode: opts.executionMode } : {}),
    };
    try {
      // Two calls because create's path and bytes forms are separate overloads.
      raw = typeof source === 'string' ? await ort.InferenceSession.create(source, options) : await ort.InferenceSession.create(source, options);
      used = eps[0] ?? 'cpu';
      break;
    } catch (e) {
      failures.push({ attempt: eps, reason: firstLine((e as Error)?.message ?? String(e)) });
    }
  }
  if (!raw) {
    const tried = attempts.flat().map(providerName);
    const what =
      choice === 'gpu'
        ? 'on the GPU'
        : isPreference(choice)
          ? `on ${providerTitle(choice.prefer)} or the CPU`
          : choice === 'auto'
            ? 'on the GPU or the CPU'
            : `with ${attempts[0]!.map(providerName).join(', ')}`;
    const hint =
      choice !== 'gpu' ? '' : tried.includes('cuda') ? ' Use the CPU, or install onnxruntime\'s CUDA provider with "npm run setup:gpu".' : ' Use the CPU.';
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      `onnxruntime could not load ${label} ${what} (${failureNotes(failures).join('; ')}).${hint}`,
      { attempts: attempts.map(attemptName) },
    );
  }
  const problems = checkGraphIo(raw, spec, opts.declaredIn);
  if (problems.length > 0) {
    await raw.release();
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      `${capitalized(label)} does not match its ${opts.declaredIn ?? 'declared spec'}: ${problems.join('; ')}.${opts.mismatchHint ? ` ${opts.mismatchHint}` : ''}`,
      { problems },
    );
  }
  const session = new OnnxSession<InputName<S>, OutputName<S>>(ort, raw, label, choice, used, failures);
  recordChoice({ label, provider: session.provider, reason: session.providerReason });
  return session;
}
