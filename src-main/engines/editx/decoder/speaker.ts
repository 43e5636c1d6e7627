// The speaker side of the prompt (EDITX-SPEC.md §6): CAM++ (the published campplus.onnx, or the tiny packs'
// stand-in) turns the prompt's 16 kHz Kaldi fbank (80 bins, povey window, dither 0, mean over frames subtracted) into
// a 192-d embedding, and the prompt's 24 kHz log-mel becomes the flow's cond. Its graph is bound by position (first
// input, first output), as the reference binds it; the exporter records the published file's own names in the
// manifest, against which the session is checked. The feature front ends (src-main/audio/features) come in as an
// argument (PromptFrontEnds; ./front-end binds them).

import { RetakeError } from '../../../contract/errors';
import type { ModelPack } from '../pack/load';
import type { SpeakerEncoderComponent } from '../pack/manifest';
import { DecoderGraph, type SessionSource } from './graph';
import type { FeatureMatrix } from './prompt-cond';

/** The shared feature front ends the prompt needs (src-main/audio/features). */
export interface PromptFrontEnds {
  /** 24 kHz log-mel, 80 bins (EDITX-SPEC.md §6 "Mel"). */
  promptMel24k(samples24k: Float32Array): FeatureMatrix;
  /** 16 kHz Kaldi fbank for CAM++, 80 bins, povey window, mean-subtracted. */
  campplusFbank(samples16k: Float32Array): FeatureMatrix;
  /** torchaudio's default resampler (Hann-windowed sinc, width 6, roll-off 0.99). */
  resampleTorchaudio(x: Float32Array, from: number, to: number): Float32Array;
}

export interface PromptAudioFeatures {
  /** The 24 kHz log-mel, frames × bins. */
  mel: FeatureMatrix;
  /** The CAM++ embedding (192 values). */
  embedding: Float32Array;
}

/** The reference caps the prompt's peak here before any feature (scaling down only). */
export const PROMPT_PEAK_CAP = 0.6;

export class SpeakerEncoder {
  /** The graph, opened on the first embedding: a decode whose prompt features are cached never needs it. */
  private graph: Promise<DecoderGraph> | null = null;

  private constructor(
    readonly component: SpeakerEncoderComponent,
    private readonly src: SessionSource,
  ) {}

  static async open(pack: ModelPack, src: SessionSource = { pack }): Promise<SpeakerEncoder> {
    const c = pack.manifest.components.speakerEncoder;
    if (!c) {
      throw new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack in ${pack.dir} has no speaker encoder (components.speakerEncoder, campplus.onnx).`);
    }
    return new SpeakerEncoder(c, src);
  }

  private session(): Promise<DecoderGraph> {
    if (!this.graph) {
      const g = DecoderGraph.open('campplus', this.src);
      this.graph = g;
      g.catch(() => {
        if (this.graph === g) this.graph = null;
      });
    }
    return this.graph;
  }

  /** The embedding of a fbank (frames × 80). */
  async embed(fbank: FeatureMatrix): Promise<Float32Array> {
    const bins = this.component.fbank.melBins;
    if (fbank.bins !== bins || fbank.frames < 1) {
      throw new RetakeError('E_VALIDATION', `CAM++ needs a fbank of ${bins} bins and at least one frame (got ${fbank.frames} × ${fbank.bins}).`);
    }
    const graph = await this.session();
    const input = graph.inputNames[0] as string;
    const output = graph.outputNames[0] as string;
    const r = await graph.run({ [input]: { type: 'float32', data: fbank.data, dims: [1, fbank.frames, bins] } }, [output]);
    return (r[output] as { data: Float32Array }).data.slice();
  }

  async release(): Promise<void> {
    const g = this.graph;
    this.graph = null;
    if (g) await (await g.catch(() => null))?.release();
  }
}

/**
 * The prompt mel and CAM++ embedding of mono prompt audio at `rate` Hz: peak capped at 0.6, resampled to 24 kHz for
 * the mel and 16 kHz for the fbank (the untrimmed audio, as the reference uses).
 */
export async function promptAudioFeatures(
  samples: Float32Array,
  rate: number,
  fe: PromptFrontEnds,
  speaker: SpeakerEncoder,
  melRate: number,
): Promise<PromptAudioFeatures> {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i] as number));
  let x = samples;
  if (peak > PROMPT_PEAK_CAP) {
    x = new Float32Array(samples.length);
    for (let i = 0; i < x.length; i++) x[i] = ((samples[i] as number) / peak) * PROMPT_PEAK_CAP;
  }
  const fbRate = speaker.component.fbank.sampleRate;
  const mel = fe.promptMel24k(rate === melRate ? x : fe.resampleTorchaudio(x, rate, melRate));
  const fbank = fe.campplusFbank(rate === fbRate ? x : fe.resampleTorchaudio(x, rate, fbRate));
  return { mel, embedding: await speaker.embed(fbank) };
}
