// `retake pack build|install|list|verify|remove` as a user runs them (bin/retake.mjs → dist/cli.mjs, RETAKE_HOME
// isolated): a pack built from the tiny model's published files, installed by copy and by build, listed with size
// and status, a damaged file found by size at once and by sha256 on verify, an interrupted install shown as such.

import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/tmp';
import { hostEntry, repoRoot } from '../../helpers/studio';
import { PUBLISHED, TEMPLATE, requirePackBuildFixtures } from '../pack-build/fixtures';

const dir = tempDir('retake-cli-pack-');
const home = path.join(dir, 'home');

function retake(...args: string[]) {
  hostEntry(); // fails with a clear message when dist/ was not built
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'retake.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, RETAKE_HOME: home },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const list = () => (JSON.parse(retake('pack', 'list', '--json').stdout) as { packs: any[] }).packs;

describe('retake pack', () => {
  requirePackBuildFixtures();
  const built = path.join(dir, 'built');

  it('build: published files + template → a pack, reported as JSON', () => {
    const r = retake('pack', 'build', '--from', PUBLISHED, '--template', TEMPLATE, '--variant', 'fp16', '--out', built, '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ dir: built, name: 'step-audio-editx', variants: ['fp16'], weights: 21 });
    expect(out.bytes).toBeGreaterThan(19_000_000);
    const v = retake('pack', 'verify', built, '--json');
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toEqual({ dir: built, name: 'step-audio-editx', ok: true, notes: [] });
  });

  it('install copies a ready pack, or builds published files, into RETAKE_HOME/models; list shows them', () => {
    expect(retake('pack', 'install', built, '--name', 'copied', '--quiet').code).toBe(0);
    const r = retake('pack', 'install', PUBLISHED, '--template', TEMPLATE, '--variant', 'fp32', '--name', 'tiny', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'tiny', status: 'ready', how: 'built', variants: ['fp32'] });
    expect(r.stderr).toMatch(/% writing lm\.fp32\.onnx\.data/);
    const packs = list();
    expect(packs.map((p) => [p.name, p.status, p.reason])).toEqual([
      ['copied', 'ready', null],
      ['tiny', 'ready', null],
    ]);
    expect(packs[1].dir).toBe(path.join(home, 'models', 'tiny'));
    expect(packs[1].bytes).toBeGreaterThan(39_000_000);
    const again = retake('pack', 'install', built, '--name', 'copied');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/A model pack named "copied" is installed already/);
  });

  it('a truncated file makes a pack unusable with the reason; a changed byte is found by verify', () => {
    const tok = path.join(home, 'models', 'copied', 'tokenizer.model');
    appendFileSync(tok, 'x');
    let p = list().find((x) => x.name === 'copied');
    expect(p.status).toBe('unusable');
    expect(p.reason).toMatch(/tokenizer\.model in the model pack .+ has \d+ bytes, the manifest says \d+/);

    const data = path.join(home, 'models', 'tiny', 'lm.fp32.onnx.data');
    const bytes = readFileSync(data);
    bytes[1000]! ^= 1;
    writeFileSync(data, bytes);
    expect(list().find((x) => x.name === 'tiny').status).toBe('ready'); // same size: only a hash can tell
    const v = retake('pack', 'verify', 'tiny');
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/tiny is unusable: lm\.fp32\.onnx\.data in the model pack .+ is damaged \(sha256 [0-9a-f]{12}…, expected [0-9a-f]{12}…\)/);
    p = list().find((x) => x.name === 'tiny');
    expect([p.status, p.verified?.ok]).toEqual(['unusable', false]);
    expect(p.reason).toMatch(/lm\.fp32\.onnx\.data .+ is damaged/);
  });

  it('lists an interrupted install, and remove clears packs and partial folders', () => {
    mkdirSync(path.join(home, 'models', '.late.partial-0123abcd'), { recursive: true });
    writeFileSync(path.join(home, 'models', '.late.partial-0123abcd', 'lm.fp16.onnx.data'), Buffer.alloc(10));
    const late = list().find((x) => x.name === 'late');
    expect(late).toMatchObject({ status: 'interrupted', bytes: 10 });
    expect(late.reason).toMatch(/interrupted/);
    for (const name of ['late', 'copied', 'tiny']) expect(retake('pack', 'remove', name).code).toBe(0);
    expect(list()).toEqual([]);
    const r = retake('pack', 'remove', 'nosuch');
    expect([r.code, r.stderr.trim()]).toEqual([1, 'retake: No model pack named "nosuch" is installed. [E_NOT_FOUND]']);
    expect(retake('pack', 'list').stdout.trim()).toBe('no model packs installed');
  });

  it('usage mistakes exit 2 with one line', () => {
    const r = retake('pack', 'build', '--from', PUBLISHED);
    expect([r.code, r.stderr.trim()]).toEqual([2, 'retake: pack build needs --from DIR and --out DIR.']);
    const v = retake('pack', 'build', '--from', PUBLISHED, '--out', path.join(dir, 'x'), '--variant', 'int3');
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/--variant must be one or more of fp16, fp32, int8, int4, int4-b32, comma-separated \(got "int3"\)/);
  });

  it('builds a weight-only int4 LM, and pack verify says its quality gate was not measured (no fp32 built beside it)', () => {
    const out = path.join(dir, 'q4');
    const b = retake('pack', 'build', '--from', PUBLISHED, '--template', TEMPLATE, '--out', out, '--variant', 'int4', '--json', '--quiet');
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ variants: ['int4'] });
    const v = retake('pack', 'verify', out);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^note: LM variant "int4" \(int4\): quality gate not measured \(built without the fp32 variant/m);
  });
});
