// `retake debug decode` as a user runs it (bin/retake.mjs → dist/cli.mjs) on the tiny pack.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import { tokenFrames } from '../../../src-main/engines/editx/decoder/token-pairs';
import { corpusFile, hostEntry, repoRoot } from '../../helpers/studio';
import { tempDir } from '../../helpers/tmp';
import { TINY_PACK, reference, tensor, tinyPack } from './fixtures';

const dir = tempDir('retake-decode-cli-');

function retake(...args: string[]) {
  hostEntry(); // fails with a clear message when dist/ was not built
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'retake.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, RETAKE_HOME: dir },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A float32 safetensors file. */
function safetensors(file: string, tensors: Record<string, { data: Float32Array; shape: number[] }>): void {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const [k, t] of Object.entries(tensors)) {
    header[k] = { dtype: 'F32', shape: t.shape, data_offsets: [off, off + t.data.byteLength] };
    off += t.data.byteLength;
  }
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  writeFileSync(file, Buffer.concat([len, h, ...Object.values(tensors).map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))]));
}

describe('retake debug decode', () => {
  it('decodes codes with a prompt into a 24 kHz wav (and the mel as .npy), reproducibly per seed', async () => {
    await tinyPack();
    const { t: R, meta } = reference();
    const promptFile = path.join(dir, 'prompt.safetensors');
    const mel = tensor(R, 'input.prompt_mel');
    safetensors(promptFile, { mel: { data: mel.f32, shape: mel.shape }, embedding: { data: tensor(R, 'input.speaker').f32, shape: [192] } });
    const codesFile = path.join(dir, 'codes.json');
    const codes = meta.generatedIds.slice(0, 23);
    writeFileSync(codesFile, JSON.stringify({ prompt: meta.promptIds, codes: codes.map((c) => c + 65536) }));
    const run = (out: string, seed: string, ...extra: string[]) =>
      retake('debug', 'decode', '--pack', TINY_PACK, '--codes', codesFile, '--prompt', promptFile, '--seed', seed, '-o', out, ...extra);
    const a = path.join(dir, 'a.wav');
    const r = run(a, '5', '--mel', path.join(dir, 'a.npy'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/a\.wav: .* at 24000 Hz \(30 mel frames, 1 window; prompt codes from the codes file\)/);
    const audio = await decodeFile(a);
    expect(audio.sampleRate).toBe(24000);
    expect(audio.channels[0]?.length).toBe(2 * tokenFrames(codes.length) * 480);
    const npy = readFileSync(path.join(dir, 'a.npy'));
    expect(npy.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
    expect(npy.toString('latin1', 10, 80)).toContain("'shape': (80, 30)");
    expect(npy.length).toBe(10 + npy.readUInt16LE(8) + 80 * 30 * 4);
    const b = path.join(dir, 'b.wav');
    const c = path.join(dir, 'c.wav');
    expect(run(b, '5').code).toBe(0);
    expect(run(c, '6').code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(readFileSync(a).equals(readFileSync(c))).toBe(false);
  });

  it('decodes with an audio prompt: its mel and CAM++ embedding from the front ends, its codes from the tokenizers', async () => {
    const codesFile = path.join(dir, 'gen.json');
    writeFileSync(codesFile, JSON.stringify({ codes: [1, 2, 1030, 1031, 1032, 3, 4, 1040, 1041, 1042] }));
    const out = path.join(dir, 'from-audio.wav');
    const r = retake('debug', 'decode', '--pack', TINY_PACK, '--codes', codesFile, '--prompt', corpusFile('en_happy_prompt.wav'), '-o', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/12 mel frames, 1 window; prompt codes from the tokenizer/);
    const audio = await decodeFile(out);
    expect(audio.channels[0]?.length).toBe(12 * 480);
    expect(audio.channels[0]?.some((x) => x !== 0)).toBe(true);
  });

  it('refuses bad codes and a features prompt without codes, in one line', () => {
    const codesFile = path.join(dir, 'bad.json');
    writeFileSync(codesFile, JSON.stringify({ prompt: [], codes: [1, 2, 9000] }));
    const bad = retake('debug', 'decode', '--pack', TINY_PACK, '--codes', codesFile, '--prompt', 'x.safetensors', '-o', path.join(dir, 'x.wav'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^retake: .*codes\[2\] is 9000.*\[E_VALIDATION\]\n$/);
    const usage = retake('debug', 'decode', '--pack', TINY_PACK);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/debug decode needs --codes/);
    const unknown = retake('debug', 'frobnicate');
    expect(unknown.stderr).toMatch(/decode/);
    writeFileSync(codesFile, JSON.stringify({ codes: [1, 2, 1030] }));
    const features = retake('debug', 'decode', '--pack', TINY_PACK, '--codes', codesFile, '--prompt', path.join(dir, 'prompt.safetensors'), '-o', path.join(dir, 'y.wav'));
    expect(features.code).toBe(1);
    expect(features.stderr.trim().split('\n')).toHaveLength(1);
    expect(features.stderr).toMatch(/must give the prompt's codes.*\[E_VALIDATION\]/);
  });
});
