import { describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import { denoise, denoiseWorkerCount, disposeDenoiser } from '../../../src-main/audio/dsp/denoise';
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
