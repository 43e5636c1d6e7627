// Public API of the audio I/O layer: decoding, WAV encoding, resampling and waveform peaks.

export type { AudioData } from './types';
export { durationSeconds, frameCount, mono, toMono } from './types';
export type { WavEncodeFormat, WavInfo, WavSampleFormat } from './wav';
export { decodeWav, encodeWav, isWav, parseWavHeader } from './wav';
export type { AudioFormat, AudioProbe } from './decode';
export { decodeAudio, decodeFile, detectAudioFormat, probeAudio, readAudioFile } from './decode';
export type { ResampleMode, ResampleOptions } from './resample';
export { resample, resampleChannel, resampledLength } from './resample';
export type { Peaks, RendererPeaks } from './peaks';
export { DEFAULT_SAMPLES_PER_PEAK, PEAKS_VERSION, computePeaks, parsePeaks, peakCount, peaksForRenderer, serializePeaks } from './peaks';
