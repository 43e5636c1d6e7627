import { describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import {
  denoise,
  denoiseThreadStats,
  denoiseWorkerCount,
  disposeDenoiser,
  simulateDenoiseWorkerFault,
} from '../../../src-main/audio/dsp/denoise';
import { Rng } from '../../../src-main/audio/dsp/prng';
import { resampleChannel } from '../../../src-main/audio/resample';
import { Rnnoise } from '@shiguredo/rnnoise-wasm';
import { CORPUS_DIR } from '../../integration/prosody/helpers';

/** Reference: the whole signal through one RNNoise state, with the same resampling as the product, so only the
 * chunking differs. */
async function continuousRnnoise(x24: Float32Array): Promise<Float32Array> {
  const g = globalThis as Record<string, unknown>;
  g['window'] = globalThis;
  const rn = await Rnnoise.load();
  delete g['window'];
  const opts = { mode: 'torchaudioHann', lowpassFilterWidth: 16, rolloff: 0.97 } as const;
  const x = resampleChannel(x24, 24000, 48000, opts);
  const frames = Math.ceil((x.length + 960) / 480);
  const y = new Float32Array(frames * 480);
  const st = rn.createDenoiseState();
  const f = new Float32Array(480);
  for (let k = 0; k < frames; k++) {
    for (let i = 0; i < 480; i++) f[i] = (x[k * 480 + i] ?? 0) * 32768;
    st.processFrame(f);
    for (let i = 0; i < 480; i++) y[k * 480 + i] = f[i]! / 32768;
  }
  st.destroy();
  return resampleChannel(y.subarray(960, 960 + x.length), 48000, 24000, opts).subarray(0, x24.length);
}

/** Speech + white noise, `sec` seconds at 24 kHz (the corpus clip repeated). */
async function noisySpeech(sec: number): Promise<Float32Array> {
  const clean = await speech();
  const n = sec * 24000;
  const x = new Float32Array(n);
  const rng = new Rng(4);
  for (let i = 0; i < n; i++) x[i] = clean[i % clean.length]! + 0.01 * rng.gauss();
  return x;
}

function same(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

async function speech(): Promise<Float32Array> {
  const a = await decodeFile(`${CORPUS_DIR}/en_happy_prompt.wav`);
  return a.channels[0]!;
}

describe('denoise', () => {
  it('output lines up with the input (the 20 ms model delay is removed)', async () => {
    const x = await speech();
    const y = (await denoise({ sampleRate: 24000, channels: [x] }, { threads: 1 })).channels[0]!;
    expect(y.length).toBe(x.length);
    let best = -Infinity;
    let bestLag = 0;
    for (let lag = -600; lag <= 600; lag += 1) {
      let s = 0;
      for (let i = 2000; i < x.length - 2000; i += 2) s += x[i]! * y[i + lag]!;
      if (s > best) {
        best = s;
        bestLag = lag;
      }
    }
    expect(Math.abs(bestLag)).toBeLessThanOrEqual(1);
  });

  it('chunked processing gives the same output with or without worker threads', async () => {
    const clean = await speech();
    // 20 s of speech + noise: three chunks.
    const n = 20 * 24000;
    const x = new Float32Array(n);
    const rng = new Rng(4);
    for (let i = 0; i < n; i++) x[i] = clean[i % clean.length]! + 0.01 * rng.gauss();
    const one = (await denoise({ sampleRate: 24000, channels: [x] }, { threads: 1 })).channels[0]!;
    const two = (await denoise({ sampleRate: 24000, channels: [x] }, { threads: 2 })).channels[0]!;
    expect(await denoiseWorkerCount()).toBe(2);
    await disposeDenoiser();
    expect(Buffer.from(one.buffer).equals(Buffer.from(two.buffer))).toBe(true);
    // The chunking (each chunk restarts the model after a 0.5 s pre-roll) stays close to one continuous pass.
    const cont = await continuousRnnoise(x);
    let diff = 0;
    let ref = 0;
    for (let i = 0; i < n; i++) {
      diff += (one[i]! - cont[i]!) ** 2;
      ref += cont[i]! ** 2;
    }
    expect(10 * Math.log10(diff / ref)).toBeLessThan(-30);
  });
});

describe('denoise worker pool', () => {
  it('keeps one pool across calls, even when a worker fails to start, and dispose stops every thread', async () => {
    await disposeDenoiser();
    const audio = { sampleRate: 24000, channels: [await noisySpeech(9)] };
    const starts0 = denoiseThreadStats().poolStarts;
    for (let k = 0; k < 3; k++) {
      await denoise(audio, { threads: 2 });
      expect(denoiseThreadStats().live, `after call ${k}`).toBe(2);
    }
    expect(denoiseThreadStats().poolStarts - starts0).toBe(1);
    await disposeDenoiser();
    expect(denoiseThreadStats().live).toBe(0);
    // One of three workers cannot start: no pool is formed, its healthy siblings are stopped, and later calls neither
    // retry nor leave threads behind.
    simulateDenoiseWorkerFault('startup-one');
    try {
      const starts1 = denoiseThreadStats().poolStarts;
      for (let k = 0; k < 3; k++) {
        await denoise(audio, { threads: 3 });
        expect(denoiseThreadStats().live, `after call ${k} with a failing worker`).toBe(0);
      }
      expect(denoiseThreadStats().poolStarts - starts1).toBe(1);
      expect(await denoiseWorkerCount()).toBe(0);
    } finally {
      simulateDenoiseWorkerFault(null);
      await disposeDenoiser();
    }
  });

  it('falls back to the main thread with identical output when workers cannot start', async () => {
    await disposeDenoiser();
    const audio = { sampleRate: 24000, channels: [await noisySpeech(9)] };
    const ref = (await denoise(audio, { threads: 1 })).channels[0]!;
    simulateDenoiseWorkerFault('startup');
    try {
      const starts = denoiseThreadStats().poolStarts;
      const a = (await denoise(audio, { threads: 2 })).channels[0]!;
      const b = (await denoise(audio, { threads: 2 })).channels[0]!;
      expect(same(a, ref)).toBe(true);
      expect(same(b, ref)).toBe(true);
      expect(denoiseThreadStats().poolStarts - starts).toBe(1);
      expect(denoiseThreadStats().live).toBe(0);
    } finally {
      simulateDenoiseWorkerFault(null);
      await disposeDenoiser();
    }
  });

  it('a worker that dies mid-run fails the call, retires its pool, and the next call starts a fresh one', async () => {
    await disposeDenoiser();
    const audio = { sampleRate: 24000, channels: [await noisySpeech(9)] };
    const ref = (await denoise(audio, { threads: 1 })).channels[0]!;
    simulateDenoiseWorkerFault('crash');
    const starts = denoiseThreadStats().poolStarts;
    try {
      await expect(denoise(audio, { threads: 2 })).rejects.toMatchObject({ code: 'E_ENGINE_FAILED' });
    } finally {
      simulateDenoiseWorkerFault(null);
    }
    const y = (await denoise(audio, { threads: 2 })).channels[0]!;
    expect(same(y, ref)).toBe(true);
    expect(denoiseThreadStats().poolStarts - starts).toBe(2);
    expect(await denoiseWorkerCount()).toBe(2);
    await disposeDenoiser();
    expect(denoiseThreadStats().live).toBe(0);
  });

  it('rejects within a small fraction of the run time once aborted, on workers and on the main thread', async () => {
    await disposeDenoiser();
    const audio = { sampleRate: 24000, channels: [await noisySpeech(30)] };
    for (const threads of [2, 1]) {
      await denoise(audio, { threads }); // warm-up (pool start, WASM load)
      const t0 = performance.now();
      await denoise(audio, { threads });
      const full = performance.now() - t0;
      const ac = new AbortController();
      let abortedAt = 0;
      // A quarter of the way in: mid-chunk for both paths (four chunks, two per worker or one after another).
      const timer = setTimeout(() => {
        abortedAt = performance.now();
        ac.abort();
      }, 0.25 * full);
      const err = await denoise(audio, { threads, signal: ac.signal }).then(
        () => new Error('expected a rejection'),
        (e: unknown) => e,
      );
      const latency = performance.now() - abortedAt;
      clearTimeout(timer);
      expect(abortedAt, `threads ${threads}: the run ended before the abort`).toBeGreaterThan(0);
      expect((err as Error).name, `threads ${threads}`).toBe('AbortError');
      // Before the fix the pool path waited for the chunks in flight (0.2–0.3 of the run) and the main thread ran a
      // whole chunk without a break.
      expect(latency, `threads ${threads}: ${latency.toFixed(0)} ms after abort, full run ${full.toFixed(0)} ms`).toBeLessThan(0.1 * full);
    }
    await disposeDenoiser();
  });
});
