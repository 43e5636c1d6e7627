// The EditX pipeline's own logic over fake model parts (./fake-parts.ts): the prompt of every task and option, the
// clone prompt with the profile's speaker name, the profile's output ids, the prompt cache in front of the tokenizers,
// progress by stage, cancellation at each stage and the facts a take records.

import { describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { PromptCache } from '../../../src-main/engines/editx/cache';
import { EditxPipeline } from '../../../src-main/engines/editx/pipeline';
import { profileRules } from '../../../src-main/engines/editx/profile';
import { buildClonePrompt, buildEditPrompt, DEFAULT_PROMPT_ENCODING } from '../../../src-main/engines/editx/prompt';
import { cloneSpeakerName } from '../../../src-main/engines/editx/prompt/speaker';
import { assembleTokens } from '../../../src-main/engines/editx/tokenizer/tokenize';
import { EDITX_TASKS, EDITX_TASK_IDS } from '../../../src-main/engines/editx/tasks';
import type { EditRequest } from '../../../src-main/engines/types';
import type { AudioData } from '../../../src-main/audio/types';
import { FakeParts, PACK_GENERATION, type FakeOptions } from './fake-parts';

const PACK = { id: 'fake', hash: 'f'.repeat(64), dir: '/nowhere', modelRevision: null };

function pipeline(o: FakeOptions = {}, profile: '2025-12' | '2026' = '2025-12') {
  const parts = new FakeParts(o);
  const p = new EditxPipeline(parts, PACK, profileRules(profile, PACK_GENERATION, true), new PromptCache({ dir: null }));
  return { parts, p };
}

function audio(seconds = 2, rate = 24000, amp = 0.9): AudioData {
  const n = Math.round(seconds * rate);
  return { sampleRate: rate, channels: [Float32Array.from({ length: n }, (_, i) => amp * Math.sin(i / 7))] };
}

function ctx(onStage?: (stage: string, v: number, ac: AbortController) => void) {
  const ac = new AbortController();
  const seen: { v: number; stage: string }[] = [];
  return {
    ac,
    seen,
    ctx: {
      signal: ac.signal,
      progress: (v: number, stage?: string) => {
        seen.push({ v, stage: stage ?? '' });
        onStage?.(stage ?? '', v, ac);
      },
    },
  };
}

describe('EditX pipeline', () => {
  it('builds the prompt of every task and option from the request and the input\'s audio tokens', async () => {
    for (const task of EDITX_TASK_IDS.filter((t) => t !== 'clone')) {
      const spec = EDITX_TASKS[task];
      for (const option of spec.options.length ? spec.options : [undefined]) {
        const { parts, p } = pipeline();
        const input = audio(1);
        const req: EditRequest = {
          task,
          ...(option !== undefined ? { option } : {}),
          ...(spec.needsText ? { text: ' It rains today. ' } : {}),
          ...(spec.needsNewText ? { newText: 'It rains[Sigh] today.' } : {}),
          seed: 3,
        };
        await p.run(input, req, ctx().ctx);
        const f = (await parts.analyse(input)).features;
        const expected = buildEditPrompt({
          task,
          ...(option !== undefined ? { option } : {}),
          ...(req.text !== undefined ? { text: req.text } : {}),
          ...(req.newText !== undefined ? { newText: req.newText } : {}),
          audioTokens: assembleTokens(f.vq02, f.vq06).text,
        });
        // The fake tokenizer saw the prompt's text runs: with the special ids between them, the prompt.
        expect(parts.encoded.join('')).toBe(expected.replace(/<s>|<\|BOT\|>|<\|EOT\|>/g, ''));
        expect(parts.generations[0]!.opts.seed).toBe(3);
      }
    }
  });

  it('clones with the prompt as the voice: the speaker name of the profile, the prompt transcript and the new line', async () => {
    const input = audio(1.5);
    for (const profile of ['2025-12', '2026'] as const) {
      const { parts, p } = pipeline(
        { promptEncoding: { ...DEFAULT_PROMPT_ENCODING, profile, chatTemplate: profile === '2026' ? { template: '{% for m in messages %}<|BOT|>{{ m.role }}\n{{ m.content }}<|EOT|>{% endfor %}<|BOT|>assistant\n', specialTokens: {} } : null } },
        profile,
      );
      const r = await p.run(input, { task: 'clone', text: 'What the prompt says.', newText: 'A new line.', seed: 9 }, ctx().ctx);
      const speaker = profile === '2026' ? 'debug' : cloneSpeakerName('What the prompt says.', input);
      expect(r.info!.speaker).toBe(speaker);
      const f = (await parts.analyse(input)).features;
      const text = buildClonePrompt(
        { speaker, promptText: 'What the prompt says.', promptAudioTokens: assembleTokens(f.vq02, f.vq06).text, targetText: 'A new line.' },
        parts.generations.length ? (await parts.text()).promptEncoding : DEFAULT_PROMPT_ENCODING,
      );
      expect(parts.encoded.join('')).toContain(`speaker name: ${speaker}\n`);
      expect(parts.encoded.join('')).toContain('A new line.');
      if (profile === '2026') expect(parts.encoded).toEqual([text]);
      // The decoder gets the prompt's own mixed codes before the generated ones.
      expect(parts.decodes[0]!.prompt.codes).toEqual(assembleTokens(f.vq02, f.vq06).codes);
    }
  });

  it('keeps the generated ids in the audio range; the 2025-12 profile drops the last id when the length limit ended the run', async () => {
    const out = [5, 65536 + 10, 70, 65536 + 20, 65536 + 5119, 70656, 65536 + 30];
    for (const [profile, stop, kept] of [
      ['2025-12', 'eos', [10, 20, 5119, 30]],
      ['2025-12', 'length', [10, 20, 5119]],
      ['2026', 'length', [10, 20, 5119, 30]],
    ] as const) {
      const { parts, p } = pipeline({ output: out, stopReason: stop }, profile);
      const r = await p.run(audio(1), { task: 'denoise', seed: 1 }, ctx().ctx);
      expect(parts.decodes[0]!.codes).toEqual(kept);
      expect((r.info!.tokens as { audio: number }).audio).toBe(kept.length);
      // 24 kHz, 0.12 s per group of 5 codes.
      expect(r.audio.sampleRate).toBe(24000);
      expect(r.audio.channels[0]!.length).toBe(Math.ceil(kept.length / 5) * 2880);
    }
  });

  it('uses the profile\'s sampling: 2025-12 the pack\'s settings, 2026 temperature only within max_model_len', async () => {
    const a = profileRules('2025-12', PACK_GENERATION, false);
    expect(a.generation).toEqual(PACK_GENERATION);
    expect(a.bf16Prompt).toBe(false);
    const b = profileRules('2026', PACK_GENERATION, false);
    expect(b.generation).toMatchObject({ temperature: 0.7, topK: 0, topP: 1, repetitionWindow: 0, maxTotalIds: 3072 });
    expect(b.bf16Prompt).toBe(true);
    expect(profileRules('2026', { ...PACK_GENERATION, maxTotalIds: 900 }, true).generation.maxTotalIds).toBe(900);
    const { parts, p } = pipeline({}, '2026');
    await p.run(audio(1), { task: 'vad', seed: 2 }, ctx().ctx);
    expect(parts.generations[0]!.opts.generation).toMatchObject({ topK: 0, repetitionWindow: 0 });
    expect(parts.decodes[0]!.opts.bf16Prompt).toBe(true);
  });

  it('reads the input\'s tokens and features from the cache on a second run: the tokenizers run once', async () => {
    const { parts, p } = pipeline();
    const input = audio(1);
    const first = await p.run(input, { task: 'emotion', option: 'happy', text: 'x', seed: 1 }, ctx().ctx);
    const copy: AudioData = { sampleRate: input.sampleRate, channels: [input.channels[0]!.slice()] };
    const second = await p.run(copy, { task: 'emotion', option: 'sad', text: 'x', seed: 1 }, ctx().ctx);
    expect(parts.calls.analyse).toBe(1);
    expect(first.info!.cache).toBe('miss');
    expect(second.info!.cache).toBe('memory');
    // Other audio is analysed.
    await p.run(audio(1, 24000, 0.5), { task: 'denoise', seed: 1 }, ctx().ctx);
    expect(parts.calls.analyse).toBe(2);
  });

  it('reports progress by stage, in order, monotonic, ending in the vocoder', async () => {
    const { p } = pipeline();
    const c = ctx();
    await p.run(audio(1), { task: 'style', option: 'whisper', text: 'x', seed: 1 }, c.ctx);
    const stages = c.seen.map((s) => s.stage).filter((s, i, a) => s !== a[i - 1]);
    expect(stages).toEqual(['tokenize', 'lm', 'flow', 'vocoder']);
    for (let i = 1; i < c.seen.length; i++) expect(c.seen[i]!.v).toBeGreaterThanOrEqual(c.seen[i - 1]!.v);
    expect(c.seen.at(-1)!.v).toBe(1);
  });

  it('cancels at each stage: nothing after the stage runs', async () => {
    for (const stage of ['tokenize', 'lm', 'flow'] as const) {
      const o: FakeOptions = {};
      const c = ctx((s, _v, ac) => {
        if (s === stage) ac.abort();
      });
      const { parts, p } = pipeline(o);
      await expect(p.run(audio(1), { task: 'denoise', seed: 1 }, c.ctx)).rejects.toMatchObject({ code: 'E_CANCELLED' });
      if (stage === 'tokenize') expect(parts.calls.generate).toBe(0);
      expect(parts.calls.decode).toBe(stage === 'flow' ? 1 : 0);
    }
    // Between generated ids.
    const ac = new AbortController();
    const { parts, p } = pipeline({ onToken: (i) => i === 3 && ac.abort() });
    await expect(p.run(audio(1), { task: 'denoise', seed: 1 }, { signal: ac.signal, progress: () => {} })).rejects.toMatchObject({
      code: 'E_CANCELLED',
    });
    expect(parts.calls.decode).toBe(0);
  });

  it('fails clearly when the model generated no speech', async () => {
    const { p } = pipeline({ output: [5, 6, 7] });
    const e = await p.run(audio(1), { task: 'denoise', seed: 1 }, ctx().ctx).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RetakeError);
    expect(e).toMatchObject({ code: 'E_ENGINE_FAILED', message: expect.stringMatching(/no speech \(3 ids, none of them audio/) });
  });

  it('records what a take needs: pack, profile, provider, seed, task, option, iteration, texts, tokens, stage times', async () => {
    const { p } = pipeline();
    const r = await p.run(audio(1), { task: 'paralinguistic', text: 'Hi there.', newText: 'Hi[Laughter] there.', seed: 77, iteration: 1 }, ctx().ctx);
    expect(r.info).toMatchObject({
      engine: 'editx',
      packId: 'fake',
      packHash: PACK.hash,
      profile: '2025-12',
      provider: 'cpu',
      providerReason: expect.stringMatching(/CPU/),
      variant: 'fp32',
      seed: 77,
      task: 'paralinguistic',
      option: null,
      iteration: 2,
      text: 'Hi there.',
      newText: 'Hi[Laughter] there.',
      cache: 'miss',
      sampleRate: 24000,
    });
    const timings = r.info!.timings as Record<string, number>;
    for (const k of ['tokenizeMs', 'lmMs', 'flowMs', 'vocoderMs', 'totalMs', 'overheadMs']) expect(Number.isFinite(timings[k])).toBe(true);
  });
});
