// The tiny pack's decoder graphs on onnxruntime (+ our TypeScript DSP) against our own torch modules
// (tools/export/retake_export/flow, vocoder; reference written by retake_export/flow/reference.py).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EditxDecoder } from '../../../src-main/engines/editx/decoder/decoder';
import { promptCondition } from '../../../src-main/engines/editx/decoder/prompt-cond';
import { tokenPairs } from '../../../src-main/engines/editx/decoder/token-pairs';
import { nsfSource, nsfSourceReference } from '../../../src-main/engines/editx/vocoder/source';
import { istft, sourceStft } from '../../../src-main/engines/editx/vocoder/stft';
import { featureMatrix, firstHalf, guided, maxAbs, maxAbsDiff, reference, snrDb, sourceBound, tensor, tinyPack } from './fixtures';

const { t: R, meta } = reference();
const r = (name: string) => tensor(R, name);
let dec: EditxDecoder;

beforeAll(async () => {
  dec = await EditxDecoder.open(await tinyPack());
});
afterAll(async () => {
  await dec?.release();
});

describe('tiny pack decoder: onnxruntime vs torch', () => {
  it('token pairs and prompt condition', () => {
    const tp = tokenPairs(meta.promptIds, meta.generatedIds);
    expect([...tp.pairs]).toEqual([...(r('flow.tokens').i64 as BigInt64Array)]);
    const cond = promptCondition(featureMatrix(r('input.prompt_mel')), 2 * meta.promptTokenFrames, true);
    const want = r('flow.prompt_cond');
    const [, frames, bins] = want.shape as [number, number, number];
    const bm = new Float32Array(bins * frames);
    for (let t = 0; t < frames; t++) for (let b = 0; b < bins; b++) bm[b * frames + t] = want.f32[t * bins + b] as number;
    expect(maxAbsDiff(cond, bm)).toBe(0);
  });

  it('encoder, speaker projection and one estimator step', async () => {
    const mu = await dec.flow.encode(r('flow.tokens').i64 as BigInt64Array);
    const spk = await dec.flow.projectSpeaker(r('input.speaker').f32);
    const n = r('estimator.step0.x').shape[2] as number;
    const v = await dec.flow.velocity(
      firstHalf(r('estimator.step0.x').f32), firstHalf(r('estimator.step0.mu').f32), r('estimator.step0.t').f32[0] as number,
      firstHalf(r('estimator.step0.spks').f32), firstHalf(r('estimator.step0.cond').f32), n,
    );
    const d = [maxAbsDiff(mu, r('flow.mu').f32), maxAbsDiff(spk, r('flow.spks').f32), maxAbsDiff(v, guided(r('estimator.step0.out').f32))];
    console.log(`tiny torch vs onnx: mu ${d[0]!.toExponential(2)}, speaker ${d[1]!.toExponential(2)}, estimator ${d[2]!.toExponential(2)} (max |v| ${maxAbs(v).toFixed(2)})`);
    expect(d[0]).toBeLessThanOrEqual(1e-4);
    expect(d[1]).toBeLessThanOrEqual(1e-5);
    expect(d[2]).toBeLessThanOrEqual(1e-4);
  });

  it('source STFT, trunk spectrum and ISTFT against torch.stft / torch.istft', async () => {
    const src = r('hift.source').f32;
    const stft = sourceStft(src, 16, 4);
    const dStft = maxAbsDiff(stft, r('hift.source_stft').f32);
    const re = r('hift.real');
    const frames = re.shape[2] as number;
    const wave = istft({ real: re.f32, imag: r('hift.imag').f32, bins: 9, frames }, 16, 4, 0.99);
    const dWave = maxAbsDiff(wave, r('hift.waveform').f32);
    console.log(`tiny torch vs ts: source STFT ${dStft.toExponential(2)}, ISTFT ${dWave.toExponential(2)}`);
    expect(dStft).toBeLessThanOrEqual(1e-6);
    expect(dWave).toBeLessThanOrEqual(1e-6);
  });

  it('whole decode: mel, F0, source and waveform with the reference draws', async () => {
    const draws = { phase: r('hift.nsf_phase').f32, noise: r('hift.nsf_noise').f32 };
    const res = await dec.decode(meta.generatedIds, {
      codes: meta.promptIds, mel: featureMatrix(r('input.prompt_mel')), embedding: r('input.speaker').f32,
    }, { draws, referenceSource: true });
    const dMel = maxAbsDiff(res.mel, r('flow.mel').f32);
    const dF0 = maxAbsDiff(res.f0, r('hift.f0').f32);
    const src = nsfSourceReference(r('hift.f0').f32, dec.vocoder.component, draws);
    const dSrc = maxAbsDiff(src, r('hift.source').f32);
    const dFast = maxAbsDiff(nsfSource(r('hift.f0').f32, dec.vocoder.component, draws), r('hift.source').f32);
    const fromRefF0 = await dec.vocoder.vocode(r('flow.mel').f32, res.melFrames, draws, { f0: r('hift.f0').f32, referenceSource: true });
    const dWaveRef = maxAbsDiff(fromRefF0.waveform, r('hift.waveform').f32);
    const dWave = maxAbsDiff(res.samples, r('hift.waveform').f32);
    const snr = snrDb(res.samples, r('hift.waveform').f32);
    console.log(
      `tiny torch vs onnx: mel ${dMel.toExponential(2)}, F0 ${dF0.toExponential(2)} Hz, source ${dSrc.toExponential(2)} (fast form ${dFast.toExponential(2)}), ` +
        `waveform from torch's mel+F0 ${dWaveRef.toExponential(2)}, end to end ${dWave.toExponential(2)} (${snr.toFixed(1)} dB below the signal)`,
    );
    expect(dMel).toBeLessThanOrEqual(1e-3);
    expect(dF0).toBeLessThanOrEqual(1e-2);
    expect(dSrc).toBeLessThanOrEqual(1e-6);
    expect(dFast).toBeLessThanOrEqual(sourceBound(dec.vocoder.component, r('hift.f0').f32));
    expect(dWaveRef).toBeLessThanOrEqual(2e-4);
    // End to end, onnxruntime's F0 (~5e-5 Hz off) goes through the source's phase — a running sum over the
    // utterance, so the drift grows with its length (1.4 s here) — and the random trunk's gain: sample differences
    // reach ~2e-2 while the difference as a whole stays ~40 dB or more below the signal. A wrong formula anywhere is
    // audible: 0–10 dB.
    expect(snr).toBeGreaterThanOrEqual(35);
  });
});
