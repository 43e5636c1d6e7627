// Audio in, the Step1 LM's audio tokens out (EDITX-SPEC.md §4): the 16 kHz preprocessing, vq02 and vq06 on the same
// tokenizer input, their 2:3 interleave into mixed codes, the `<audio_N>` text and LM ids, and the decoder's pairs
// for the same codes (§6). The feature front ends are passed in (`TokenizerFrontEnd`, the functions of audio/features
// with the agreed signatures), so this module needs nothing but the pack and them.

import type { AudioData } from '../../../audio/types';
import { RetakeError } from '../../../contract/errors';
import type { ModelPack } from '../pack/load';
import { audioTokenIds, audioTokenText, decoderTokenPairs, interleaveAudioCodes } from '../prompt/audio-tokens';
import type { Cmvn } from './pack-files';
import type { SessionRegistry } from '../../../onnx';
import { Vq02Tokenizer, wavRoundTrip, type FeatureMatrix, type TokenizerSessionOptions } from './vq02';
import { Vq06Tokenizer } from './vq06';

/** The front ends the tokenizers need (audio/features). */
export interface TokenizerFrontEnd {
  /** Mono, torchaudio-exact resampling to 16 kHz, peak normalisation, trim and the length rule. */
  preprocess16k(audio: AudioData): {
    samples: Float32Array;
    sampleRate: 16000;
    resampledFrom: number | null;
    trim: { start: number; end: number };
  };
  /** Kaldi fbank, 80 bins, the vq02 settings. */
  kaldiFbank(samples16k: Float32Array): FeatureMatrix;
  /** LFR m/n then CMVN (x + addShift) · rescale. */
  lfrCmvn(fbank: FeatureMatrix, mvn: Cmvn, m?: number, n?: number): FeatureMatrix;
  /** Whisper's 128-bin log-mel. */
  whisperLogMel(samples16k: Float32Array): FeatureMatrix;
}

export interface AudioTokens {
  vq02: Int32Array;
  vq06: Int32Array;
  /** min(⌊vq06/3⌋, ⌊vq02/2⌋): each group is 2 vq02 + 3 vq06 codes. */
  groups: number;
  /** Mixed codes 0..5119, 5 per group: vq02, vq02, 1024 + vq06 × 3. */
  codes: number[];
  /** LM ids of the codes (65536 + code). */
  ids: number[];
  /** The `<audio_N>` text of the codes. */
  text: string;
  /** The decoder's time-aligned pairs of the codes. */
  decoder: { vq02: Int32Array; vq06: Int32Array };
  /** Seconds of the tokenizer input (after trimming and the length rule). */
  seconds: number;
  /** The input's sample rate when it was resampled to 16 kHz, null when it was 16 kHz. */
  resampledFrom: number | null;
  trim: { start: number; end: number };
  timings: { vq02EncoderMs: number; vq06ModelMs: number; totalMs: number };
}

/** Interleave and everything derived from the codes, for codes however obtained. */
export function assembleTokens(vq02: Int32Array, vq06: Int32Array): Pick<AudioTokens, 'groups' | 'codes' | 'ids' | 'text' | 'decoder'> {
  const codes = interleaveAudioCodes(vq02, vq06);
  return {
    groups: codes.length / 5,
    codes,
    ids: audioTokenIds(codes),
    text: audioTokenText(codes),
    decoder: decoderTokenPairs(codes),
  };
}

export class AudioTokenizer {
  private constructor(
    readonly vq02: Vq02Tokenizer,
    readonly vq06: Vq06Tokenizer,
    private readonly fe: TokenizerFrontEnd,
  ) {}

  /** With sessions of its own (released by release()). */
  static async open(pack: ModelPack, frontEnd: TokenizerFrontEnd, opts: TokenizerSessionOptions = {}): Promise<AudioTokenizer> {
    const vq02 = await Vq02Tokenizer.open(pack, opts);
    try {
      return new AudioTokenizer(vq02, await Vq06Tokenizer.open(pack, opts), frontEnd);
    } catch (e) {
      await vq02.release();
      throw e;
    }
  }

  /** Over the pack's 'vq02' and 'vq06' stages of a session registry (pack/sessions.ts), which owns the sessions. */
  static async fromRegistry(
    pack: ModelPack,
    sessions: Pick<SessionRegistry<'vq02' | 'vq06'>, 'get'>,
    frontEnd: TokenizerFrontEnd,
  ): Promise<AudioTokenizer> {
    return new AudioTokenizer(
      await Vq02Tokenizer.fromRegistry(pack, sessions),
      await Vq06Tokenizer.fromRegistry(pack, sessions),
      frontEnd,
    );
  }

  /** vq02 codes of 16 kHz tokenizer input (already preprocessed). */
  async vq02Codes(samples16k: Float32Array, signal?: AbortSignal): Promise<{ codes: Int32Array; ms: number }> {
    const c = this.vq02.component;
    const x = c.frontend.wavRoundTrip ? wavRoundTrip(samples16k) : samples16k;
    const plan = this.vq02.plan(x.length);
    if (plan.length === 0) return { codes: new Int32Array(0), ms: 0 };
    const feats = this.fe.lfrCmvn(this.fe.kaldiFbank(x), this.vq02.cmvn, c.frontend.lfrM, c.frontend.lfrN);
    const r = await this.vq02.tokenize(feats, plan, signal);
    return { codes: r.codes, ms: r.encoderMs };
  }

  async tokenize(audio: AudioData, signal?: AbortSignal): Promise<AudioTokens> {
    const t0 = performance.now();
    if (!(audio.sampleRate > 0) || audio.channels.length === 0) {
      throw new RetakeError('E_EMPTY_AUDIO', 'There is no audio to tokenize.');
    }
    const pre = this.fe.preprocess16k(audio);
    signal?.throwIfAborted();
    const v2 = await this.vq02Codes(pre.samples, signal);
    const v6 = await this.vq06.tokenize(pre.samples, (x) => this.fe.whisperLogMel(x), signal);
    return {
      vq02: v2.codes,
      vq06: v6.codes,
      ...assembleTokens(v2.codes, v6.codes),
      seconds: pre.samples.length / 16000,
      resampledFrom: pre.resampledFrom,
      trim: pre.trim,
      timings: { vq02EncoderMs: v2.ms, vq06ModelMs: v6.modelMs, totalMs: performance.now() - t0 },
    };
  }

  async release(): Promise<void> {
    await Promise.all([this.vq02.release(), this.vq06.release()]);
  }
}
