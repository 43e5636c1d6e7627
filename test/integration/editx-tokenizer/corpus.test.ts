// The whole tokenizer path on real speech, through the feature front ends of audio/features and the tiny pack's
// models: the token rates the reference asserts, the interleave, repeatability, input below 16 kHz, the
// upstream goldens reproduced from their 16 kHz audio, and `retake debug tokens`.

import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import { resampleTorchaudio } from '../../../src-main/audio/features';
import { AUDIO_FEATURES_FRONT_END as FRONT_END } from '../../../src-main/engines/editx/tokenizer/front-end';
import { loadPack } from '../../../src-main/engines/editx/pack/load';
import { AudioTokenizer, type AudioTokens } from '../../../src-main/engines/editx/tokenizer/tokenize';
import { Vq02Tokenizer, wavRoundTrip } from '../../../src-main/engines/editx/tokenizer/vq02';
import { corpus, corpusFile, hostEntry, repoRoot } from '../../helpers/studio';
import { goldens, npy } from '../../helpers/upstream-tokenizer';
import { requireTinyPack } from '../editx-lm/tiny-pack';

// EDITX-SPEC.md §4: vq06 at 25 codes per second (upstream asserts |n − 25·s| ≤ 2), vq02 at 16.67 (4 per 240 ms).
const VQ06_RATE = 25;
const VQ02_RATE = 1000 / 60;
const TOLERANCE = 2;

const files = (): string[] => {
  const names = readdirSync(corpus).filter((f) => f.endsWith('.wav')).sort();
  if (names.length === 0) throw new Error(`${corpus} holds no .wav files: the tests need ../shared/corpus.`);
  return names;
};

let tok: AudioTokenizer;
beforeAll(async () => {
  tok = await AudioTokenizer.open(await loadPack(requireTinyPack(), { variants: [] }), FRONT_END, { intraOpNumThreads: 1 });
});
afterAll(() => tok?.release());

function expectRates(t: AudioTokens, name: string): void {
  expect(Math.abs(t.vq06.length - VQ06_RATE * t.seconds), `${name}: vq06 ${t.vq06.length} for ${t.seconds} s`).toBeLessThanOrEqual(TOLERANCE);
  expect(Math.abs(t.vq02.length - VQ02_RATE * t.seconds), `${name}: vq02 ${t.vq02.length} for ${t.seconds} s`).toBeLessThanOrEqual(TOLERANCE);
  expect(t.groups).toBe(Math.min(Math.floor(t.vq06.length / 3), Math.floor(t.vq02.length / 2)));
  expect(t.codes.length).toBe(5 * t.groups);
  expect(t.ids.length).toBe(5 * t.groups);
  expect(t.decoder.vq02.length).toBe(3 * t.groups);
}

describe('tokens of every corpus file', () => {
  it('follow the reference rates, interleave 5 per group, and repeat exactly', async () => {
    for (const name of files()) {
      const audio = await decodeFile(corpusFile(name));
      const a = await tok.tokenize(audio);
      expectRates(a, name);
      expect(a.resampledFrom, name).toBe(audio.sampleRate === 16000 ? null : audio.sampleRate);
      expect(a.seconds).toBeGreaterThan(2);
      const b = await tok.tokenize(audio);
      expect(Array.from(b.vq02), name).toEqual(Array.from(a.vq02));
      expect(Array.from(b.vq06), name).toEqual(Array.from(a.vq06));
    }
  });

  it('input at 8 kHz and at 16 kHz is tokenized, and the result says whether it was resampled', async () => {
    const audio = await decodeFile(corpusFile('speed_prompt.wav'));
    for (const rate of [8000, 16000]) {
      const x = resampleTorchaudio(audio.channels[0]!, audio.sampleRate, rate);
      const t = await tok.tokenize({ sampleRate: rate, channels: [x] });
      expect(t.resampledFrom).toBe(rate === 16000 ? null : 8000);
      expectRates(t, `${rate} Hz`);
    }
  });
});

describe('the upstream goldens from their audio, through our front end', () => {
  it('gives upstream’s codes for every excerpt (WAV rounding, fbank, LFR + CMVN, chunk plan, encoder, codebook)', async () => {
    const pack = await loadPack(path.join(requireTinyPack(), 'reference', 'upstream-vq02'), { variants: [] });
    const vq02 = await Vq02Tokenizer.open(pack, { intraOpNumThreads: 1 });
    try {
      for (const ex of goldens().excerpts) {
        const audio = npy(`${ex.name}.audio16k.npy`).data;
        const x = wavRoundTrip(audio);
        const plan = vq02.plan(x.length);
        const feats = FRONT_END.lfrCmvn(FRONT_END.kaldiFbank(x), vq02.cmvn, 7, 6);
        const r = await vq02.tokenize(feats, plan);
        expect(Array.from(r.codes), ex.name).toEqual(ex.codes);
      }
    } finally {
      await vq02.release();
    }
  });
});

describe('retake debug tokens', () => {
  const retake = (...args: string[]) => {
    hostEntry(); // dist/ must be built
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'retake.mjs'), ...args], { encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('prints the counts as JSON, and the ids with --ids', () => {
    const r = retake('debug', 'tokens', corpusFile('zero_shot_en_prompt.wav'), '--pack', requireTinyPack(), '--json', '--ids');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.resampledFrom).toBe(44100);
    expect(j.interleaved).toBe(5 * j.groups);
    expect(Math.abs(j.vq06 - VQ06_RATE * j.seconds)).toBeLessThanOrEqual(TOLERANCE);
    expect(j.ids.vq02).toHaveLength(j.vq02);
    expect(j.ids.lm).toHaveLength(j.interleaved);
    expect(j.ids.lm.every((id: number) => id >= 65536 && id < 70656)).toBe(true);
    expect(j.vq06StandIn).toBe(true);
  });

  it('refuses a call without a pack, and a pack without tokenizers, in one line', () => {
    let r = retake('debug', 'tokens', corpusFile('speed_prompt.wav'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^retake: debug tokens needs --pack DIR/);
    const lmOnly = path.join(requireTinyPack(), 'reference', 'upstream-vq02');
    r = retake('debug', 'tokens', corpusFile('speed_prompt.wav'), '--pack', lmOnly);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/has no vq06 tokenizer \(components\.vq06\)\. \[E_ENGINE_UNAVAILABLE\]/);
    expect(JSON.parse(readFileSync(path.join(lmOnly, 'manifest.json'), 'utf8')).components.vq06).toBeUndefined();
  });
});
