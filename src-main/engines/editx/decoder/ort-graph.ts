// The decoder's and vocoder's only onnxruntime calls: open one pack graph (lazy import, execution providers with a
// CPU fallback and the reason each earlier one failed, I/O checked against the manifest entry), run it with named
// float32/int64 tensors, release it. Kept in one file until the shared ONNX layer (src-main/onnx/) exists, so moving
// onto it touches nothing else.

import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { RetakeError } from '../../../contract/errors';
import { checkIo, executionProvidersFor } from '../lm/ort-lm';
import type { LmDevice } from '../lm/ort-lm';
import type { ModelPack } from '../pack/load';
import type { GraphEntry } from '../pack/manifest';

type Ort = typeof import('onnxruntime-node');
type ProviderConfig = InferenceSession.ExecutionProviderConfig;

export interface GraphOptions {
  /** Default 'cpu'; 'gpu' tries the platform's GPU providers, each with the CPU for the nodes it does not take. */
  device?: LmDevice;
  /** Used as given when set (e.g. ['cuda', 'cpu']). */
  executionProviders?: ProviderConfig[];
  intraOpNumThreads?: number;
}

export type Feed =
  | { type: 'float32'; data: Float32Array; dims: readonly number[] }
  | { type: 'int64'; data: BigInt64Array; dims: readonly number[] };

export interface Fetched {
  data: Float32Array;
  dims: number[];
}

let ortModule: Promise<Ort> | null = null;
function loadOrt(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node');
  return ortModule;
}

function firstLine(s: string): string {
  // onnxruntime appends its log (starting with a terminal colour code) to some messages; what precedes it says it.
  return (s.split('\n')[0]?.split('\u001b[')[0] ?? s).trim();
}

function providerName(p: ProviderConfig): string {
  return typeof p === 'string' ? p : p.name;
}

export class OrtGraph {
  /** Milliseconds spent inside session.run since the graph was opened: wall time, and the process's CPU time. */
  runMs = 0;
  runCpuMs = 0;
  private released = false;

  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    /** What the errors call this graph, e.g. "the flow estimator (flow_estimator.onnx)". */
    readonly label: string,
    readonly executionProvider: string,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {}

  /**
   * Opens `entry` of `pack`. With `byPosition`, the graph's own names are used and only the counts, types and ranks
   * are checked (the published CAM++ is bound that way, as the reference binds it).
   */
  static async open(pack: ModelPack, entry: GraphEntry, label: string, opts: GraphOptions = {}, byPosition = false): Promise<OrtGraph> {
    const ort = await loadOrt();
    const file = entry.files[0] as GraphEntry['files'][number];
    const device = opts.device ?? 'cpu';
    let attempts: ProviderConfig[][];
    if (opts.executionProviders) attempts = [opts.executionProviders];
    else {
      const list = executionProvidersFor(device);
      const gpu = list.filter((p) => p !== 'cpu');
      attempts = device === 'gpu' && gpu.length > 0 ? [...gpu.map((p) => [p, 'cpu']), ['cpu']] : [['cpu']];
    }
    const notes: string[] = [];
    for (const eps of attempts) {
      try {
        const session = await ort.InferenceSession.create(pack.path(file), {
          executionProviders: eps,
          ...(opts.intraOpNumThreads !== undefined ? { intraOpNumThreads: opts.intraOpNumThreads } : {}),
          graphOptimizationLevel: 'all',
          logSeverityLevel: 3,
        });
        const problems = byPosition ? checkByPosition(session, entry) : checkIo(session, entry);
        if (problems.length > 0) {
          await session.release();
          throw new RetakeError(
            'E_ENGINE_UNAVAILABLE',
            `${label} does not match its manifest entry: ${problems.join('; ')}. Re-export the pack.`,
          );
        }
        return new OrtGraph(ort, session, `${label} (${file.path})`, providerName(eps[0] ?? 'cpu'), session.inputNames, session.outputNames);
      } catch (e) {
        if (e instanceof RetakeError) throw e;
        notes.push(`${eps.map(providerName).join('+')}: ${firstLine((e as Error).message)}`);
      }
    }
    throw new RetakeError('E_ENGINE_UNAVAILABLE', `onnxruntime could not load ${label} (${file.path}): ${notes.join('; ')}.`);
  }

  /**
   * Runs with feeds by name; returns the named outputs (float32) with their dimensions. Outputs given as buffers
   * with their dimensions are written in place by onnxruntime (no allocation per run).
   */
  async run(feeds: Record<string, Feed>, outputs: readonly string[] | Record<string, Fetched>): Promise<Record<string, Fetched>> {
    if (this.released) throw new RetakeError('E_INTERNAL', `${this.label} was already released.`);
    const { Tensor } = this.ort;
    const f: Record<string, OrtTensor> = {};
    for (const [k, v] of Object.entries(feeds)) f[k] = new Tensor(v.type, v.data, v.dims);
    const names = Array.isArray(outputs) ? (outputs as readonly string[]) : Object.keys(outputs);
    let fetches: string[] | Record<string, OrtTensor> = names as string[];
    if (!Array.isArray(outputs)) {
      fetches = {};
      for (const [k, v] of Object.entries(outputs as Record<string, Fetched>)) fetches[k] = new Tensor('float32', v.data, v.dims);
    }
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let res: InferenceSession.OnnxValueMapType;
    try {
      res = await this.session.run(f, fetches);
    } catch (e) {
      const shapes = Object.entries(feeds).map(([k, v]) => `${k} [${v.dims.join(', ')}]`).join(', ');
      throw new RetakeError('E_ENGINE_FAILED', `${this.label} failed to run on ${shapes}: ${firstLine((e as Error).message)}`);
    } finally {
      this.runMs += performance.now() - t0;
      const c = process.cpuUsage(c0);
      this.runCpuMs += (c.user + c.system) / 1000;
    }
    const out: Record<string, Fetched> = {};
    for (const name of names) {
      const t = res[name] as OrtTensor | undefined;
      if (!t || t.type !== 'float32') {
        throw new RetakeError('E_ENGINE_FAILED', `${this.label} gave no float32 output ${name}.`);
      }
      out[name] = { data: t.data as Float32Array, dims: t.dims.map(Number) };
    }
    return out;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}

function checkByPosition(session: Pick<InferenceSession, 'inputNames' | 'outputNames' | 'inputMetadata' | 'outputMetadata'>, entry: GraphEntry): string[] {
  const problems: string[] = [];
  const side = (kind: string, meta: readonly InferenceSession.ValueMetadata[], want: GraphEntry['inputs']): void => {
    if (meta.length < want.length) problems.push(`the graph has ${meta.length} ${kind}s, the manifest ${want.length}`);
    want.forEach((t, i) => {
      const m = meta[i];
      if (!m || !m.isTensor) return;
      if (m.type !== t.dtype) problems.push(`${kind} ${i} is ${m.type}, the manifest says ${t.dtype}`);
      else if (m.shape.length && m.shape.length !== t.shape.length) {
        problems.push(`${kind} ${i} has ${m.shape.length} dimensions, the manifest ${t.shape.length}`);
      }
    });
  };
  side('input', session.inputMetadata, entry.inputs);
  side('output', session.outputMetadata, entry.outputs);
  return problems;
}
