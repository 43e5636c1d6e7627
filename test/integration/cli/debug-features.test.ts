// `retake debug features` as a user runs it (bin/retake.mjs → dist/cli.mjs, in a child process): the .npy it writes
// is what the front ends compute in process and what numpy reads; lfr-cmvn takes am.mvn from --mvn or a pack.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import { decodeNpy, parseAmMvn } from '../../../src-main/audio/features';
import { computeFeatureKind } from '../../../src-main/cli/debug-features';
import { writeTestAmMvn } from '../../helpers/features-reference';
import { corpusFile, hostEntry, repoRoot } from '../../helpers/studio';
import { tempDir } from '../../helpers/tmp';
import { requireTinyPack as tinyPack } from '../editx-lm/tiny-pack';

const dir = tempDir('retake-cli-features-');

function retake(...args: string[]) {
  hostEntry(); // fails with a clear message when dist/ was not built
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'retake.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, RETAKE_HOME: dir },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const input = () => corpusFile('speed_prompt.wav');

describe('retake debug features', () => {
  it('writes each kind as float32 .npy equal to the in-process front end, which numpy reads', async () => {
    const audio = await decodeFile(input());
    for (const kind of ['fbank', 'whisper-mel', 'prompt-mel', 'campplus-fbank', 'resample16k'] as const) {
      const out = path.join(dir, `${kind}.npy`);
      const r = retake('debug', 'features', input(), '--kind', kind, '--out', out);
      expect(r.code, r.stderr).toBe(0);
      // The file is at 24 kHz: every kind but the prompt mel (24 kHz itself) resamples it.
      const note = kind === 'prompt-mel' ? '' : ', resampled from 24000 Hz';
      expect(r.stdout).toMatch(new RegExp(`^wrote .*${kind}\\.npy: ${kind} \\(\\d+( × \\d+)?\\)${note}\\n$`));
      const npy = decodeNpy(readFileSync(out), out);
      const ours = computeFeatureKind(audio, kind);
      expect(npy.shape).toEqual(ours.shape);
      expect(Buffer.from(npy.data.buffer).equals(Buffer.from(ours.data.buffer))).toBe(true);
    }
    const py = spawnSync(
      '/usr/bin/python3',
      ['-c', 'import sys, numpy as np; a = np.load(sys.argv[1]); print(a.dtype, a.shape, a.flags["C_CONTIGUOUS"])', path.join(dir, 'fbank.npy')],
      { encoding: 'utf8' },
    );
    expect(py.status, `numpy (Debian python3-numpy) could not read the file: ${py.stderr}`).toBe(0);
    const rows = computeFeatureKind(audio, 'fbank').shape[0];
    expect(py.stdout.trim()).toBe(`float32 (${rows}, 80) True`);
  });

  it('preprocess16k writes 1-D audio and reports the trim span', () => {
    const out = path.join(dir, 'pre.npy');
    const r = retake('debug', 'features', input(), '--kind', 'preprocess16k', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/preprocess16k \(\d+\), resampled from 24000 Hz, trim \[\d+, \d+\)/);
    const npy = decodeNpy(readFileSync(out));
    expect(npy.shape).toHaveLength(1);
    expect(npy.shape[0]! % 240).toBe(0);
  });

  it('lfr-cmvn takes am.mvn from --mvn or from a pack that lists it, and says what is missing otherwise', () => {
    const mvn = path.join(dir, 'am.mvn');
    writeTestAmMvn(mvn);
    const out = path.join(dir, 'lfr.npy');
    const r = retake('debug', 'features', input(), '--kind', 'lfr-cmvn', '--mvn', mvn, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const viaFile = decodeNpy(readFileSync(out));
    expect(viaFile.shape[1]).toBe(560);

    // A pack with a vq02 tokenizer (the tiny pack) gives the same result as its am.mvn given with --mvn.
    const pack = tinyPack();
    const packMvn = path.join(pack, JSON.parse(readFileSync(path.join(pack, 'manifest.json'), 'utf8')).components.vq02.cmvn.file.path);
    const viaMvn = path.join(dir, 'lfr-mvn.npy');
    expect(retake('debug', 'features', input(), '--kind', 'lfr-cmvn', '--mvn', packMvn, '--out', viaMvn).code).toBe(0);
    const out2 = path.join(dir, 'lfr-pack.npy');
    const r2 = retake('debug', 'features', input(), '--kind', 'lfr-cmvn', '--pack', pack, '--out', out2);
    expect(r2.code, r2.stderr).toBe(0);
    expect(Buffer.compare(readFileSync(out2), readFileSync(viaMvn))).toBe(0);
    expect(parseAmMvn(readFileSync(packMvn, 'utf8')).addShift).toHaveLength(560);
    const manifest = JSON.parse(readFileSync(path.join(pack, 'manifest.json'), 'utf8'));

    // A pack without am.mvn, no statistics at all, both sources at once.
    const bare = path.join(dir, 'bare');
    mkdirSync(bare);
    writeFileSync(path.join(bare, 'manifest.json'), JSON.stringify({ ...manifest, components: {} }));
    const r3 = retake('debug', 'features', input(), '--kind', 'lfr-cmvn', '--pack', bare, '--out', out2);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/lists no am\.mvn .*--mvn FILE.*\[E_ENGINE_UNAVAILABLE\]/);
    const r4 = retake('debug', 'features', input(), '--kind', 'lfr-cmvn', '--out', out2);
    expect(r4.code).toBe(1);
    expect(r4.stderr).toMatch(/--pack DIR .*--mvn FILE.*\[E_VALIDATION\]/);
    const r5 = retake('debug', 'features', input(), '--kind', 'lfr-cmvn', '--pack', pack, '--mvn', mvn, '--out', out2);
    expect(r5.code).toBe(1);
    expect(r5.stderr).toMatch(/not both/);
  });

  it('refuses unknown kinds, missing arguments and unwritable outputs with one line', () => {
    const out = path.join(dir, 'x.npy');
    const bad = retake('debug', 'features', input(), '--kind', 'mfcc', '--out', out);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^retake: Unknown feature kind "mfcc"\. Kinds: resample16k, .*\[E_VALIDATION\]\n$/);
    const noKind = retake('debug', 'features', input(), '--out', out);
    expect(noKind.code).toBe(2);
    expect(noKind.stderr).toMatch(/needs --kind/);
    const noOut = retake('debug', 'features', input(), '--kind', 'fbank');
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/needs --out/);
    const noDir = retake('debug', 'features', input(), '--kind', 'fbank', '--out', path.join(dir, 'nope', 'x.npy'));
    expect(noDir.code).toBe(1);
    expect(noDir.stderr).toMatch(/\[E_FILE_NOT_FOUND\]/);
    expect(existsSync(out)).toBe(false);
    const missing = retake('debug', 'features', path.join(dir, 'missing.wav'), '--kind', 'fbank', '--out', out);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });
});
