// Clone speaker names against the reference hashing (Python hashlib + numpy in retake_export.goldens.sentencepiece.make_prompt_goldens),
// audio token text and parsing, and the prompt-encoding settings of a pack manifest.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import type { AudioData } from '../../../src-main/audio/types';
import {
  audioTokenText,
  cloneSpeakerName,
  DEFAULT_PROMPT_ENCODING,
  interleaveAudioCodes,
  parseAudioTokens,
  promptEncodingFromManifest,
} from '../../../src-main/engines/editx/prompt';
import { parseManifest } from '../../../src-main/engines/editx/pack/load';

const FIX = join(__dirname, '../../fixtures/editx');
const CORPUS = join(__dirname, '../../../../shared/corpus');

const goldens = JSON.parse(readFileSync(join(FIX, 'prompt-goldens.json'), 'utf8')) as {
  speakers: { promptText: string; channels: number; frames: number; name: string }[];
  corpusSpeaker: { file: string; promptText: string; name: string };
};

/** The generator of make_prompt_goldens.synthetic_wav: ((37 i + 11 c) mod 2001 − 1000) / 1024, exact in float32. */
function syntheticWav(channels: number, frames: number): AudioData {
  const ch: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const x = new Float32Array(frames);
    for (let i = 0; i < frames; i++) x[i] = (((37 * i + 11 * c) % 2001) - 1000) / 1024;
    ch.push(x);
  }
  return { sampleRate: 24000, channels: ch };
}

describe('clone speaker name', () => {
  it.each(goldens.speakers.map((s) => [`${s.channels} ch × ${s.frames}`, s] as const))('%s', (_n, s) => {
    expect(cloneSpeakerName(s.promptText, syntheticWav(s.channels, s.frames))).toBe(s.name);
  });

  it('matches the reference on a corpus wav decoded by our decoder', async () => {
    const file = join(CORPUS, goldens.corpusSpeaker.file);
    if (!existsSync(file)) throw new Error(`${file} is missing: the test corpus must be at ../shared/corpus.`);
    expect(cloneSpeakerName(goldens.corpusSpeaker.promptText, await decodeFile(file))).toBe(goldens.corpusSpeaker.name);
  });

  it('depends on the text and on the edge samples only', () => {
    const a = syntheticWav(1, 5000);
    const b = syntheticWav(1, 5000);
    b.channels[0]![2500] = 0.5;
    expect(cloneSpeakerName('x', a)).toBe(cloneSpeakerName('x', b));
    b.channels[0]![4999] = 0.5;
    expect(cloneSpeakerName('x', a)).not.toBe(cloneSpeakerName('x', b));
    expect(cloneSpeakerName('x', a)).not.toBe(cloneSpeakerName('y', a));
    expect(cloneSpeakerName('x', a)).toMatch(/^clone_[0-9a-f]{16}$/);
  });
});

describe('audio tokens', () => {
  it('interleaves 2 vq02 and 3 vq06 codes per group, dropping leftovers', () => {
    expect(interleaveAudioCodes([1, 2, 3, 4, 5], [10, 11, 12, 13, 14, 15, 16])).toEqual([
      1, 2, 1034, 1035, 1036, 3, 4, 1037, 1038, 1039,
    ]);
    expect(interleaveAudioCodes([1], [1, 2, 3])).toEqual([]);
    expect(() => interleaveAudioCodes([1024, 0], [0, 0, 0])).toThrow(/vq02/);
    expect(() => interleaveAudioCodes([0, 0], [0, 4096, 0])).toThrow(/vq06/);
  });

  it('writes <audio_N> runs without separators', () => {
    expect(audioTokenText([0, 1023, 1024, 5119])).toBe('<audio_0><audio_1023><audio_1024><audio_5119>');
    expect(audioTokenText([])).toBe('');
    expect(() => audioTokenText([5120])).toThrow();
  });

  it('parses token text, codes and token ids', () => {
    expect(parseAudioTokens('<audio_0><audio_5119>')).toEqual([0, 5119]);
    expect(parseAudioTokens(' <audio_3>\n <audio_4> ')).toEqual([3, 4]);
    expect(parseAudioTokens('12, 1030 1031,5119')).toEqual([12, 1030, 1031, 5119]);
    expect(parseAudioTokens('65536, 70655')).toEqual([0, 5119]);
    expect(parseAudioTokens('')).toEqual([]);
    for (const bad of ['<audio_5120>', '<audio_1>x', '<audio_>', '5120', '70656', '1.5', 'abc', '<s>']) {
      expect(() => parseAudioTokens(bad)).toThrow(expect.objectContaining({ code: 'E_VALIDATION' }));
    }
  });
});

describe('prompt-encoding settings from a pack manifest', () => {
  const manifest = (tt: Record<string, unknown>): string =>
    JSON.stringify({
      format: 'retake-editx-pack',
      formatVersion: 1,
      name: 't',
      components: {
        textTokenizer: {
          kind: 'sentencepiece',
          files: [{ path: 'tokenizer.model', sha256: 'a'.repeat(64), bytes: 1 }],
          vocabSize: 74752,
          specialIds: { pad: 0, bos: 1, eos: 2, eot: 3, bot: 4 },
          audioIdBase: 65536,
          audioIdCount: 5120,
          ...tt,
        },
      },
    });
  const component = (tt: Record<string, unknown>) => parseManifest(manifest(tt), 'manifest.json').components.textTokenizer;

  it('defaults when absent', () => {
    expect(promptEncodingFromManifest(undefined)).toEqual(DEFAULT_PROMPT_ENCODING);
    expect(promptEncodingFromManifest(component({}))).toEqual({
      tokenizer: 'transformers-fast',
      profile: '2025-12',
      addBos: false,
      addDummyPrefix: 'model',
      instructionCall: 'own',
      specialIds: { bos: 1, bot: 4, eot: 3 },
      chatTemplate: null,
    });
  });

  it('reads the keys of a validated manifest (the schema keeps promptEncoding)', () => {
    const c = component({
      promptEncoding: { tokenizer: 'sentencepiece', addBos: true, addDummyPrefix: 'never', instructionCall: 'joined' },
      specialIds: { pad: 0, bos: 7, eos: 2, eot: 8, bot: 9 },
    });
    expect(promptEncodingFromManifest(c)).toEqual({
      ...DEFAULT_PROMPT_ENCODING,
      tokenizer: 'sentencepiece',
      addBos: true,
      addDummyPrefix: 'never',
      instructionCall: 'joined',
      specialIds: { bos: 7, bot: 9, eot: 8 },
    });
    expect(
      promptEncodingFromManifest(component({ promptEncoding: { tokenizer: 'sentencepiece', addDummyPrefix: 'always' } })),
    ).toEqual({ ...DEFAULT_PROMPT_ENCODING, tokenizer: 'sentencepiece', addDummyPrefix: 'always', specialIds: { bos: 1, bot: 4, eot: 3 } });
  });

  it('picks the prompt profile by model revision unless the pack names one', () => {
    const chatTemplate = { template: '{{ bos_token }}', specialTokens: { bos_token: '<s>' } };
    const profile = (tt: Record<string, unknown>) => promptEncodingFromManifest(component(tt)).profile;
    expect(profile({ modelRevision: '2025-11-20' })).toBe('2025-12');
    expect(profile({ modelRevision: '2026-01-28', chatTemplate })).toBe('2025-12');
    expect(profile({ modelRevision: '2026-01-29', chatTemplate })).toBe('2026');
    expect(profile({ modelRevision: '2026-01-29', chatTemplate, promptEncoding: { profile: '2025-12' } })).toBe('2025-12');
    expect(profile({ chatTemplate, promptEncoding: { profile: '2026' } })).toBe('2026');
    expect(promptEncodingFromManifest(component({ chatTemplate })).chatTemplate).toEqual(chatTemplate);
  });

  it('rejects malformed values when the manifest is read, naming the key', () => {
    const bad = (tt: Record<string, unknown>) => () => component(tt);
    const unavailable = expect.objectContaining({ code: 'E_ENGINE_UNAVAILABLE' });
    expect(bad({ promptEncoding: { addBos: 'yes' } })).toThrow(unavailable);
    expect(bad({ promptEncoding: { addBos: 'yes' } })).toThrow(/promptEncoding\.addBos/);
    expect(bad({ promptEncoding: { addDummyPrefix: true } })).toThrow(/promptEncoding\.addDummyPrefix/);
    expect(bad({ promptEncoding: { add_bos: true } })).toThrow(/Unrecognized key: "add_bos"/);
    expect(bad({ specialIds: { pad: 0, bos: 1, eos: 2, eot: 3, bot: -1 } })).toThrow(/specialIds\.bot/);
  });
});

// ---- cases found by mutation testing (npm run mutation -- prompt) ---------------------------------------------------

describe('audio tokens: limits and messages', () => {
  const validation = (input: string) => {
    try {
      parseAudioTokens(input);
    } catch (e) {
      expect(e).toMatchObject({ code: 'E_VALIDATION' });
      return (e as Error).message;
    }
    throw new Error(`"${input}" was accepted`);
  };

  it('groups by whichever stream runs out first', () => {
    expect(interleaveAudioCodes([1, 2, 3, 4], [10, 11, 12])).toEqual([1, 2, 1034, 1035, 1036]);
    expect(interleaveAudioCodes([1, 2], [10, 11, 12, 13, 14, 15])).toEqual([1, 2, 1034, 1035, 1036]);
  });

  it('refuses codes that are negative, fractional or too large, naming the stream and the range', () => {
    for (const [vq02, vq06, re] of [
      [[-1, 0], [0, 0, 0], /A vq02 code -1 is outside 0\.\.1023\. Please report this bug\./],
      [[0.5, 0], [0, 0, 0], /A vq02 code 0\.5 is outside 0\.\.1023/],
      [[0, 1024], [0, 0, 0], /A vq02 code 1024 is outside 0\.\.1023/],
      [[0, 0], [0, -1, 0], /A vq06 code -1 is outside 0\.\.4095/],
      [[0, 0], [0, 0, 4096], /A vq06 code 4096 is outside 0\.\.4095/],
    ] as const) {
      expect(() => interleaveAudioCodes(vq02, vq06)).toThrow(expect.objectContaining({ code: 'E_INTERNAL', message: expect.stringMatching(re) }));
    }
    expect(interleaveAudioCodes([0, 1023], [0, 4095, 0])).toEqual([0, 1023, 1024, 5119, 1024]);
    for (const [c, ok] of [[-1, false], [0.5, false], [5120, false], [5119, true], [0, true]] as const) {
      if (ok) expect(audioTokenText([c])).toBe(`<audio_${c}>`);
      else expect(() => audioTokenText([c])).toThrow(expect.objectContaining({ code: 'E_INTERNAL', message: `Audio code ${c} is outside 0..5119. Please report this bug.` }));
    }
  });

  it('says what was wrong with typed tokens, quoting at most 20 characters of the bad part', () => {
    const rule = 'Audio tokens must be "<audio_N>" tokens or comma-separated codes 0..5119 (or token ids 65536..70655)';
    expect(validation('<audio_1><bad token that goes on and on and on>')).toBe(`${rule}; "<bad token that goes" is not an <audio_N> token.`);
    expect(validation('<audio_5120>')).toBe(`${rule}; <audio_5120> is out of range.`);
    expect(validation('12, x7')).toBe(`${rule}; "x7" is not a number.`);
    expect(validation('12 70656')).toBe(`${rule}; 70656 is out of range.`);
    expect(validation('5120')).toBe(`${rule}; 5120 is out of range.`);
    // Separators in runs and at the ends give no empty codes; whitespace alone is no codes.
    expect(parseAudioTokens(',12,,\t13, ')).toEqual([12, 13]);
    expect(parseAudioTokens('   ')).toEqual([]);
    expect(parseAudioTokens('65535 70655'.replace('65535', '65536'))).toEqual([0, 5119]);
  });

  it('hashes all samples up to 2000 in total and the two edges beyond, counting every channel', () => {
    const mono = (n: number) => ({ sampleRate: 16000, channels: [Float32Array.from({ length: n }, (_, i) => (i % 7) / 8)] });
    // 2000 samples: every one counts (a change in the middle changes the name).
    const a = mono(2000);
    const b = mono(2000);
    b.channels[0]![1000] = 0.999;
    expect(cloneSpeakerName('t', a)).not.toBe(cloneSpeakerName('t', b));
    // No audio at all: the name depends on the text alone, and does not fail.
    expect(cloneSpeakerName('t', { sampleRate: 16000, channels: [] })).toMatch(/^clone_[0-9a-f]{16}$/);
    expect(cloneSpeakerName('t', { sampleRate: 16000, channels: [] })).toBe(cloneSpeakerName('t', mono(0)));
    // The text is hashed as UTF-8.
    expect(cloneSpeakerName('é', a)).not.toBe(cloneSpeakerName('e', a));
  });
});
