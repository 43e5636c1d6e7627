// The whole path without Python, as a user runs it: `retake pack build --from DIR` over the tiny model in the
// published layouts (Step-Audio-EditX's files with CosyVoice-300M-25Hz/, and Step-Audio-Tokenizer beside it) through
// the graph templates of every part (LM, vq02 + vq06, flow + CAM++, HiFT) gives a complete pack, and
// `retake edit --engine editx --pack DIR` runs on it: finite 24 kHz audio as long as its generated tokens.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import { PackManifestSchema } from '../../../src-main/engines/editx/pack/manifest';
import { REQUIRED_COMPONENTS } from '../../../src-main/engines/editx/pack-check';
import { tempDir } from '../../helpers/tmp';
import { corpusFile, hostEntry, repoRoot } from '../../helpers/studio';
import { lengthMatchesTokens } from '../editx-engine/fixtures';
import { FLOW_TEMPLATE, HIFT_TEMPLATE, PUBLISHED, TEMPLATE, VQ02_TEMPLATE, requirePackBuildFixtures } from '../pack-build/fixtures';

const dir = tempDir('retake-cli-pack-build-edit-');

function retake(...args: string[]) {
  hostEntry(); // fails with a clear message when dist/ was not built
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'retake.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, RETAKE_HOME: dir },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('retake pack build, then retake edit on the pack', () => {
  it('builds a complete pack from the published layouts and edits with it', async () => {
    requirePackBuildFixtures();
    const pack = path.join(dir, 'pack');
    const templates = [TEMPLATE, VQ02_TEMPLATE, FLOW_TEMPLATE, HIFT_TEMPLATE].join(',');
    const b = retake('pack', 'build', '--from', PUBLISHED, '--template', templates, '--out', pack, '--variant', 'fp32', '--json');
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ dir: pack, variants: ['fp32'] });
    const m = PackManifestSchema.parse(JSON.parse(readFileSync(path.join(pack, 'manifest.json'), 'utf8')));
    for (const c of REQUIRED_COMPONENTS) expect(m.components[c], c).toBeDefined();
    expect(m.origin?.templates).toEqual(['step1-tiny', 'vq02-tiny', 'flow-tiny', 'hift-tiny']);

    const out = path.join(dir, 'happy.wav');
    // The tiny random LM rarely ends by itself: --max-new-ids bounds the run.
    const r = retake('edit', corpusFile('speed_prompt.wav'), '-o', out, '--engine', 'editx', '--pack', pack, '--provider', 'cpu',
      '--task', 'emotion', '--option', 'happy', '--text', '上次你说鞋子有点磨脚，我给你买了一双软软的鞋垫。', '--seed', '5',
      '--max-new-ids', '60', '--json');
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout) as { seconds: number; sampleRate: number; tokens: number; info: Record<string, unknown> };
    expect(o).toMatchObject({ sampleRate: 24000, info: { engine: 'editx', packId: 'step-audio-editx', task: 'emotion', option: 'happy' } });
    const audio = await decodeFile(out);
    expect(audio.sampleRate).toBe(24000);
    expect(audio.channels[0]!.every((v) => Number.isFinite(v))).toBe(true);
    expect(audio.channels[0]!.some((v) => v !== 0)).toBe(true);
    expect(o.tokens).toBeGreaterThan(0);
    expect(lengthMatchesTokens(o.seconds, o.tokens)).toBe(true);
  }, 600_000);
});
