// The model front ends (EDITX-SPEC.md §4, §6), all configurations of one spectrogram + mel filterbank core
// (spectrogram.ts): the tokenizers' 16 kHz preprocessing, Kaldi fbank (vq02) with LFR + CMVN, Whisper's log-mel
// (vq06), the CAM++ fbank and the flow's 24 kHz prompt mel; plus float32 .npy files for the debug tools.

export type { FeatureMatrix, MelBank, MelOutput, SpectrogramConfig, WindowKind } from './spectrogram';
export { MelSpectrogram, featureWindow, kaldiMelBank, slaneyMelBank } from './spectrogram';
export type { Preprocessed16k } from './preprocess';
export { TOKENIZER_RATE, nonSilentSpan, peakNormalise, preprocess16k, resampleTorchaudio } from './preprocess';
export type { AmMvn, KaldiFbankOptions } from './kaldi';
export { campplusFbank, kaldiFbank, lfrCmvn, parseAmMvn } from './kaldi';
export { WHISPER_STFT, promptMel24k, whisperLogMel } from './mel';
export type { NpyArray } from './npy';
export { decodeNpy, encodeNpy } from './npy';
