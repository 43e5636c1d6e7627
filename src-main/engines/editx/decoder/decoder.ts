// Tokens → 24 kHz speech: the EditX decoder as one call. Reshapes the prompt's and the output's audio codes, builds
// the prompt condition (its mel, bf16-rounded and resized; its CAM++ embedding projected), runs the flow (./flow) and
// the HiFT vocoder (../vocoder/hift) with seeded source draws, and reports progress per Euler step and vocoder chunk;
// cancellation (AbortSignal) is honoured between those runs. Output: mono float32 at the vocoder's rate, 2 mel frames
// per token frame × samplesPerFrame samples, clamped to ±audioLimit.

import { RetakeError } from '../../../contract/errors';
import type { ModelPack } from '../pack/load';
import { verifyPackFiles } from '../pack/load';
import { decoderFiles } from '../pack/manifest';
import { HiftVocoder } from '../vocoder/hift';
import { seededDraws } from '../vocoder/source';
import type { SourceDraws } from '../vocoder/source';
import { throwIfCancelled } from './cancel';
import { FlowDecoder } from './flow';
import type { WindowRuntime } from './flow';
import type { DecoderStage, GraphOptions, SessionSource } from './graph';
import type { SessionRegistry } from '../../../onnx';
import { promptCondition } from './prompt-cond';
import type { FeatureMatrix } from './prompt-cond';
import { tokenPairs } from './token-pairs';
import { SpeakerEncoder, promptAudioFeatures } from './speaker';
import type { PromptAudioFeatures, PromptFrontEnds } from './speaker';

export interface DecodePrompt {
  /** The prompt audio's mixed codes (vq02 0..1023, 1024 + vq06), as the tokenizer interleaves them. */
  codes: readonly number[];
  /** Its 24 kHz log-mel, frames × bins. */
  mel: FeatureMatrix;
  /** Its CAM++ embedding. */
  embedding: Float32Array;
}

export interface DecodeOptions {
  /** Seeds the vocoder's source draws (default 0). */
  seed?: number;
  /** Explicit source draws instead of seeded ones (golden tests feed the reference's). */
  draws?: SourceDraws;
  /** The source in the reference's float32 arithmetic instead of the fast float64 form (golden tests). */
  referenceSource?: boolean;
  signal?: AbortSignal;
  /** 0..1 over the whole decode; stage 'flow' or 'vocoder'. */
  progress?: (value: number, stage: string) => void;
  flowRuntime?: Partial<WindowRuntime>;
  vocoderChunkFrames?: number;
  /** Round the prompt mel and the speaker embedding to bf16 (default: the pack's flow.settings.bf16Prompt); the
   * engine's reference profile decides (../profile.ts). */
  bf16Prompt?: boolean;
}

export interface DecodeTimings {
  encoderMs: number;
  estimatorMs: number;
  estimatorRuns: number;
  vocoderGraphMs: number;
  /** Everything outside the graph runs (the TypeScript around them), and the vocoder's part of it (source, STFT,
   *  ISTFT). */
  dspMs: number;
  vocoderDspMs: number;
  totalMs: number;
  /** The same split in the process's CPU time (robust to other load on the machine): in graph runs, and outside. */
  graphCpuMs: number;
  dspCpuMs: number;
}

export interface DecodeResult {
  /** Mono, sampleRate Hz, clamped to ±audioLimit. */
  samples: Float32Array;
  sampleRate: number;
  /** The output's mel, bins × frames (bin-major). */
  mel: Float32Array;
  melFrames: number;
  melBins: number;
  f0: Float32Array;
  windows: number;
  timings: DecodeTimings;
}

/** Share of the progress bar the flow takes (10 estimator runs of batch 2 per window against one vocoder pass). */
const FLOW_SHARE = 0.9;

export class EditxDecoder {
  private constructor(
    readonly flow: FlowDecoder,
    readonly vocoder: HiftVocoder,
    readonly speaker: SpeakerEncoder,
  ) {}

  /** Opens the decoder's own sessions (released with it). */
  static open(pack: ModelPack, opts: GraphOptions = {}): Promise<EditxDecoder> {
    return EditxDecoder.over(pack, { pack, opts });
  }

  /** Over the pack's decoder stages of a session registry (opened there on first use, released with the pack). */
  static fromRegistry(pack: ModelPack, registry: Pick<SessionRegistry<DecoderStage>, 'get'>): Promise<EditxDecoder> {
    return EditxDecoder.over(pack, { registry });
  }

  private static async over(pack: ModelPack, src: SessionSource): Promise<EditxDecoder> {
    await verifyPackFiles(pack.dir, decoderFiles(pack.manifest), 'size');
    const flow = await FlowDecoder.open(pack, src);
    let vocoder: HiftVocoder | null = null;
    try {
      vocoder = await HiftVocoder.open(pack, src);
      return new EditxDecoder(flow, vocoder, await SpeakerEncoder.open(pack, src));
    } catch (e) {
      await flow.release();
      await vocoder?.release();
      throw e;
    }
  }

  get sampleRate(): number {
    return this.vocoder.component.sampleRate;
  }

  /** Mel and CAM++ embedding of prompt audio (mono, `rate` Hz) through the shared feature front ends. */
  promptFeatures(samples: Float32Array, rate: number, fe: PromptFrontEnds): Promise<PromptAudioFeatures> {
    return promptAudioFeatures(samples, rate, fe, this.speaker, this.flow.component.promptMel.sampleRate);
  }

  async decode(codes: readonly number[], prompt: DecodePrompt, opts: DecodeOptions = {}): Promise<DecodeResult> {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const signal = opts.signal;
    throwIfCancelled(signal);
    const flow = this.flow;
    const bins = flow.bins;
    if (prompt.mel.bins !== bins) {
      throw new RetakeError('E_VALIDATION', `The prompt mel has ${prompt.mel.bins} bins; the flow needs ${bins}.`);
    }
    const tp = tokenPairs(prompt.codes, codes);
    const bf16Prompt = opts.bf16Prompt ?? flow.component.settings.bf16Prompt;
    const cond = promptCondition(prompt.mel, flow.ratio * tp.promptFrames, bf16Prompt);
    const ts = performance.now();
    const cs = process.cpuUsage();
    const speaker = await flow.projectSpeaker(prompt.embedding, bf16Prompt);
    const speakerMs = performance.now() - ts;
    const speakerCpu = process.cpuUsage(cs);
    const progress = opts.progress;
    const flowRes = await flow.decode(
      { pairs: tp.pairs, promptFrames: tp.promptFrames, outFrames: tp.generatedFrames, promptCond: cond, speaker },
      {
        ...(signal ? { signal } : {}),
        ...(opts.flowRuntime ? { runtime: opts.flowRuntime } : {}),
        onStep: (done, total) => progress?.((FLOW_SHARE * done) / total, 'flow'),
      },
    );
    throwIfCancelled(signal);
    const draws = opts.draws ?? seededDraws(opts.seed ?? 0, this.vocoder.component.source.harmonics);
    const voc = await this.vocoder.vocode(flowRes.mel, flowRes.frames, draws, {
      ...(signal ? { signal } : {}),
      ...(opts.vocoderChunkFrames !== undefined ? { chunkFrames: opts.vocoderChunkFrames } : {}),
      ...(opts.referenceSource ? { referenceSource: true } : {}),
      onChunk: (done, total) => progress?.(FLOW_SHARE + ((1 - FLOW_SHARE) * done) / total, 'vocoder'),
    });
    const totalMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const graphMs = flowRes.encoderMs + flowRes.estimatorMs + voc.graphMs;
    const graphCpuMs = flowRes.graphCpuMs + voc.graphCpuMs + (speakerCpu.user + speakerCpu.system) / 1000;
    return {
      samples: voc.waveform,
      sampleRate: this.sampleRate,
      mel: flowRes.mel,
      melFrames: flowRes.frames,
      melBins: bins,
      f0: voc.f0,
      windows: flowRes.windows,
      timings: {
        encoderMs: flowRes.encoderMs,
        estimatorMs: flowRes.estimatorMs,
        estimatorRuns: flowRes.estimatorRuns,
        vocoderGraphMs: voc.graphMs,
        // Everything outside the graph runs: the TypeScript around them.
        dspMs: totalMs - graphMs - speakerMs,
        vocoderDspMs: voc.dspMs,
        totalMs,
        graphCpuMs,
        dspCpuMs: (cpu.user + cpu.system) / 1000 - graphCpuMs,
      },
    };
  }

  async release(): Promise<void> {
    await Promise.all([this.flow.release(), this.vocoder.release(), this.speaker.release()]);
  }
}
