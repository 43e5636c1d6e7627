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

describe('vad on conversational pauses (100–300 ms)', () => {
  // Four corpus utterances (each with its own internal phrase pause) joined by pauses of 120–300 ms of room tone at
  // −60 dBFS, after 0.6 s of lead-in and before 0.8 s of tail: the pauses of conversation that a cap of 200 ms plus
  // padding left almost untouched (a few percent shorter).
  const sr = 24000;
  const pauses = [0.12, 0.18, 0.25, 0.3];
  async function conversation(breath?: Float32Array): Promise<AudioData> {
    const parts: Float32Array[] = [gaussianNoise(Math.round(0.6 * sr), 0.001, 1)];
    const files = ['en_happy_prompt.wav', 'speed_prompt.wav', 'zero_shot_en_prompt.wav', 'paralingustic_prompt.wav', 'en_happy_prompt.wav'];
    for (let i = 0; i < files.length; i++) {
      const a = await corpus(files[i]!);
      parts.push(a.sampleRate === sr ? a.channels[0]! : resampleChannel(a.channels[0]!, a.sampleRate, sr));
      if (i < pauses.length) parts.push(gaussianNoise(Math.round(pauses[i]! * sr), 0.001, 10 + i));
    }
    if (breath) parts.splice(parts.length - 1, 0, gaussianNoise(Math.round(0.4 * sr), 0.001, 30), breath, gaussianNoise(Math.round(0.4 * sr), 0.001, 31));
    parts.push(gaussianNoise(Math.round(0.8 * sr), 0.001, 2));
    return concat(sr, parts);
  }
  const gapsOf = (segs: Array<{ start: number; end: number }>) => segs.slice(1).map((g, i) => g.start - segs[i]!.end);

  it('cuts every pause over 100 ms to 100 ms and removes the lead-in and tail, keeping all the speech', async () => {
    const input = await conversation();
    const opts = { speechPadMs: 0, minSilenceMs: 50 };
    const vin = await detectSpeech(input, opts);
    const res = await edit(input, { task: 'vad' });
    const vout = await detectSpeech(res.audio, opts);
    const inSec = seconds(input);
    const outSec = seconds(res.audio);
    // What a user expects: lead-in and tail gone (but a 30 ms margin each), every pause longer than 100 ms at 100 ms.
    const expectedCut =
      vin.segments[0]!.start - 0.03 + (inSec - vin.segments[vin.segments.length - 1]!.end - 0.03) +
      gapsOf(vin.segments).reduce((sum, g) => sum + Math.max(0, g - 0.1), 0);
    expect(Math.abs(inSec - outSec - expectedCut)).toBeLessThan(0.01);
    // Measured again on the output by the VAD, whose edges fall on 32 ms windows: no pause over 100 ms + two windows,
    // no lead or tail over two windows.
    for (const g of gapsOf(vout.segments)) expect(g).toBeLessThanOrEqual(0.1 + 0.064 + 1e-9);
    expect(vout.segments[0]!.start).toBeLessThanOrEqual(0.064);
    expect(outSec - vout.segments[vout.segments.length - 1]!.end).toBeLessThanOrEqual(0.064);
    expect(Math.abs(vout.speechSec - vin.speechSec) / vin.speechSec).toBeLessThan(0.05);
    // The shortening a user asking to remove silences expects here: more than the 1.4 s of lead-in and tail alone,
    // and (measured) about a fifth of the recording.
    expect(inSec - outSec).toBeGreaterThan(1.4 + 0.5);
    expect((inSec - outSec) / inSec).toBeGreaterThan(0.12);
    console.log(`vad: ${inSec.toFixed(2)} s → ${outSec.toFixed(2)} s (${(100 * (1 - outSec / inSec)).toFixed(1)} % shorter)`);
    expect(res.info).toMatchObject({ pauseSec: 0.1, keepBreaths: false });
  });

  it('takes the kept pause as a setting: 250 ms leaves the shorter pauses whole and shortens less', async () => {
    const input = await conversation();
    const tight = seconds((await edit(input, { task: 'vad' })).audio);
    const loose = await edit(input, { task: 'vad', settings: { pauseSec: 0.25 } });
    expect(seconds(loose.audio)).toBeGreaterThan(tight + 0.25);
    const vout = await detectSpeech(loose.audio, { speechPadMs: 0, minSilenceMs: 50 });
    for (const g of gapsOf(vout.segments)) expect(g).toBeLessThanOrEqual(0.25 + 0.064 + 1e-9);
    await expect(edit(input, { task: 'vad', settings: { pauseSec: 5 } })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    await expect(edit(input, { task: 'vad', settings: { pause: 0.1 } })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    await expect(edit(input, { task: 'vad', settings: { keepBreaths: 1 } })).rejects.toMatchObject({ code: 'E_VALIDATION' });
  });

  it('keeps a breath inside a pause whole only when asked to', async () => {
    // An inhalation: 350 ms of noise shaped by a rise and fall, band-limited by a one-pole low-pass, about −30 dBFS.
    const n = Math.round(0.35 * sr);
    const noise = gaussianNoise(n, 0.05, 77);
    const breath = new Float32Array(n);
    let y = 0;
    for (let i = 0; i < n; i++) {
      y += 0.3 * (noise[i]! - y);
      breath[i] = y * Math.sin((Math.PI * i) / n);
    }
    const input = await conversation(breath);
    const rms = (x: Float32Array, a: number, b: number) => Math.sqrt(x.subarray(a, b).reduce((t, v) => t + v * v, 0) / Math.max(1, b - a));
    const breathRms = rms(breath, 0, n);
    /** The loudest 200 ms inside the pauses the VAD finds in `a` (RMS), and the longest such pause. */
    async function pauseContent(a: AudioData): Promise<{ loudest: number; longest: number }> {
      const v = await detectSpeech(a, { speechPadMs: 0, minSilenceMs: 50 });
      let loudest = 0;
      let longest = 0;
      const x = a.channels[0]!;
      for (let i = 1; i < v.segments.length; i++) {
        const g0 = Math.round(v.segments[i - 1]!.end * sr);
        const g1 = Math.round(v.segments[i]!.start * sr);
        longest = Math.max(longest, (g1 - g0) / sr);
        for (let w = g0; w + 0.2 * sr <= g1; w += 0.01 * sr) loudest = Math.max(loudest, rms(x, w, w + 0.2 * sr));
      }
      return { loudest, longest };
    }
    const cut = await edit(input, { task: 'vad' });
    const kept = await edit(input, { task: 'vad', settings: { keepBreaths: true } });
    expect((kept.info as { breathsKept: number }).breathsKept).toBeGreaterThanOrEqual(1);
    // The breath's 350 ms stay in the output (with the kept pause on each side of it) …
    expect(seconds(kept.audio) - seconds(cut.audio)).toBeGreaterThan(0.3);
    const k = await pauseContent(kept.audio);
    expect(k.longest).toBeGreaterThan(0.35);
    expect(k.loudest).toBeGreaterThan(breathRms / 4);
    // … and without the setting no pause is long enough to hold it.
    const c = await pauseContent(cut.audio);
    expect(c.longest).toBeLessThanOrEqual(0.1 + 0.064 + 1e-9);
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
