// What the engine host does for each request: decode, run an engine, measure, write files. Independent of how
// messages arrive, so the host entry (child_process or Electron utilityProcess) and tests share it.

import { promises as fsp } from 'node:fs';
import { RetakeError, toErrorPayload } from '../../contract/errors';
import { decodeAudio, decodeFile, detectAudioFormat, readAudioFile, type AudioFormat } from '../../audio/decode';
import { encodeWav } from '../../audio/wav';
import { computePeaks, serializePeaks } from '../../audio/peaks';
import { analyze } from '../../audio/analysis';
import { durationSeconds, frameCount, type AudioData } from '../../audio/types';
import { EngineRegistry, checkInputLength } from '../registry';
import type { AudioFacts, HostMessage, HostRequest, RequestOf } from './protocol';

/** Samples per peak pair in the cache: ~188 pairs per second at 48 kHz, enough for close zoom on a clip. */
export const PEAKS_SAMPLES_PER_PEAK = 256;

export class HostWorker {
  private readonly controllers = new Map<number, AbortController>();

  constructor(
    private readonly send: (msg: HostMessage) => void,
    private readonly registry: EngineRegistry = EngineRegistry.fromEnv(),
    private readonly analyzer: typeof analyze = analyze,
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
    this.run(req, ac.signal)
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

  private async run(req: Exclude<HostRequest, { type: 'cancel' | 'crash' }>, signal: AbortSignal): Promise<unknown> {
    switch (req.type) {
      case 'engines':
        return this.registry.capabilities();
      case 'inspect':
        return this.inspect(req, signal);
      case 'edit':
        return this.edit(req, signal);
      case 'export':
        return this.exportAudio(req);
    }
  }

  private async inspect(req: RequestOf<'inspect'>, signal: AbortSignal) {
    const bytes = await readAudioFile(req.input);
    const audio = await decodeAudio(bytes, req.name ?? req.input);
    const format = detectAudioFormat(bytes) ?? 'wav';
    signal.throwIfAborted();
    if (req.peaksOut) await writeAtomic(req.peaksOut, serializePeaks(computePeaks(audio, PEAKS_SAMPLES_PER_PEAK)));
    const metrics = req.analyze ? await measure(this.analyzer, audio, signal) : null;
    return { ...facts(audio, format), ext: EXT[format], metrics };
  }

  private async edit(req: RequestOf<'edit'>, signal: AbortSignal) {
    const progress = this.progressFor(req.callId);
    const engine = this.registry.get(req.engine);
    const caps = engine.capabilities();
    progress(0, 'decoding');
    const input = slice(await decodeFile(req.input), req.range);
    checkInputLength(caps, durationSeconds(input));
    signal.throwIfAborted();
    // Engine progress maps to 0..0.9; measuring and writing the take fill the rest.
    const { audio, info } = await engine.edit(input, req.request, {
      signal,
      progress: (v, stage) => progress(0.9 * Math.min(1, Math.max(0, v)), stage ?? null),
    });
    signal.throwIfAborted();
    checkFinite(audio);
    progress(0.9, 'measuring');
    const metrics = req.analyze ? await measure(this.analyzer, audio, signal) : null;
    progress(0.95, 'writing');
    await writeAtomic(req.output, encodeWav(audio, 'float32'));
    if (req.peaksOut) await writeAtomic(req.peaksOut, serializePeaks(computePeaks(audio, PEAKS_SAMPLES_PER_PEAK)));
    progress(1, 'done');
    return { ...facts(audio, 'wav'), engineVersion: caps.version, metrics, info: info ?? {} };
  }

  private async exportAudio(req: RequestOf<'export'>) {
    const audio = slice(await decodeFile(req.input), req.range);
    const g = Math.pow(10, req.gainDb / 20);
    const out: AudioData = g === 1 ? audio : { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.map((x) => x * g)) };
    const bytes = encodeWav(out, req.format);
    await writeAtomic(req.output, bytes);
    return { bytes: bytes.byteLength };
  }
}

/**
 * The take's measurements. A failure to measure does not fail the import or the edit: the take is kept without
 * metrics, and the reason is logged (cancellation still cancels).
 */
async function measure(analyzer: typeof analyze, audio: AudioData, signal: AbortSignal): Promise<Record<string, unknown> | null> {
  try {
    return { ...(await analyzer(audio, { signal })) } as Record<string, unknown>;
  } catch (e) {
    if (signal.aborted) throw e;
    console.error(`Engine host: could not measure the audio (${(e as Error).message}); the take is kept without metrics.`);
    return null;
  }
}

const EXT: Record<AudioFormat, string> = { wav: 'wav', flac: 'flac', 'ogg-flac': 'ogg', 'ogg-vorbis': 'ogg', mp3: 'mp3' };

function facts(audio: AudioData, format: string): AudioFacts {
  return { format, sampleRate: audio.sampleRate, channels: audio.channels.length, frames: frameCount(audio) };
}

function slice(audio: AudioData, range?: { start: number; end: number }): AudioData {
  if (!range) return audio;
  const n = frameCount(audio);
  const start = Math.max(0, Math.min(n, range.start));
  const end = Math.max(start, Math.min(n, range.end));
  if (start === 0 && end === n) return audio;
  return { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.subarray(start, end)) };
}

function checkFinite(audio: AudioData): void {
  if (frameCount(audio) === 0) throw new RetakeError('E_ENGINE_FAILED', 'The engine produced no audio.');
  for (const c of audio.channels) {
    for (let i = 0; i < c.length; i++) {
      if (!Number.isFinite(c[i]!)) throw new RetakeError('E_ENGINE_FAILED', 'The engine produced invalid (NaN or infinite) samples.');
    }
  }
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
