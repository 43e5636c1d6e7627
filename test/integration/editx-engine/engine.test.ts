// The `editx` engine on the tiny random pack, in this process: capabilities from the manifest, edits and clones that
// give finite 24 kHz audio as long as the generated tokens say, the prompt cache in front of the tokenizers (memory,
// then disk in a new engine), seeds, the 2026 profile, cancellation mid-LM, the 30 s limit, and packs that are
// missing, truncated, altered, of another format version or with graphs that do not match the manifest — each a clear
// error naming the file while the built-in engine keeps working.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import type { AudioData } from '../../../src-main/audio/types';
import { createEditxEngine, type EditxEngine } from '../../../src-main/engines/editx/engine';
import { EngineRegistry } from '../../../src-main/engines/registry';
import type { EditRequest, EditResult } from '../../../src-main/engines/types';
import { tempDir } from '../../helpers/tmp';
import { corpusFile } from '../../helpers/studio';
import { requireTinyPack } from '../editx-lm/tiny-pack';
import { alterFile, lengthMatchesTokens, testPack } from './fixtures';

const home = tempDir('retake-editx-engine-');
const pack = testPack(join(home, 'pack'));
const engines: EditxEngine[] = [];
afterAll(async () => {
  for (const e of engines) await e.dispose();
});

function engine(packDir = pack, h = home): EditxEngine {
  // At most 150 new ids a run (~10 audio tokens from the random LM): enough to check lengths, seeds and the cache.
  const e = createEditxEngine({ home: h, pack: packDir, provider: 'cpu', intraOpNumThreads: 1, maxNewIds: 150, log: () => {} });
  engines.push(e);
  return e;
}

let input: AudioData;
async function speech(): Promise<AudioData> {
  input ??= await decodeFile(corpusFile('speed_prompt.wav'));
  return input;
}
const TEXT = '上次你说鞋子有点磨脚，我给你买了一双软软的鞋垫。';

async function run(e: EditxEngine, req: EditRequest, onProgress?: (v: number, stage: string, ac: AbortController) => void): Promise<EditResult & { stages: string[] }> {
  const ac = new AbortController();
  const stages: string[] = [];
  const r = await e.edit(await speech(), req, {
    signal: ac.signal,
    progress: (v, stage = '') => {
      if (stages.at(-1) !== stage) stages.push(stage);
      onProgress?.(v, stage, ac);
    },
  });
  return { ...r, stages };
}

function checkAudio(r: EditResult): void {
  const x = r.audio.channels[0]!;
  expect(r.audio.sampleRate).toBe(24000);
  expect(r.audio.channels).toHaveLength(1);
  expect(x.every((v) => Number.isFinite(v) && Math.abs(v) <= 1)).toBe(true);
  const tokens = (r.info!.tokens as { audio: number }).audio;
  expect(tokens).toBeGreaterThan(0);
  // Exactly: codes padded to whole groups of 5, each group 0.12 s.
  expect(x.length).toBe(Math.ceil(tokens / 5) * 2880);
  expect(lengthMatchesTokens(x.length / 24000, tokens)).toBe(true);
}

const stageRuns = (e: EditxEngine, stage: string) =>
  (e as unknown as { registry: { stats(): { stage: string; runs: number }[] } }).registry.stats().find((s) => s.stage === stage)?.runs ?? 0;

describe('editx engine on the tiny pack', () => {
  it('offers the tasks of the spec, at most 30 s, and the tag list of the manifest', () => {
    const caps = engine().capabilities();
    expect(caps).toMatchObject({ id: 'editx', role: 'model', available: true, maxInputSeconds: 30 });
    expect(Object.keys(caps.tasks)).toEqual(['clone', 'emotion', 'style', 'speed', 'paralinguistic', 'denoise', 'vad']);
    const manifest = JSON.parse(readFileSync(join(requireTinyPack(), 'manifest.json'), 'utf8'));
    expect(manifest.components.textTokenizer.paralinguisticTags).toHaveLength(10);
    expect(caps.tags).toEqual(manifest.components.textTokenizer.paralinguisticTags);
    expect(caps.description).toMatch(/"tiny-random" \(2025-12 reference profile\)/);
    // A pack that records the 2026 list offers it.
    const tags26 = ['sigh', 'clears throat', 'Question-oh'];
    const p26 = testPack(join(home, 'tags26'), (m) => (m.components.textTokenizer.paralinguisticTags = tags26));
    expect(engine(p26).capabilities().tags).toEqual(tags26);
  });

  it('is unavailable, saying how to get a pack, when none is configured or installed', () => {
    const e = createEditxEngine({ home: tempDir('retake-editx-none-'), env: {}, log: () => {} });
    engines.push(e);
    const caps = e.capabilities();
    expect(caps.available).toBe(false);
    expect(caps.unavailableReason).toMatch(/No EditX model pack is installed/);
  });

  it('edits: 24 kHz audio as long as its tokens; a second edit of the same audio reads the cache, a new engine reads it from disk', async () => {
    const e = engine();
    const a = await run(e, { task: 'emotion', option: 'happy', text: TEXT, seed: 11 });
    checkAudio(a);
    expect(a.stages).toEqual(['tokenize', 'lm', 'flow', 'vocoder']);
    expect(a.info).toMatchObject({ cache: 'miss', task: 'emotion', option: 'happy', seed: 11, profile: '2025-12', packId: 'tiny-random' });
    const vq02 = stageRuns(e, 'vq02');
    const vq06 = stageRuns(e, 'vq06');
    expect(vq02).toBeGreaterThan(0);
    const b = await run(e, { task: 'emotion', option: 'sad', text: TEXT, seed: 11 });
    expect(b.info!.cache).toBe('memory');
    expect([stageRuns(e, 'vq02'), stageRuns(e, 'vq06'), stageRuns(e, 'campplus')]).toEqual([vq02, vq06, 1]);
    checkAudio(b);
    // A new engine (another process, after a restart) finds the entry on disk and never opens the tokenizers.
    const fresh = engine();
    const c = await run(fresh, { task: 'emotion', option: 'happy', text: TEXT, seed: 11 });
    expect(c.info!.cache).toBe('disk');
    const opened = (fresh as unknown as { registry: { opened(): string[] } }).registry.opened();
    expect(opened).not.toContain('vq02');
    expect(opened).not.toContain('vq06');
    expect(opened).not.toContain('campplus');
    // Same request and seed: the same samples.
    expect(Buffer.compare(Buffer.from(c.audio.channels[0]!.buffer), Buffer.from(a.audio.channels[0]!.buffer))).toBe(0);
    const d = await run(fresh, { task: 'emotion', option: 'happy', text: TEXT, seed: 12 });
    expect(Buffer.compare(Buffer.from(d.audio.channels[0]!.buffer), Buffer.from(a.audio.channels[0]!.buffer))).not.toBe(0);
  });

  it('clones with the 2025-12 speaker name, and with the 2026 profile (chat template, temperature only, speaker "debug")', async () => {
    const req: EditRequest = { task: 'clone', text: TEXT, newText: 'Hello there, nice weather today.', seed: 5 };
    const a = await run(engine(), req);
    checkAudio(a);
    expect(a.info!.speaker).toMatch(/^clone_[0-9a-f]{16}$/);
    const p26 = testPack(join(home, 'p2026'), (m) => (m.components.textTokenizer.promptEncoding = { profile: '2026' }));
    const b = await run(engine(p26), req);
    checkAudio(b);
    expect(b.info).toMatchObject({ profile: '2026', speaker: 'debug' });
    const t = b.info!.tokens as { prompt: number; generated: number };
    expect(t.prompt + t.generated).toBeLessThanOrEqual(800);
  });

  it('cancels between generated ids: no decoding starts', async () => {
    let ids = 0;
    const e = engine();
    await expect(
      run(e, { task: 'style', option: 'whisper', text: TEXT, seed: 3 }, (_v, stage, ac) => {
        if (stage === 'lm' && ++ids === 5) ac.abort();
      }),
    ).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(stageRuns(e, 'flowEstimator')).toBe(0);
    // The engine keeps working after a cancel.
    checkAudio(await run(e, { task: 'denoise', seed: 3 }));
  });

  it('opens the pack settings.json selects and releases its sessions when another pack is selected', async () => {
    const h = tempDir('retake-editx-switch-');
    const a = testPack(join(h, 'a'));
    const b = testPack(join(h, 'b'), (m) => (m.description = 'another pack'));
    writeFileSync(join(h, 'settings.json'), JSON.stringify({ editx: { pack: a, provider: 'cpu' } }));
    const e = createEditxEngine({ home: h, env: {}, intraOpNumThreads: 1, maxNewIds: 40, log: () => {} });
    engines.push(e);
    const registry = (e as unknown as { registry: { get(stage: string): Promise<{ isReleased: boolean }>; current: string } }).registry;
    await run(e, { task: 'denoise', seed: 1 });
    expect(registry.current).toContain(a);
    const lmA = await registry.get('lm');
    writeFileSync(join(h, 'settings.json'), JSON.stringify({ editx: { pack: b, provider: 'cpu' } }));
    expect(e.capabilities().description).toMatch(/tiny-random/);
    await run(e, { task: 'denoise', seed: 1 });
    expect(registry.current).toContain(b);
    expect(lmA.isReleased).toBe(true);
  });

  it('refuses input over 30 s, pointing at region edits', async () => {
    const long: AudioData = { sampleRate: 16000, channels: [new Float32Array(31 * 16000)] };
    await expect(engine().edit(long, { task: 'denoise', seed: 1 }, { signal: new AbortController().signal, progress: () => {} })).rejects.toMatchObject({
      code: 'E_INPUT_TOO_LONG',
      message: expect.stringMatching(/at most 30 s .*region/),
    });
  });
});

describe('editx engine with a damaged pack', () => {
  const req: EditRequest = { task: 'denoise', seed: 1 };
  const signal = () => ({ signal: new AbortController().signal, progress: () => {} });

  async function expectUnusable(dir: string, pattern: RegExp, when: 'listed' | 'first run'): Promise<void> {
    const e = engine(dir);
    if (when === 'listed') {
      const caps = e.capabilities();
      expect(caps.available).toBe(false);
      expect(caps.unavailableReason).toMatch(pattern);
    } else {
      expect(e.capabilities().available).toBe(true);
    }
    await expect(e.edit(await speech(), req, signal())).rejects.toMatchObject({ code: 'E_ENGINE_UNAVAILABLE', message: expect.stringMatching(pattern) });
    // After a failed check the pack stays unavailable, with the same sentence.
    expect(e.capabilities()).toMatchObject({ available: false, unavailableReason: expect.stringMatching(pattern) });
    // The built-in engine beside it still works.
    const reg = new EngineRegistry({ engines: { editx: () => e } });
    const caps = reg.capabilities();
    expect(caps.find((c) => c.id === 'prosody')?.available).toBe(true);
    expect(caps.find((c) => c.id === 'editx')?.available).toBe(false);
    const out = await reg.get('prosody').edit(await speech(), { task: 'speed', option: 'faster', seed: 1 }, signal());
    expect(out.audio.channels[0]!.length).toBeGreaterThan(0);
  }

  it('names a missing file', async () => {
    await expectUnusable(testPack(join(home, 'missing'), () => {}, ['flow_noise.f32']), /missing flow_noise\.f32/, 'listed');
  });

  it('names a truncated file', async () => {
    const dir = testPack(join(home, 'truncated'));
    alterFile(dir, 'hift_f0.onnx', (b) => b.subarray(0, b.length - 100));
    await expectUnusable(dir, /hift_f0\.onnx .* has \d+ bytes, the manifest says \d+/, 'listed');
  });

  it('names an altered file of the same size by its sha256', async () => {
    const dir = testPack(join(home, 'altered'));
    alterFile(dir, 'am.mvn', (b) => {
      b[b.length - 3] = b[b.length - 3] === 0x31 ? 0x32 : 0x31;
      return b;
    });
    await expectUnusable(dir, /am\.mvn in the model pack .* is damaged \(sha256/, 'first run');
  });

  it('names the manifest of another format version', async () => {
    await expectUnusable(testPack(join(home, 'v2'), (m) => (m.formatVersion = 2)), /manifest\.json is pack format 2; this version of Retake reads format 1/, 'listed');
    await expectUnusable(testPack(join(home, 'v0'), (m) => (m.formatVersion = 0)), /manifest\.json is not a valid model pack manifest[\s\S]*formatVersion/, 'listed');
  });

  it('names a graph whose inputs do not match the manifest', async () => {
    const dir = testPack(join(home, 'names'), (m) => (m.components.flow.graphs.encoder.inputs[0].name = 'token_pairs'));
    await expectUnusable(dir, /flow_encoder\.onnx does not match its manifest.*token_pairs/, 'first run');
  });
});
