// The EditX engine in the studio, on the tiny random pack (RETAKE_EDITX_PACK), through real engine hosts: a
// 2-iteration edit makes two chained takes that record the engine, pack, provider, seed, task, option, iteration,
// texts and stage times; a clone lands as a new clip in one undoable step; a job cancelled mid-LM leaves no take; and a
// pack that fails its checks fails the job with a sentence naming the file, lists EditX as unavailable and leaves the
// built-in engine working.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Take } from '../../../src-main/contract';
import { tempDir } from '../../helpers/tmp';
import { corpusFile, makeStudio, type TestStudio } from '../../helpers/studio';
import { alterFile, testPack } from '../editx-engine/fixtures';

const TEXT = '上次你说鞋子有点磨脚，我给你买了一双软软的鞋垫。';
const home = tempDir('retake-studio-editx-');
const pack = testPack(path.join(home, 'pack'));
let t: TestStudio;
let clipId = 0;

beforeAll(async () => {
  t = makeStudio(home, { env: { RETAKE_EDITX_PACK: pack, RETAKE_EDITX_PROVIDER: 'cpu' } });
  await t.studio.call('project.create', { dir: path.join(home, 'project') });
  clipId = (await t.studio.call('media.import', { source: { kind: 'path', path: corpusFile('speed_prompt.wav') } })).clip.id;
});
afterAll(async () => {
  await t.close();
});

const done = async (jobId: number) => (await t.next('job.finished', (p) => p.job.id === jobId)).job;

describe('EditX in the studio', () => {
  it('lists EditX with its tags once a pack is configured', async () => {
    const editx = (await t.studio.call('engines.list', {})).find((e) => e.id === 'editx');
    expect(editx).toMatchObject({ available: true, maxInputSeconds: 30 });
    expect(editx!.tags).toContain('Laughter');
  });

  it('makes two chained takes for a 2-iteration edit, each recording how it was made', async () => {
    const job = await t.studio.call('jobs.submit', { clipId, engine: 'editx', task: 'emotion', option: 'happy', text: TEXT, iterations: 2, seed: 9 });
    const end = await done(job.id);
    expect(end.status, JSON.stringify(end.error)).toBe('done');
    const takes = await t.studio.call('takes.list', { clipId });
    const [source, first, second] = takes as [Take, Take, Take];
    expect(takes).toHaveLength(3);
    expect(first.parentId).toBe(source.id);
    expect(second.parentId).toBe(first.id);
    const packHash = createHash('sha256').update(readFileSync(path.join(pack, 'manifest.json'))).digest('hex');
    for (const [i, take] of [first, second].entries()) {
      expect(take).toMatchObject({
        engine: 'editx',
        packHash,
        task: 'emotion',
        option: 'happy',
        iteration: i + 1,
        seed: 9 + i,
        textBefore: TEXT,
        pending: false,
      });
      expect(take.media.sampleRate).toBe(24000);
      const info = take.params.engineInfo as Record<string, any>;
      expect(info).toMatchObject({ packId: 'tiny-random', packHash, provider: 'cpu', profile: '2025-12', seed: 9 + i, iteration: i + 1 });
      expect(info.providerReason).toMatch(/CPU/);
      for (const k of ['tokenizeMs', 'lmMs', 'flowMs', 'vocoderMs', 'totalMs']) expect(info.timings[k]).toBeGreaterThanOrEqual(0);
      expect(info.tokens.audio).toBeGreaterThan(0);
    }
    // The second iteration edited the first one's output: its prompt held that output's tokens, not the source's.
    expect((second.params.engineInfo as any).tokens.input).not.toBe((first.params.engineInfo as any).tokens.input);
  });

  it('clones a take\'s voice into a new clip, in one undoable step', async () => {
    const before = (await t.studio.call('timeline.get', {})).clips.length;
    const source = (await t.studio.call('takes.list', { clipId }))[0]!;
    const job = await t.studio.call('clone.submit', { promptTakeId: source.id, promptText: TEXT, text: 'Nice weather today.', seed: 3 });
    expect(job).toMatchObject({ clipId, task: 'clone', inputTakeId: source.id, seed: 3 });
    const end = await done(job.id);
    expect(end.status, JSON.stringify(end.error)).toBe('done');
    const tl = await t.studio.call('timeline.get', {});
    expect(tl.clips).toHaveLength(before + 1);
    const made = tl.clips.find((c) => c.activeTakeId === end.resultTakeIds[0])!;
    expect(made.name).toBe('Clone: Nice weather today.');
    const take = (await t.studio.call('takes.list', { clipId: made.id }))[0]!;
    expect(take).toMatchObject({ engine: 'editx', task: 'clone', seed: 3, textBefore: TEXT, textAfter: 'Nice weather today.', iteration: 1 });
    expect((take.params.engineInfo as any).speaker).toMatch(/^clone_/);
    // The prompt's clip is unchanged.
    expect((await t.studio.call('takes.list', { clipId })).length).toBe(3);
    await t.studio.call('history.undo', {});
    expect((await t.studio.call('timeline.get', {})).clips).toHaveLength(before);
    await t.studio.call('history.redo', {});
    expect((await t.studio.call('timeline.get', {})).clips).toHaveLength(before + 1);
  });

  it('leaves no take when a job is cancelled while the language model runs', async () => {
    const before = (await t.studio.call('takes.list', { clipId })).map((x) => x.id);
    const job = await t.studio.call('jobs.submit', { clipId, engine: 'editx', task: 'style', option: 'whisper', text: TEXT, seed: 5 });
    const finished = done(job.id);
    // A progress report from inside the decode loop (past the LM stage's start at 0.1 of the engine's share).
    await t.next('job.progress', (p) => p.jobId === job.id && p.stage === 'lm' && p.progress > 0.095);
    await t.studio.call('jobs.cancel', { jobId: job.id });
    const end = await finished;
    expect(end.status).toBe('cancelled');
    expect(end.resultTakeIds).toEqual([]);
    expect((await t.studio.call('takes.list', { clipId })).map((x) => x.id)).toEqual(before);
  });

  it('fails a job on a damaged pack naming the file, then lists EditX as unavailable; the built-in engine keeps working', async () => {
    alterFile(pack, 'am.mvn', (b) => {
      b[b.length - 3] = b[b.length - 3] === 0x31 ? 0x32 : 0x31;
      return b;
    });
    // Another input: the prompt cache would otherwise spare the tokenizers (and the file) entirely.
    const other = (await t.studio.call('media.import', { source: { kind: 'path', path: corpusFile('zero_shot_en_prompt.wav') } })).clip.id;
    const changed = t.next('engines.changed');
    const job = await t.studio.call('jobs.submit', { clipId: other, engine: 'editx', task: 'denoise', seed: 1 });
    const end = await done(job.id);
    expect(end).toMatchObject({ status: 'failed', error: { code: 'E_ENGINE_UNAVAILABLE', message: expect.stringMatching(/am\.mvn .* is damaged/) } });
    await changed;
    const editx = (await t.studio.call('engines.list', {})).find((e) => e.id === 'editx')!;
    expect(editx.available).toBe(false);
    expect(editx.unavailableReason).toMatch(/am\.mvn/);
    await expect(t.studio.call('jobs.submit', { clipId: other, engine: 'editx', task: 'denoise' })).rejects.toMatchObject({ code: 'E_ENGINE_UNAVAILABLE' });
    const ok = await t.studio.call('jobs.submit', { clipId: other, engine: 'prosody', task: 'speed', option: 'faster' });
    expect((await done(ok.id)).status).toBe('done');
  });
});
