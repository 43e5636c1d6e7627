// The `retake` command as a user runs it: bin/retake.mjs → dist/cli.mjs, in a child process.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import { tempDir } from '../../helpers/tmp';
import { corpusFile, hostEntry, repoRoot } from '../../helpers/studio';

const dir = tempDir('retake-cli-');

function retake(...args: string[]) {
  hostEntry(); // fails with a clear message when dist/ was not built
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'retake.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, RETAKE_HOME: dir },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectOneLineError(r: ReturnType<typeof retake>, code: number, pattern: RegExp) {
  expect(r.code).toBe(code);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^retake: /);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('retake CLI', () => {
  it('info --json lists every engine with each task and its options', () => {
    const r = retake('info', '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { engines: Array<{ id: string; tasks: Record<string, string[]> }> };
    const prosody = info.engines.find((e) => e.id === 'prosody');
    expect(prosody?.tasks.speed).toEqual(['faster', 'slower', 'more faster', 'more slower']);
    expect(info.engines.every((e) => Object.values(e.tasks).every((o) => Array.isArray(o)))).toBe(true);
  });

  it('edits a file: speed faster shortens it by 1/1.25, same seed gives identical bytes', async () => {
    const input = corpusFile('en_happy_prompt.wav');
    const a = path.join(dir, 'a.wav');
    const b = path.join(dir, 'b.wav');
    for (const out of [a, b]) {
      const r = retake('edit', input, '-o', out, '--engine', 'prosody', '--task', 'speed', '--option', 'faster', '--seed', '7');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    }
    expect(Buffer.compare(readFileSync(a), readFileSync(b))).toBe(0);
    const src = await decodeFile(input);
    const out = await decodeFile(a);
    const ratio = out.channels[0]!.length / out.sampleRate / (src.channels[0]!.length / src.sampleRate);
    expect(ratio).toBeGreaterThan(0.8 * 0.95);
    expect(ratio).toBeLessThan(0.8 * 1.05);
  });

  it('applies --iterations on the previous output each time', async () => {
    const input = corpusFile('speed_prompt.wav');
    const out = path.join(dir, 'it.wav');
    const r = retake('edit', input, '-o', out, '--task', 'speed', '--option', 'slower', '--iterations', '2', '--format', 'pcm16');
    expect(r.code, r.stderr).toBe(0);
    const src = await decodeFile(input);
    const res = await decodeFile(out);
    expect(res.channels[0]!.length / res.sampleRate / (src.channels[0]!.length / src.sampleRate)).toBeCloseTo(1.25 * 1.25, 1);
  });

  it('runs every task of the built-in engine; paralinguistic needs both texts', async () => {
    const input = corpusFile('zero_shot_en_prompt.wav');
    const text = 'His political stance was conservative, and he was particularly close to margaret thatcher.';
    const out = (n: string) => path.join(dir, `${n}.wav`);
    const whisper = ['edit', input, '--task', 'style', '--option', 'whisper', '--intensity', '0.8', '--seed', '5', '-q'];
    expect(retake(...whisper, '-o', out('w1')).code).toBe(0);
    expect(retake(...whisper, '-o', out('w2')).code).toBe(0);
    // Noise-driven (breathiness) and still byte-identical for the same seed.
    expect(Buffer.compare(readFileSync(out('w1')), readFileSync(out('w2')))).toBe(0);
    expect(retake(...whisper.slice(0, -3), '--seed', '6', '-q', '-o', out('w3')).code).toBe(0);
    expect(Buffer.compare(readFileSync(out('w1')), readFileSync(out('w3')))).not.toBe(0);
    for (const args of [['--task', 'emotion', '--option', 'sad'], ['--task', 'denoise'], ['--task', 'vad']]) {
      const r = retake('edit', input, '-o', out(args[1]!), ...args, '-q');
      expect(r.code, r.stderr).toBe(0);
    }
    const para = ['edit', input, '-o', out('para'), '--task', 'paralinguistic', '-q'];
    expectOneLineError(retake(...para, '--new-text', 'His[Laughter] political stance'), 1, /needs the transcript.*\[E_TEXT_REQUIRED\]/);
    expectOneLineError(retake(...para, '--text', text), 1, /needs the new text.*\[E_TEXT_REQUIRED\]/);
    const ok = retake(...para, '--text', text, '--new-text', text.replace('conservative,', 'conservative[Laughter],'));
    expect(ok.code, ok.stderr).toBe(0);
    const src = await decodeFile(input);
    const res = await decodeFile(out('para'));
    expect(res.channels[0]!.length / res.sampleRate - src.channels[0]!.length / src.sampleRate).toBeGreaterThan(0.2);
  });

  it('analyze --json prints the measurements of a file', () => {
    const r = retake('analyze', corpusFile('en_happy_prompt.wav'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as Record<string, number>;
    expect(m.durationSec).toBeCloseTo(7.44, 1);
    for (const k of ['speechSec', 'f0MedianHz', 'f0RangeSt', 'voicedRatio', 'loudnessLufs', 'truePeakDbtp', 'speakingRateSyllPerSec']) {
      expect(Number.isFinite(m[k]), k).toBe(true);
    }
  });

  it('debug prompt prints the assembled prompt byte-exact, and its ids with a pack', () => {
    const r = retake('debug', 'prompt', '--task', 'speed', '--option', 'more faster', '--text', 'Hello there.', '--audio-tokens', '1,2,1024');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith('<s><|BOT|>system\nAs a highly skilled audio editing and tuning specialist')).toBe(true);
    expect(r.stdout).toContain('<|BOT|>human\nMake the following audio more more faster. The text corresponding to the audio is: Hello there.\n\n<audio_1><audio_2><audio_1024>\n<|EOT|>');
    expect(r.stdout.endsWith('<|EOT|><|BOT|>assistant\n')).toBe(true);
    const pack = path.join(repoRoot, 'test', 'fixtures', 'generated', 'tiny-pack');
    expect(existsSync(path.join(pack, 'tokenizer.model')), 'the tiny pack is missing: run "bash tools/export/run-tests.sh --pack-only"').toBe(true);
    const ids = retake('debug', 'prompt', '--task', 'denoise', '--text', 'x', '--audio-tokens', '5,1030', '--pack', pack, '--ids');
    expect(ids.code, ids.stderr).toBe(0);
    const arr = JSON.parse(ids.stdout) as number[];
    expect(arr.slice(0, 2)).toEqual([1, 4]);
    expect(arr).toContain(65536 + 5);
    expect(arr).toContain(65536 + 1030);
    expect(arr.slice(-1)).not.toEqual([3]);
    // --profile 2026 renders the pack's chat template; its ids come from one tokenizer call.
    const chat = retake('debug', 'prompt', '--task', 'denoise', '--text', 'x', '--audio-tokens', '5,1030', '--pack', pack, '--ids', '--profile', '2026');
    expect(chat.code, chat.stderr).toBe(0);
    expect(JSON.parse(chat.stdout)).not.toEqual(arr);
    expectOneLineError(retake('debug', 'prompt', '--task', 'vad', '--profile', '2027'), 2, /--profile must be one of 2025-12, 2026 \(got "2027"\)/);
  });

  it('refuses bad input with one clear line and a non-zero exit', () => {
    const input = corpusFile('speed_prompt.wav');
    const out = path.join(dir, 'x.wav');
    expectOneLineError(retake('edit', path.join(dir, 'missing.wav'), '-o', out, '--task', 'speed', '--option', 'faster'), 1, /\[E_FILE_NOT_FOUND\]/);
    expectOneLineError(retake('edit', input, '-o', out, '--task', 'speed', '--option', 'warp'), 1, /"warp" is not an option of speed.*\[E_UNKNOWN_OPTION\]/);
    expectOneLineError(retake('edit', input, '-o', out, '--task', 'juggle'), 1, /\[E_UNKNOWN_TASK\]/);
    expectOneLineError(retake('edit', input, '-o', out, '--engine', 'nope', '--task', 'speed'), 1, /\[E_UNKNOWN_ENGINE\]/);
    const txt = path.join(dir, 'notes.wav');
    writeFileSync(txt, 'just some text, not audio at all\n'.repeat(10));
    expectOneLineError(retake('edit', txt, '-o', out, '--task', 'speed', '--option', 'faster'), 1, /\[E_UNSUPPORTED_AUDIO\]/);
    expectOneLineError(retake('edit', input, '--task', 'speed', '--option', 'faster'), 2, /-o OUT/);
    expectOneLineError(retake('edit', input, '-o', out, '--task', 'speed', '--option', 'faster', '--iterations', '0'), 2, /--iterations/);
    expectOneLineError(retake('edit', input, '-o', out, '--task', 'speed', '--bogus'), 2, /bogus/);
    expectOneLineError(retake('frobnicate'), 2, /Unknown command/);
    expectOneLineError(retake('edit', input, '-o', out, '--task', 'speed', '--option', 'faster', '--intensity', '0.5'), 1, /no intensity setting.*\[E_VALIDATION\]/);
    expectOneLineError(retake('edit', input, '-o', path.join(dir, 'no', 'such', 'x.wav'), '--task', 'speed', '--option', 'faster'), 1, /output folder .* does not exist.*\[E_FILE_NOT_FOUND\]/);
    expectOneLineError(retake('edit', input, '-o', dir, '--task', 'speed', '--option', 'faster'), 1, /is a folder.*\[E_IO\]/);
    expect(existsSync(`${dir}.part`)).toBe(false);
  });
});
