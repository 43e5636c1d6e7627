// The check every engine output passes before it may become a take: audio at all, equal channel lengths, a rate in
// bounds, finite samples in range, and no silence where the input had sound.
import { describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { AUDIBLE_INPUT_PEAK, SILENT_OUTPUT_PEAK, checkEngineOutput } from '../../../src-main/engines/output-check';
import { createProsodyEngine } from '../../../src-main/engines/prosody';
import type { AudioData } from '../../../src-main/audio/types';
import { harmonic } from '../prosody/signals';

const SR = 16000;
const tone = (amp: number, n = SR / 2) => Float32Array.from({ length: n }, (_, i) => amp * Math.sin(i / 5));
const mono = (x: Float32Array, sampleRate = SR): AudioData => ({ sampleRate, channels: [x] });

function failure(input: AudioData, output: AudioData): string {
  try {
    checkEngineOutput(input, output, 'test engine');
    return 'accepted';
  } catch (e) {
    expect(RetakeError.is(e, 'E_ENGINE_FAILED'), String(e)).toBe(true);
    expect((e as RetakeError).message).toMatch(/^The test engine .*; no take was kept\./);
    return (e as RetakeError).message;
  }
}

describe('checkEngineOutput', () => {
  const input = mono(tone(0.5));

  it('accepts ordinary output, quiet output, and silence made from near-silence', () => {
    expect(failure(input, mono(tone(0.3)))).toBe('accepted');
    // Just above the silence line: a very quiet take is still a take.
    expect(failure(input, mono(tone(SILENT_OUTPUT_PEAK * 1.01)))).toBe('accepted');
    expect(failure(mono(tone(AUDIBLE_INPUT_PEAK * 0.99)), mono(new Float32Array(100)))).toBe('accepted');
    expect(failure(mono(new Float32Array(100)), mono(new Float32Array(100)))).toBe('accepted');
    // Float headroom up to the range limit is allowed.
    expect(failure(input, mono(Float32Array.of(999, -999, 0.1)))).toBe('accepted');
  });

  it('refuses silence made from audio with sound, however the engine got there', () => {
    expect(failure(input, mono(new Float32Array(SR)))).toMatch(/produced silence from audio whose peak is -6\.0 dBFS/);
    expect(failure(input, mono(tone(SILENT_OUTPUT_PEAK * 0.99)))).toMatch(/silence/);
    expect(failure(mono(Float32Array.of(0, AUDIBLE_INPUT_PEAK, 0)), mono(new Float32Array(10)))).toMatch(/silence/);
    // Stereo: sound in one input channel is enough; silence must be in every output channel to count.
    const st = { sampleRate: SR, channels: [new Float32Array(SR / 2), tone(0.2)] };
    expect(failure(st, { sampleRate: SR, channels: [new Float32Array(10), new Float32Array(10)] })).toMatch(/silence/);
    expect(failure(st, { sampleRate: SR, channels: [new Float32Array(10), Float32Array.of(0, 0.1, 0, 0, 0, 0, 0, 0, 0, 0)] })).toBe('accepted');
  });

  it('refuses no audio, ragged channels, rates out of bounds, NaN and samples beyond ±1000', () => {
    expect(failure(input, { sampleRate: SR, channels: [] })).toMatch(/produced no audio/);
    expect(failure(input, mono(new Float32Array(0)))).toMatch(/produced no audio/);
    expect(failure(input, { sampleRate: SR, channels: [tone(0.1, 10), tone(0.1, 9)] })).toMatch(/different lengths/);
    expect(failure(input, mono(tone(0.1), 1))).toMatch(/out of bounds \(the sample rate is 1 Hz\)/);
    expect(failure(input, mono(Float32Array.of(0.1, Number.NaN)))).toMatch(/NaN/);
    expect(failure(input, mono(Float32Array.of(0.1, Number.POSITIVE_INFINITY)))).toMatch(/NaN or infinite/);
    expect(failure(input, mono(Float32Array.of(0.1, 1001)))).toMatch(/60 dB above full scale/);
    expect(failure(input, mono(Float32Array.of(-1e30, 0.1)))).toMatch(/600 dB above full scale/);
  });
});

describe('out-of-range float input (the ×1e30 case)', () => {
  const engine = createProsodyEngine();
  const ctx = { signal: new AbortController().signal, progress: () => {} };
  const voice = harmonic((t) => 130 + 15 * Math.sin(2 * t), SR, 1, 0.3);

  it('is refused by the engine before any work, never turned into a silent take', async () => {
    const scaled = mono(voice.map((v) => v * 1e30));
    const e = await engine.edit(scaled, { seed: 1, task: 'speed', option: 'faster' }, ctx).then(() => null, (err: unknown) => err);
    expect(RetakeError.is(e, 'E_INVALID_SAMPLES'), String(e)).toBe(true);
    expect((e as RetakeError).message).toMatch(/^The audio reaches \+5\d\d\.\d dBFS .*not a recording but a file written with the wrong scale/);
  });

  it('up to the limit it is edited, limited under full scale, and the output passes the check', async () => {
    const hot = mono(voice.map((v) => v * 999));
    const out = await engine.edit(hot, { seed: 1, task: 'speed', option: 'faster' }, ctx);
    checkEngineOutput(hot, out.audio, 'built-in engine');
    let p = 0;
    for (const v of out.audio.channels[0]!) p = Math.max(p, Math.abs(v));
    expect(p).toBeGreaterThan(0.5);
    expect(p).toBeLessThan(1);
    // The shortfall against the (impossible) loudness target is reported with the take.
    expect((out.info as { loudness: { shortfallLu: number } }).loudness.shortfallLu).toBeGreaterThan(40);
  });
});
