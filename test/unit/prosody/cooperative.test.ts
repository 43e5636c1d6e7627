import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src-main/audio/analysis';
import { applyTilt } from '../../../src-main/audio/dsp/shape';
import { resampleChannel } from '../../../src-main/audio/resample';
import type { AudioData } from '../../../src-main/audio/types';
import { RetakeError } from '../../../src-main/contract/errors';
import { createProsodyEngine } from '../../../src-main/engines/prosody';
import { corpus } from '../../integration/prosody/helpers';

// Long computations give the event loop a turn every few tens of milliseconds (src-main/audio/steps.ts), so a cancel
// message is served while they run. Before that, single passes over a long input blocked it for their whole length:
// 0.25–0.5 s each on this 30 s input, 3–5 s on 5 minutes.

const engine = createProsodyEngine();
const ctx = () => ({ signal: new AbortController().signal, progress: () => {} });

/** 30 s of 48 kHz stereo speech. */
async function longStereo(): Promise<AudioData> {
  const a = await corpus('en_happy_prompt.wav');
  const src = resampleChannel(a.channels[0]!, a.sampleRate, 48000);
  const n = 30 * 48000;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 0.5 * src[i % src.length]!;
  return { sampleRate: 48000, channels: [x, x.map((v) => 0.7 * v)] };
}

/** Runs `f` with a 1 ms interval ticking; returns its duration and the longest gap between ticks (ms). */
async function longestStall(f: () => Promise<unknown>): Promise<{ total: number; stall: number }> {
  let last = performance.now();
  let stall = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  try {
    await f();
  } finally {
    clearInterval(tick);
  }
  const end = performance.now();
  return { total: end - t0, stall: Math.max(stall, end - last) };
}

/** A stall bound with room for a loaded two-core machine: 150 ms, or a tenth of the run if that is longer. */
function bound(total: number): number {
  return Math.max(150, 0.1 * total);
}

describe('cooperative long computations', () => {
  it('analysis, speech detection, time stretch, spectral shaping and mastering never block the event loop for long', async () => {
    const a = await longStereo();
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['analyze', () => analyze(a)],
      ['vad', () => engine.edit(a, { seed: 1, task: 'vad' }, ctx())],
      ['speed faster', () => engine.edit(a, { seed: 1, task: 'speed', option: 'faster' }, ctx())],
      ['tilt', () => applyTilt(a, -2)],
    ];
    for (const [name, f] of cases) {
      const { total, stall } = await longestStall(f);
      expect(stall, `${name}: longest stall ${stall.toFixed(0)} ms in a ${total.toFixed(0)} ms run`).toBeLessThan(bound(total));
    }
  });

  it('analysis stops promptly when aborted mid-run', async () => {
    const a = await longStereo();
    await analyze(a); // warm-up: VAD session, compiled code
    const t0 = performance.now();
    await analyze(a);
    const full = performance.now() - t0;
    // Aborts half-way and later: inside the F0, loudness and rate passes that follow speech detection.
    for (const at of [0.5, 0.7]) {
      const ac = new AbortController();
      let abortedAt = 0;
      const timer = setTimeout(() => {
        abortedAt = performance.now();
        ac.abort();
      }, at * full);
      const err = await analyze(a, { signal: ac.signal }).then(
        () => new Error('expected a rejection'),
        (e: unknown) => e,
      );
      const latency = performance.now() - abortedAt;
      clearTimeout(timer);
      expect(abortedAt, `abort at ${at}: the timer never fired before the analysis ended`).toBeGreaterThan(0);
      expect(RetakeError.is(err, 'E_CANCELLED'), `abort at ${at}`).toBe(true);
      expect(latency, `abort at ${at}: ${latency.toFixed(0)} ms after abort, full run ${full.toFixed(0)} ms`).toBeLessThan(
        bound(full),
      );
    }
  });
});
