// The decoder's and vocoder's graphs on the shared ONNX layer (src-main/onnx): the sessions of the pack's decoder
// stages ('flowEncoder', 'flowEstimator', 'flowSpeaker', 'hiftF0', 'hiftTrunk', 'campplus'; pack/sessions.ts), each
// checked against its manifest entry when it opens, and a small runner over one session that takes plain typed arrays
// and keeps the time spent inside its runs (wall time and the process's CPU time, for the benchmark's split).

import { RetakeError } from '../../../contract/errors';
import { openSession, type OnnxSession, type ProviderChoice, type SessionRegistry } from '../../../onnx';
import type { ModelPack } from '../pack/load';
import type { GraphEntry } from '../pack/manifest';

export type DecoderStage = 'flowEncoder' | 'flowEstimator' | 'flowSpeaker' | 'hiftF0' | 'hiftTrunk' | 'campplus';

export interface GraphOptions {
  /** Default 'cpu'. */
  providers?: ProviderChoice;
  intraOpNumThreads?: number;
}

export type Feed =
  | { type: 'float32'; data: Float32Array; dims: readonly number[] }
  | { type: 'int64'; data: BigInt64Array; dims: readonly number[] };

export interface Fetched {
  data: Float32Array;
  dims: number[];
}

function stageEntry(pack: ModelPack, stage: DecoderStage): { entry: GraphEntry; label: string } {
  const { flow, vocoder, speakerEncoder } = pack.manifest.components;
  const missing = (what: string): RetakeError =>
    new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack in ${pack.dir} has no ${what}.`);
  switch (stage) {
    case 'flowEncoder':
      if (!flow) throw missing('flow (components.flow)');
      return { entry: flow.graphs.encoder, label: 'the flow encoder' };
    case 'flowEstimator':
      if (!flow) throw missing('flow (components.flow)');
      return { entry: flow.graphs.estimator, label: 'the flow estimator' };
    case 'flowSpeaker':
      if (!flow) throw missing('flow (components.flow)');
      return { entry: flow.graphs.speaker, label: 'the speaker projection' };
    case 'hiftF0':
      if (!vocoder) throw missing('vocoder (components.vocoder)');
      return { entry: vocoder.graphs.f0, label: 'the HiFT F0 predictor' };
    case 'hiftTrunk':
      if (!vocoder) throw missing('vocoder (components.vocoder)');
      return { entry: vocoder.graphs.trunk, label: 'the HiFT trunk' };
    case 'campplus':
      if (!speakerEncoder) throw missing('speaker encoder (components.speakerEncoder, campplus.onnx)');
      return { entry: speakerEncoder, label: speakerEncoder.standIn ? 'the CAM++ stand-in' : 'CAM++' };
  }
}

/** The session of one decoder stage, its I/O checked against the manifest entry. */
export function openDecoderSession(pack: ModelPack, stage: DecoderStage, opts: GraphOptions = {}): Promise<OnnxSession> {
  const { entry, label } = stageEntry(pack, stage);
  const file = entry.files[0] as GraphEntry['files'][number];
  return openSession(pack.path(file), entry, {
    providers: opts.providers ?? 'cpu',
    label: `${label} ${file.path}`,
    declaredIn: 'manifest',
    mismatchHint: 'Re-export the pack.',
    ...(opts.intraOpNumThreads !== undefined ? { intraOpNumThreads: opts.intraOpNumThreads } : {}),
  });
}

/** Where a decoder gets its sessions: opened for it (and released with it), or a registry's stages. */
export type SessionSource = { pack: ModelPack; opts?: GraphOptions } | { registry: Pick<SessionRegistry<DecoderStage>, 'get'> };

export class DecoderGraph {
  /** Milliseconds inside this graph's runs since it was opened: wall time, and the process's CPU time. */
  runMs = 0;
  runCpuMs = 0;

  private constructor(
    private readonly session: OnnxSession,
    /** Whether release() releases the session (not when a registry owns it). */
    private readonly owns: boolean,
  ) {}

  static async open(stage: DecoderStage, src: SessionSource): Promise<DecoderGraph> {
    if ('registry' in src) return new DecoderGraph(await src.registry.get(stage), false);
    return new DecoderGraph(await openDecoderSession(src.pack, stage, src.opts), true);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  get provider(): string {
    return this.session.provider;
  }

  /**
   * Runs with feeds by name; returns the named outputs (float32) with their dimensions. Outputs given as buffers
   * with their dimensions are written in place by onnxruntime (no allocation per run).
   */
  async run(feeds: Record<string, Feed>, outputs: readonly string[] | Record<string, Fetched>): Promise<Record<string, Fetched>> {
    const s = this.session;
    const f: Record<string, ReturnType<OnnxSession['tensor']>> = {};
    for (const [k, v] of Object.entries(feeds)) f[k] = v.type === 'int64' ? s.tensor('int64', v.data, v.dims) : s.tensor('float32', v.data, v.dims);
    const names = Array.isArray(outputs) ? (outputs as readonly string[]) : Object.keys(outputs);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let res: Record<string, { type: string; data: unknown; dims: readonly number[] } | undefined>;
    try {
      if (Array.isArray(outputs)) res = await s.run(f);
      else {
        const fetches: Record<string, ReturnType<OnnxSession['tensor']>> = {};
        for (const [k, v] of Object.entries(outputs as Record<string, Fetched>)) fetches[k] = s.tensor('float32', v.data, v.dims);
        res = await s.run(f, fetches);
      }
    } finally {
      this.runMs += performance.now() - t0;
      const c = process.cpuUsage(c0);
      this.runCpuMs += (c.user + c.system) / 1000;
    }
    const out: Record<string, Fetched> = {};
    for (const name of names) {
      const t = res[name];
      if (!t || t.type !== 'float32') throw new RetakeError('E_ENGINE_FAILED', `${s.label} gave no float32 output ${name}.`);
      out[name] = { data: t.data as Float32Array, dims: t.dims.map(Number) };
    }
    return out;
  }

  async release(): Promise<void> {
    if (this.owns) await this.session.release();
  }
}
