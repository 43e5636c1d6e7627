// `retake debug lm` as a user runs it (bin/retake.mjs → dist/cli.mjs, in a child process) on the tiny pack: a named
// variant runs, "auto" chooses from the free memory given and says why, a variant under the quality gate is refused.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostEntry, repoRoot } from '../../helpers/studio';
import { tempDir } from '../../helpers/tmp';
import { requireTinyPack, tinyPackCopy } from '../editx-lm/tiny-pack';

const dir = tempDir('retake-cli-lm-');

function retake(...args: string[]) {
  hostEntry(); // fails with a clear message when dist/ was not built
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'retake.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, RETAKE_HOME: dir },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('retake debug lm', () => {
  it('runs the variant named, greedily, and reports it', () => {
    const ids = '1,4,65600,66000,67000,65536,70000,68000';
    const runs = ['fp32', 'int8'].map((variant) => {
      const r = retake('debug', 'lm', '--pack', requireTinyPack(), '--variant', variant, '--ids', ids, '--steps', '6', '--json');
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { variant: string; dtype: string; ids: number[]; choice: unknown; rssAfterLoad: number };
    });
    expect(runs.map((r) => [r.variant, r.dtype, r.ids.length, r.choice])).toEqual([['fp32', 'fp32', 6, null], ['int8', 'int8', 6, null]]);
    expect(runs[0]!.rssAfterLoad).toBeGreaterThan(0);
    const text = retake('debug', 'lm', '--pack', requireTinyPack(), '--variant', 'int4', '--steps', '3');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^variant int4 \(int4\) on cpu\nloaded in [\d.]+ s; resident \d+ MB after load/);
    expect(text.stdout).toMatch(/prompt 66 ids, prefill [\d.]+ s, 3 ids at [\d.]+ ids\/s\nids: \d+ \d+ \d+\n$/);
  });

  it('chooses "auto" from the free memory and says why', () => {
    const big = JSON.parse(retake('debug', 'lm', '--pack', requireTinyPack(), '--free-gb', '64', '--steps', '2', '--json').stdout);
    expect(big.variant).toBe('fp32');
    expect(big.choice.reason).toMatch(/^fp32: needs 0\.0 GB \+ 2\.0 GB for the other stages, 64\.0 GB free in RAM$/);
    const small = retake('debug', 'lm', '--pack', requireTinyPack(), '--free-gb', '1', '--steps', '2');
    expect(small.code, small.stderr).toBe(0);
    expect(small.stdout).toMatch(/chosen by auto: int\d: no variant fits 1\.0 GB free in RAM/);
  });

  it('refuses a variant under the quality gate and bad options', () => {
    const broken = tinyPackCopy(path.join(dir, 'broken'), (m) => (m.components.lm.variants.int4.quality.top1Agreement = 0.1));
    const r = retake('debug', 'lm', '--pack', broken, '--variant', 'int4');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/agrees with fp32 on the top-1 id at only 10\.0 %/);
    expect(retake('debug', 'lm', '--pack', broken, '--ids', '1,x').stderr).toMatch(/--ids takes comma-separated token ids/);
    expect(retake('debug', 'lm', '--pack', broken, '--device', 'tpu').code).toBe(2);
  });
});
