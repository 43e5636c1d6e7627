// What an engine host does for each request: decode, run an engine (through the one edit loop), measure, write files.
// Independent of how messages arrive, so the host entry (child_process or Electron utilityProcess) and tests share
// it. The handlers are one table keyed by request type whose return types are the protocol's `HostResults`, so a
// handler returning the wrong shape does not compile. A worker with a role lists and runs only that role's engines.

import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { RetakeError, toErrorPayload } from '../../contract/errors';
import { decodeFile, type AudioFormat } from '../../audio/decode';
import { decodeFileStreaming, type PeaksUpdate } from '../../audio/decode-stream';
import { encodeWav } from '../../audio/wav';
import { computePeaks, serializePeaks } from '../../audio/peaks';
import { analyze } from '../../audio/analysis';
import { renderToFile } from '../../audio/render';
import { frameCount, type AudioData } from '../../audio/types';
import { packInstallCall, packRemoveCall, packVerifyCall, packsCall } from '../editx/pack/host-calls';
import { modelsDir } from '../editx/pack/installed';
import { providerOptions, recentChoices } from '../../onnx';
import { ANALYSIS_MAX_SEC, measure, runEditLoop, sliceFrames, type Analyzer } from '../edit-loop';
import { EngineRegistry } from '../registry';
import type { Engine, HostRole } from '../types';
import type {
  AudioFacts,
  CallRequest,
  EditResult,
  HostCallType,
  HostMessage,
  HostRequest,
  HostResults,
  RequestOf,
} from './protocol';

/** Samples per peak pair in the cache: ~188 pairs per second at 48 kHz, enough for close zoom on a clip. */
export const PEAKS_SAMPLES_PER_PEAK = 256;

/** An import measures at most this much of a file's beginning, as every take is measured (edit-loop.ts). */
export const IMPORT_ANALYSIS_MAX_SEC = ANALYSIS_MAX_SEC;
/** Share of an inspect's progress given to decoding when it measures the file afterwards. */
const DECODE_SHARE_BEFORE_ANALYSIS = 0.8;

export interface CallContext {
  signal: AbortSignal;
  progress: (value: number, stage?: string | null) => void;
}

/** One handler per call type, returning that call's result type. */
export type HostHandlers = { [T in HostCallType]: (req: RequestOf<T>, ctx: CallContext) => Promise<HostResults[T]> };

export class HostWorker {
  private readonly controllers = new Map<number, AbortController>();
  private readonly handlers: HostHandlers = {
    engines: async () => this.registry.capabilities().filter((c) => this.role === null || c.role === this.role),
    inspect: (req, ctx) => this.inspect(req, ctx),
    edit: (req, ctx) => this.edit(req, ctx),
    export: (req) => this.exportAudio(req),
    packs: (req) => packsCall(req),
    packInstall: (req, ctx) => packInstallCall(req, ctx),
    packVerify: (req, ctx) => packVerifyCall(req, ctx),
    packRemove: (req) => packRemoveCall(req),
    packRelease: async (req) => ({ released: await this.registry.releasePack(join(modelsDir(req.home), req.name)) }),
    providers: async (req) => ({
      setting: req.setting,
      platform: `${process.platform} ${process.arch}`,
      options: providerOptions(),
      sessions: recentChoices().map((c) => ({ stage: c.label, provider: c.provider, reason: c.reason })),
    }),
    render: ({ type: _t, callId: _c, ...req }, { signal, progress }) => renderToFile(req, { signal, progress }),
  };

  constructor(
    private readonly send: (msg: HostMessage) => void,
    private readonly registry: EngineRegistry = EngineRegistry.fromEnv(),
    private readonly analyzer: Analyzer = analyze,
    /** The host's role; null (tests, one host for everything) runs every engine. */
    private readonly role: HostRole | null = null,
  ) {}

  handle(req: HostRequest): void {
    if (req.type === 'cancel') {
      this.controllers.get(req.callId)?.abort();
      return;
    }
    if (req.type === 'crash') {
      process.exit(71);
    }
    const ac = new AbortController();
    this.controllers.set(req.callId, ac);
    const handler = this.handlers[req.type] as (r: CallRequest, ctx: CallContext) => Promise<HostResults[HostCallType]>;
    handler(req, { signal: ac.signal, progress: this.progressFor(req.callId) })
      .then((result) => this.send({ type: 'result', callId: req.callId, result }))
      .catch((e: unknown) => {
        const aborted = ac.signal.aborted;
        this.send({
          type: 'error',
          callId: req.callId,
          error: aborted ? { code: 'E_CANCELLED', message: 'Cancelled.' } : toErrorPayload(e),
        });
      })
      .finally(() => this.controllers.delete(req.callId));
  }

  private progressFor(callId: number): (value: number, stage?: string | null) => void {
    let last = 0;
    let lastSent = 0;
    let lastStage: string | null = null;
    return (value, stage = null) => {
      // Monotonic and clamped, whatever the engine reports; at most ~20 messages a second, but never drop the
      // first report of a new stage (it may precede a long blocking run).
      const v = Math.min(1, Math.max(last, Number.isFinite(value) ? value : last));
      const newStage = stage !== null && stage !== lastStage;
      if (v <= last && !newStage && lastSent > 0) return;
      last = v;
      const now = Date.now();
      if (now - lastSent < 50 && v < 1 && !newStage) return;
      lastSent = now;
      if (stage !== null) lastStage = stage;
      this.send({ type: 'progress', callId, value: v, stage: stage ?? lastStage });
    };
  }

  /**
   * Decodes the file as it is read (copying it to `copyTo` on the way), streaming its waveform when asked; the last
   * waveform message waits until the peaks cache is written. Measuring comes after, on at most the first
   * IMPORT_ANALYSIS_MAX_SEC seconds.
   */
  private async inspect(req: RequestOf<'inspect'>, { signal, progress }: CallContext): Promise<HostResults['inspect']> {
    const decodeShare = req.analyze ? DECODE_SHARE_BEFORE_ANALYSIS : 1;
    const sendPeaks = (u: PeaksUpdate, final: boolean): void => {
      const { sampleRate, frames, bucketFrames, start, pairs, overview } = u;
      this.send({ type: 'peaks', callId: req.callId, sampleRate, frames, bucketFrames, start, pairs, overview, final });
    };
    let last: PeaksUpdate | null = null;
    const r = await decodeFileStreaming(req.input, {
      name: req.name ?? req.input,
      signal,
      copyTo: req.copyTo ?? null,
      samplesPerPeak: PEAKS_SAMPLES_PER_PEAK,
      keepSeconds: req.analyze ? IMPORT_ANALYSIS_MAX_SEC : 0,
      onProgress: (f) => progress(f * decodeShare, 'decoding'),
      onPeaks: req.streamPeaks
        ? (u) => {
            if (u.last) last = u;
            else sendPeaks(u, false);
          }
        : undefined,
    });
    signal.throwIfAborted();
    if (req.peaksOut) await writeAtomic(req.peaksOut, serializePeaks(r.peaks));
    if (last) sendPeaks(last, true);
    let metrics: Record<string, unknown> | null = null;
    if (r.kept) {
      progress(decodeShare, 'analyzing');
      metrics = await measure(this.analyzer, r.kept, signal);
      const measured = frameCount(r.kept);
      if (metrics && measured < r.frames) metrics = { ...metrics, excerpt: { startSec: 0, endSec: measured / r.sampleRate } };
    }
    const { format, sampleRate, channels, frames } = r;
    return { format, sampleRate, channels, frames, ext: EXT[format], metrics };
  }

  /** An engine this host runs: a request for another role's engine is a routing bug, said as such. */
  private engine(id: string): Engine {
    const engine = this.registry.get(id);
    const role = engine.capabilities().role;
    if (this.role !== null && role !== this.role) {
      throw new RetakeError('E_INTERNAL', `The ${engine.capabilities().name} runs in the ${role} host, not in the ${this.role} host.`);
    }
    return engine;
  }

  private async edit(req: RequestOf<'edit'>, { signal, progress }: CallContext): Promise<EditResult> {
    // The single-output form (one iteration) answers with its result only, as it always has; the `outputs` form
    // also reports each iteration as it is written.
    const perIteration = 'outputs' in req;
    const targets = perIteration
      ? req.outputs.map((output, i) => ({ output, peaksOut: req.peaksOuts[i] ?? null }))
      : [{ output: req.output, peaksOut: req.peaksOut }];
    if (perIteration && (targets.length === 0 || req.peaksOuts.length !== targets.length)) {
      throw new RetakeError('E_VALIDATION', `An edit needs one output per iteration and as many peaks paths (got ${targets.length} and ${req.peaksOuts.length}).`);
    }
    const engine = this.engine(req.engine);
    const engineVersion = engine.capabilities().version;
    let last: EditResult | null = null;
    await runEditLoop({
      engine,
      input: req.input,
      ...(req.range ? { range: req.range } : {}),
      ...(req.region ? { region: req.region } : {}),
      request: req.request,
      iterations: targets.length,
      analyzer: req.analyze ? this.analyzer : null,
      signal,
      progress,
      onIteration: async (index, out) => {
        const { output, peaksOut } = targets[index]!;
        await writeAtomic(output, encodeWav(out.audio, 'float32'));
        if (peaksOut) await writeAtomic(peaksOut, serializePeaks(computePeaks(out.audio, PEAKS_SAMPLES_PER_PEAK)));
        last = { ...facts(out.audio, 'wav'), engineVersion, metrics: out.metrics, info: out.info, ...(out.region ? { region: out.region } : {}) };
        if (perIteration) this.send({ type: 'iteration', callId: req.callId, index, output, peaksOut, result: last });
      },
    });
    return last!;
  }

  private async exportAudio(req: RequestOf<'export'>): Promise<HostResults['export']> {
    const audio = sliceFrames(await decodeFile(req.input), req.range);
    const g = Math.pow(10, req.gainDb / 20);
    const out: AudioData = g === 1 ? audio : { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.map((x) => x * g)) };
    const bytes = encodeWav(out, req.format);
    await writeAtomic(req.output, bytes);
    return { bytes: bytes.byteLength };
  }
}

const EXT: Record<AudioFormat, string> = { wav: 'wav', flac: 'flac', 'ogg-flac': 'ogg', 'ogg-vorbis': 'ogg', mp3: 'mp3' };

function facts(audio: AudioData, format: string): AudioFacts {
  return { format, sampleRate: audio.sampleRate, channels: audio.channels.length, frames: frameCount(audio) };
}

/** Writes via a sibling temp file and rename, so a reader never sees a partial file even if the host dies. */
async function writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.part`;
  const h = await fsp.open(tmp, 'w');
  try {
    await h.writeFile(bytes);
    await h.sync();
  } finally {
    await h.close();
  }
  await fsp.rename(tmp, file);
}
