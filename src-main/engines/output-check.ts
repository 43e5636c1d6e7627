// What an engine's output must be before it may become a take, whatever the engine: audio at all, channels of one
// length, a rate Retake accepts, finite samples in range, and not silent where the input had sound. A run that breaks
// any of these failed (E_ENGINE_FAILED), even when the engine itself reported success: a silent "take" from a
// recording with speech in it is a lie about the result (float input scaled ×1e30 once came back all zeros as `done`).

import { RetakeError } from '../contract/errors';
import { limitProblem, MAX_SAMPLE_MAGNITUDE } from '../audio/limits';
import type { AudioData } from '../audio/types';

/**
 * Input quieter than this peak (−60 dBFS) is near silence itself, so a silent output from it is no evidence of a
 * failure (e.g. denoising a pause).
 */
export const AUDIBLE_INPUT_PEAK = 1e-3;
/**
 * Output whose peak stays under half a 16-bit step (−96.3 dBFS) is silence: exported as 16-bit PCM it is all zeros.
 */
export const SILENT_OUTPUT_PEAK = 2 ** -16;

function peak(audio: AudioData): number {
  let p = 0;
  for (const ch of audio.channels) {
    for (let i = 0; i < ch.length; i++) {
      const v = Math.abs(ch[i]!);
      if (v > p) p = v;
    }
  }
  return p;
}

function failed(engine: string, problem: string): RetakeError {
  return new RetakeError('E_ENGINE_FAILED', `The ${engine} ${problem}; no take was kept. Try again, or report it if it repeats.`);
}

/**
 * Throws E_ENGINE_FAILED when `output` cannot be a take for `input`. `engine` names the engine in the message
 * (e.g. "built-in engine"). Reads every sample once.
 */
export function checkEngineOutput(input: AudioData, output: AudioData, engine: string): void {
  const n = output.channels[0]?.length ?? 0;
  if (output.channels.length === 0 || n === 0) throw failed(engine, 'produced no audio');
  if (output.channels.some((c) => c.length !== n)) throw failed(engine, 'produced channels of different lengths');
  const limit = limitProblem(output.sampleRate, output.channels.length);
  if (limit) throw failed(engine, `produced audio that is out of bounds (${limit.problem.replace(/^its/, 'the')})`);
  for (const ch of output.channels) {
    for (let i = 0; i < ch.length; i++) {
      const v = ch[i]!;
      if (!(v <= MAX_SAMPLE_MAGNITUDE && v >= -MAX_SAMPLE_MAGNITUDE)) {
        throw failed(engine, Number.isFinite(v) ? `produced samples ${Math.round(20 * Math.log10(Math.abs(v)))} dB above full scale` : 'produced invalid (NaN or infinite) samples');
      }
    }
  }
  const inPeak = peak(input);
  if (inPeak >= AUDIBLE_INPUT_PEAK && peak(output) < SILENT_OUTPUT_PEAK) {
    throw failed(engine, `produced silence from audio whose peak is ${(20 * Math.log10(inPeak)).toFixed(1)} dBFS`);
  }
}
