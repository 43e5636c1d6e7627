// The preprocessing of one EditX input (EDITX-SPEC.md §4 and §6, last paragraph), through the engine's model parts
// on the tiny pack: the audio tokenizers see the input trimmed of its silence, the prompt mel (and CAM++) the whole
// untrimmed input; both see it peak-capped at 0.6, so two loud copies of one input give the same features.

import { afterAll, describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import type { AudioData } from '../../../src-main/audio/types';
import { PackParts, peakCapped } from '../../../src-main/engines/editx/parts';
import { loadPack } from '../../../src-main/engines/editx/pack/load';
import type { EditxStage } from '../../../src-main/engines/editx/pack/sessions';
import { SessionRegistry } from '../../../src-main/onnx';
import { corpusFile } from '../../helpers/studio';
import { requireTinyPack } from '../editx-lm/tiny-pack';

const registry = new SessionRegistry<EditxStage>({ log: () => {} });
afterAll(() => registry.releaseAll());

async function parts(): Promise<PackParts> {
  const pack = await loadPack(requireTinyPack(), { verify: 'size' });
  return PackParts.open(pack, registry, { owner: 'parts-test', provider: 'cpu', intraOpNumThreads: 1, stampFile: null });
}

describe('peakCapped', () => {
  it('scales a louder input down to a peak of 0.6 and leaves a quieter one as it is', () => {
    const loud = Float32Array.from([0.1, -1.5, 0.75, 0]);
    const capped = peakCapped(loud);
    expect(Math.max(...capped.map(Math.abs))).toBeCloseTo(0.6, 7);
    expect(Array.from(capped)).toEqual(Array.from(loud).map((v) => Math.fround((Math.fround(v) / 1.5) * 0.6)));
    const quiet = Float32Array.from([0.1, -0.5, 0.3]);
    expect(peakCapped(quiet)).toBe(quiet);
  });
});

describe('EditX input preprocessing on the tiny pack', () => {
  it('gives the tokenizers the trimmed input and the prompt mel the untrimmed one; a loud input is capped first', async () => {
    const line = (await decodeFile(corpusFile('speed_prompt.wav'))).channels[0]!;
    const pad = 36000; // 1.5 s of silence at 24 kHz before and after the line
    const x = new Float32Array(line.length + 2 * pad);
    x.set(line, pad);
    const seconds = x.length / 24000;
    const p = await parts();
    const signal = new AbortController().signal;
    const audio = (samples: Float32Array): AudioData => ({ sampleRate: 24000, channels: [samples] });

    const { features: f } = await p.analyse(audio(x), signal);
    // The prompt mel covers the whole input: 50 frames a second (hop 480 at 24 kHz, reflect-padded, not centred).
    expect(Math.abs(f.mel.frames - seconds * 50)).toBeLessThanOrEqual(2);
    // The tokenizers saw the line without most of its 3 s of silence (0.05 s kept before, 0.22 s after, then the
    // reference's length rule adds 0.27 s).
    expect(f.tokenizerSeconds).toBeLessThan(line.length / 24000 + 0.7);
    expect(f.tokenizerSeconds).toBeGreaterThan(line.length / 24000 - 1);
    expect(Math.abs(f.vq06.length - 25 * f.tokenizerSeconds)).toBeLessThanOrEqual(2);

    // Two inputs louder than the cap, one twice the other (exact in float32): each is scaled to a peak of 0.6 before
    // both paths, so they give the same features bit for bit.
    const peak = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(2 * peak).toBeGreaterThan(0.6);
    const a = (await p.analyse(audio(x.map((v) => v * 2)), signal)).features;
    const b = (await p.analyse(audio(x.map((v) => v * 4)), signal)).features;
    expect(Array.from(a.vq02)).toEqual(Array.from(b.vq02));
    expect(Array.from(a.vq06)).toEqual(Array.from(b.vq06));
    expect(Buffer.compare(Buffer.from(a.mel.data.buffer), Buffer.from(b.mel.data.buffer))).toBe(0);
    expect(Buffer.compare(Buffer.from(a.embedding.buffer), Buffer.from(b.embedding.buffer))).toBe(0);
  });
});
