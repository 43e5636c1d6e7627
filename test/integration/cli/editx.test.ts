// `retake edit --engine editx --pack DIR` and `retake clone --pack DIR` as a user runs them (bin/retake.mjs →
// dist/cli.mjs, a child process) on the tiny random pack: finite 24 kHz audio whose length follows the audio tokens
// generated (41.67 per second, within one group of 5), one JSON object with --json, the same file for the same seed,
// and a damaged pack named in one line.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import { tempDir } from '../../helpers/tmp';
import { corpusFile, hostEntry, repoRoot } from '../../helpers/studio';
import { lengthMatchesTokens, testPack } from '../editx-engine/fixtures';

const dir = tempDir('retake-cli-editx-');
const pack = testPack(path.join(dir, 'pack'));
const PROMPT_TEXT = '上次你说鞋子有点磨脚，我给你买了一双软软的鞋垫。';

function retake(...args: string[]) {
  hostEntry(); // fails with a clear message when dist/ was not built
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'retake.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, RETAKE_HOME: dir },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Out {
  seconds: number;
  sampleRate: number;
  tokens: number;
  seed: number;
  info: Record<string, unknown>;
}

async function checkFile(file: string, out: Out): Promise<void> {
  const audio = await decodeFile(file);
  expect(audio.sampleRate).toBe(24000);
  expect(audio.channels).toHaveLength(1);
  const x = audio.channels[0]!;
  expect(x.every((v) => Number.isFinite(v))).toBe(true);
  expect(x.length / 24000).toBeCloseTo(out.seconds, 9);
  expect(out.sampleRate).toBe(24000);
  expect(out.tokens).toBeGreaterThan(0);
  expect(lengthMatchesTokens(out.seconds, out.tokens)).toBe(true);
}

describe('retake edit/clone with the EditX engine', () => {
  it('edits with --json: one JSON object, 24 kHz audio as long as its tokens, identical files for one seed', async () => {
    const outs = ['a.wav', 'b.wav'].map((f) => path.join(dir, f));
    const results: Out[] = [];
    for (const out of outs) {
      const r = retake('edit', corpusFile('speed_prompt.wav'), '-o', out, '--engine', 'editx', '--pack', pack, '--provider', 'cpu',
        '--task', 'emotion', '--option', 'happy', '--text', PROMPT_TEXT, '--seed', '21', '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n')).toHaveLength(1);
      results.push(JSON.parse(r.stdout) as Out);
    }
    const a = results[0]!;
    expect(a).toMatchObject({ seed: 21, sampleRate: 24000, info: { engine: 'editx', task: 'emotion', option: 'happy', packId: 'tiny-random' } });
    await checkFile(outs[0]!, a);
    expect(Buffer.compare(readFileSync(outs[0]!), readFileSync(outs[1]!))).toBe(0);
    // The second run found the prompt's tokens in the pack's cache folder (RETAKE_HOME/cache/editx).
    expect(results[1]!.info.cache).toBe('disk');
  });

  it('clones with --json: the prompt\'s voice, the new line, 24 kHz audio as long as its tokens', async () => {
    const out = path.join(dir, 'clone.wav');
    const r = retake('clone', '--pack', pack, '--prompt', corpusFile('speed_prompt.wav'), '--prompt-text', PROMPT_TEXT,
      '--text', 'Nice weather today, is it not?', '-o', out, '--seed', '4', '--provider', 'cpu', '--json');
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout) as Out;
    expect(o).toMatchObject({ seed: 4, info: { task: 'clone', newText: 'Nice weather today, is it not?', speaker: expect.stringMatching(/^clone_/) } });
    await checkFile(out, o);
  });

  it('says in one line what is wrong with a pack, naming the file', () => {
    const broken = testPack(path.join(dir, 'broken'), () => {}, ['hift_trunk.onnx']);
    const r = retake('clone', '--pack', broken, '--prompt', corpusFile('speed_prompt.wav'), '--prompt-text', 'x', '--text', 'y', '-o', path.join(dir, 'x.wav'));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(/^retake: .*missing hift_trunk\.onnx.*\[E_ENGINE_UNAVAILABLE\]$/);
    const u = retake('clone', '--prompt', corpusFile('speed_prompt.wav'), '-o', path.join(dir, 'x.wav'));
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--prompt-text/);
  });
});
