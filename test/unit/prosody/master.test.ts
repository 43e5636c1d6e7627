import { describe, expect, it } from 'vitest';
import { integratedLoudness, truePeak } from '../../../src-main/audio/analysis/loudness';
import { master } from '../../../src-main/audio/dsp/master';
import type { AudioData } from '../../../src-main/audio/types';
import { createProsodyEngine } from '../../../src-main/engines/prosody';
import type { EditRequest } from '../../../src-main/engines/types';
import { corpus } from '../../integration/prosody/helpers';

const engine = createProsodyEngine();

async function run(audio: AudioData, req: Omit<EditRequest, 'seed'>) {
  return engine.edit(audio, { seed: 1, ...req }, { signal: new AbortController().signal, progress: () => {} });
}

interface LoudnessInfo {
  targetLufs: number | null;
  outputLufs: number | null;
  truePeakDbtp: number | null;
  shortfallLu: number | null;
}

function loudnessInfo(info: Record<string, unknown> | undefined): LoudnessInfo {
  const l = info?.['loudness'];
  if (!l) throw new Error('the edit reported no loudness info');
  return l as LoudnessInfo;
}

function dbtp(a: AudioData): number {
  return 20 * Math.log10(truePeak(a));
}

/** Speech driven into soft clipping: peaks at full scale, loudness about −12.5 LUFS. */
async function hotSpeech(drive: number): Promise<AudioData> {
  const a = await corpus('en_happy_prompt.wav');
  const x = a.channels[0]!.map((v) => (Math.tanh(v * drive) / Math.tanh(drive)) * 0.999);
  return { sampleRate: a.sampleRate, channels: [x] };
}

describe('master: true peak', () => {
  it('keeps the analysis meter under −1 dBTP near Nyquist and reports what that meter reads', async () => {
    // Half-scale sines just under Nyquist: their inter-sample peaks are where a shorter interpolator under-reads.
    for (const [hz, sr] of [
      [7900, 16000],
      [3900, 8000],
    ] as const) {
      const x = Float32Array.from({ length: sr }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / sr));
      for (const [task, option] of [
        ['style', 'pure'],
        ['emotion', 'angry'],
        ['style', 'loudly'],
      ] as const) {
        const r = await run({ sampleRate: sr, channels: [x] }, { task, option });
        const tp = dbtp(r.audio);
        const what = `${hz} Hz at ${sr} Hz, ${option}`;
        expect(tp, what).toBeLessThanOrEqual(-1);
        expect(loudnessInfo(r.info).truePeakDbtp, what).toBeCloseTo(tp, 3);
      }
    }
  });

  it('trims until the meter agrees, also for a signal the limiter alone would leave over the ceiling', async () => {
    // A full-scale sine at 0.47 × the rate, raised 6 dB: every sample needs limiting and the curve moves within the
    // interpolator's reach.
    const sr = 16000;
    const x = Float32Array.from({ length: sr }, (_, i) => 0.99 * Math.sin(2 * Math.PI * 0.47 * i));
    const m = await master({ sampleRate: sr, channels: [x] }, { referenceLufs: integratedLoudness({ sampleRate: sr, channels: [x] }), loudnessChangeDb: 6 });
    expect(dbtp(m.audio)).toBeLessThanOrEqual(-1);
    expect(m.truePeakDbtp!).toBeCloseTo(dbtp(m.audio), 9);
  });
});

describe('master: loudness match', () => {
  it('reaches a target that limiting makes hard to reach, within 0.1 LU', async () => {
    // Drive 1.5: about −14 LUFS with full-scale peaks; +3.5 dB (loudly) is reachable with limiting. The former
    // proportional re-matching stopped 0.7 LU short after its six rounds.
    const hot = await hotSpeech(1.5);
    const r = await run(hot, { task: 'style', option: 'loudly' });
    const info = loudnessInfo(r.info);
    const out = integratedLoudness(r.audio)!;
    expect(Math.abs(out - info.targetLufs!)).toBeLessThanOrEqual(0.1);
    expect(info.shortfallLu).toBeNull();
    expect(dbtp(r.audio)).toBeLessThanOrEqual(-1);
  });

  it('reports the shortfall when the ceiling keeps a hot source from its target', async () => {
    const hot = await hotSpeech(2);
    const input = integratedLoudness(hot)!;
    expect(input).toBeGreaterThan(-13);
    expect(input).toBeLessThan(-12);
    for (const option of ['loudly', 'roar']) {
      const r = await run(hot, { task: 'style', option });
      const info = loudnessInfo(r.info);
      const out = integratedLoudness(r.audio)!;
      expect(dbtp(r.audio), option).toBeLessThanOrEqual(-1);
      expect(info.outputLufs!, option).toBeCloseTo(out, 2);
      expect(info.shortfallLu, option).not.toBeNull();
      expect(info.shortfallLu!, option).toBeCloseTo(info.targetLufs! - out, 2);
      expect(info.shortfallLu!, option).toBeGreaterThan(0.1);
    }
  });

  it('reports no shortfall when the target is met', async () => {
    const a = await corpus('en_happy_prompt.wav');
    for (const option of ['loudly', 'roar']) {
      const r = await run(a, { task: 'style', option });
      const info = loudnessInfo(r.info);
      expect(info.shortfallLu, option).toBeNull();
      expect(Math.abs(integratedLoudness(r.audio)! - info.targetLufs!), option).toBeLessThanOrEqual(0.1);
    }
  });
});
