// Issue 3 checks for the vad (silence removal) and denoise tasks, on corpus speech measured by the analysis module.

import { describe, expect, it } from 'vitest';
import { analyze, detectSpeech, frameEnergyPercentiles } from '../../../src-main/audio/analysis';
import { resampleChannel } from '../../../src-main/audio/resample';
import type { AudioData } from '../../../src-main/audio/types';
import { concat, corpus, edit, gaussianNoise, seconds } from './helpers';

describe('vad', () => {
  it('shortens a recording with pauses by at least 10 % while speech seconds stay within 15 %', async () => {
    // Three corpus utterances separated by 1.2 s pauses of low room noise (−60 dBFS), 0.5 s at each end.
    const sr = 24000;
    const a = await corpus('en_happy_prompt.wav');
    const b = await corpus('speed_prompt.wav');
    const c = await corpus('zero_shot_en_prompt.wav');
    const cAt24 = resampleChannel(c.channels[0]!, c.sampleRate, sr);
    const pause = (sec: number, seed: number) => gaussianNoise(Math.round(sec * sr), 0.001, seed);
    const input = concat(sr, [pause(0.5, 1), a.channels[0]!, pause(1.2, 2), b.channels[0]!, pause(1.2, 3), cAt24, pause(0.5, 4)]);
    const before = await analyze(input);
    const res = await edit(input, { task: 'vad' });
    const after = await analyze(res.audio);
    expect(after.durationSec).toBeLessThanOrEqual(0.9 * before.durationSec);
    expect(Math.abs(after.speechSec - before.speechSec) / before.speechSec).toBeLessThanOrEqual(0.15);
    expect(Math.abs(after.loudnessLufs! - before.loudnessLufs!)).toBeLessThanOrEqual(1);
  });

  it('leaves a recording without long pauses nearly unchanged in length', async () => {
    const input = await corpus('speed_prompt.wav');
    const res = await edit(input, { task: 'vad' });
    expect(seconds(res.audio)).toBeGreaterThan(0.8 * seconds(input));
    expect(seconds(res.audio)).toBeLessThanOrEqual(seconds(input));
  });
});

describe('denoise', () => {
  it('lowers the noise floor of speech + white noise at 10 dB SNR by ≥ 10 dB; speech frames lose < 3 dB', async () => {
    const clean = await corpus('zero_shot_en_prompt.wav');
    const x = clean.channels[0]!;
    const sr = clean.sampleRate;
    // SNR over the speech: mean power of the clean signal inside its VAD segments vs the noise power.
    const vad = await detectSpeech(clean);
    let p = 0;
    let count = 0;
    for (const s of vad.segments) {
      for (let i = Math.round(s.start * sr); i < Math.min(x.length, Math.round(s.end * sr)); i++) {
        p += x[i]! * x[i]!;
        count++;
      }
    }
    const speechPower = p / count;
    const sd = Math.sqrt(speechPower / 10);
    const n = gaussianNoise(x.length, sd, 11);
    const noisy: AudioData = { sampleRate: sr, channels: [x.map((v, i) => v + n[i]!)] };
    const [floorIn, speechIn] = frameEnergyPercentiles(noisy, [10, 95]) as [number, number];
    const res = await edit(noisy, { task: 'denoise' });
    const [floorOut, speechOut] = frameEnergyPercentiles(res.audio, [10, 95]) as [number, number];
    expect(floorIn - floorOut).toBeGreaterThanOrEqual(10);
    expect(speechIn - speechOut).toBeLessThan(3);
    expect(res.audio.channels[0]!.length).toBe(x.length);
  });
});
