// Log-mel front ends of the semantic tokenizer and of the flow's prompt condition:
//  - whisperLogMel: whisper.log_mel_spectrogram(n_mels=128) as EDITX-SPEC.md §4 gives it (vq06 input);
//  - promptMel24k: CosyVoice's matcha-style mel of the 24 kHz prompt, §6 "Mel".

import { MelSpectrogram, slaneyMelBank, type FeatureMatrix, type SpectrogramConfig } from './spectrogram';

// Whisper: 16 kHz, n_fft 400 (25 ms), hop 160 (10 ms), periodic Hann, centred STFT (reflect padding of n_fft/2) whose
// last frame is dropped, power spectrum, log10 floored at 1e-10; over it 128 Slaney mel bins over 0–8 kHz.
export const WHISPER_STFT: Omit<SpectrogramConfig, 'mel'> = {
  frameLength: 400,
  hop: 160,
  fftSize: 400,
  window: 'hann',
  reflectPad: 200,
  dropLastFrame: true,
  inputScale: 1,
  removeDc: false,
  preEmphasis: 0,
  spectrum: 'power',
  magnitudeEpsilon: 0,
  log: '10',
  logFloor: 1e-10,
};
let whisperPlan: MelSpectrogram | null = null;
/** Whisper's dynamic range: values more than 8 (log10 units, 80 dB) below the maximum are raised to it. */
const WHISPER_RANGE = 8;

/** 128-bin Whisper log-mel of 16 kHz samples: ⌊n/160⌋ frames × 128, ((max(log10 mel, max − 8)) + 4) / 4. */
export function whisperLogMel(samples16k: Float32Array): FeatureMatrix {
  whisperPlan ??= new MelSpectrogram({ ...WHISPER_STFT, mel: slaneyMelBank(16000, 400, 128, 0, 8000) });
  const { data: d, frames, bins, max } = whisperPlan.run(samples16k);
  const floor = max - WHISPER_RANGE;
  // ((max(v, floor)) + 4) / 4, with the floor's value computed once (the same float32 results, half the time).
  const low = (floor + 4) * 0.25;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    d[i] = v > floor ? (v + 4) * 0.25 : low;
  }
  return { data: d, frames, bins };
}

// Prompt mel: 24 kHz, reflect padding of (n_fft − hop)/2 = 720 each side, n_fft 1920 (80 ms), hop 480 (20 ms, 50
// frames per second), periodic Hann of 1920, not centred, magnitude sqrt(re² + im² + 1e-9), 80 Slaney mel bins over
// 0–8 kHz, natural log floored at 1e-5.
let promptPlan: MelSpectrogram | null = null;

/** 80-bin log-mel of 24 kHz samples: 1 + ⌊(n + 1440 − 1920)/480⌋ frames × 80. Needs more than 720 samples. */
export function promptMel24k(samples24k: Float32Array): FeatureMatrix {
  promptPlan ??= new MelSpectrogram({
    frameLength: 1920,
    hop: 480,
    fftSize: 1920,
    window: 'hann',
    reflectPad: 720,
    dropLastFrame: false,
    inputScale: 1,
    removeDc: false,
    preEmphasis: 0,
    spectrum: 'magnitude',
    magnitudeEpsilon: 1e-9,
    mel: slaneyMelBank(24000, 1920, 80, 0, 8000),
    log: 'e',
    logFloor: 1e-5,
  });
  const { data, frames, bins } = promptPlan.run(samples24k);
  return { data, frames, bins };
}
