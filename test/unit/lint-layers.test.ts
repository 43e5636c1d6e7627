// The layering lint rule (tools/lint/layers.mjs, table in eslint.config.js) on snippets placed in each folder: it must
// flag every import in a wrong direction — including the leak it was written for (the studio importing the engine
// registry, which pulled the built-in engine's presets and the test engine into the shells' bundles) — and accept the
// allowed ones.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function layerFindings(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (r?.messages ?? []).filter((m) => m.ruleId === 'retake/layers').map((m) => m.message);
}

const bad: [string, string, RegExp][] = [
  ['src-main/studio/x.ts', "import { checkEditRequest } from '../engines/registry';\nvoid checkEditRequest;", /studio may not import engines/],
  ['src-main/studio/x.ts', "import { createProsodyEngine } from '../engines/prosody';\nvoid createProsodyEngine;", /studio may not import engines/],
  ['src-main/studio/x.ts', "import { app } from 'electron';\nvoid app;", /package "electron"/],
  ['src-main/studio/x.ts', "import { startWebShell } from '../shells/web/server';\nvoid startWebShell;", /studio may not import shell-web/],
  ['src-main/store/x.ts', "import { decodeFile } from '../audio/decode';\nvoid decodeFile;", /store may not import audio/],
  ['src-main/store/x.ts', "import { Studio } from '../studio/studio';\nvoid Studio;", /store may not import studio/],
  ['src-main/audio/x.ts', "import { EngineRegistry } from '../engines/registry';\nvoid EngineRegistry;", /audio may not import engines/],
  ['src-main/engines/prosody/x.ts', "import { ProjectStore } from '../../store/project-store';\nvoid ProjectStore;", /engines may not import store/],
  ['src-main/engines/x.ts', "import { Studio } from '../studio/studio';\nvoid Studio;", /engines may not import studio/],
  ['src-main/contract/x.ts', "import { decodeFile } from '../audio/decode';\nvoid decodeFile;", /contract may not import audio/],
  ['src-renderer/lib/x.ts', "import { RetakeError } from '../../src-main/contract/errors';\nvoid RetakeError;", /only with `import type`/],
  ['src-renderer/lib/x.ts', "import type { Studio } from '../../src-main/studio/studio';\nexport type S = Studio;", /renderer may not import studio/],
  ['src-renderer/lib/x.ts', "import { z } from 'zod';\nvoid z;", /package "zod"/],
  ['src-main/shells/web/x.ts', "import { createTestEngine } from '../../engines/testing';\nvoid createTestEngine;", /shell-web may not import engines/],
];

const good: [string, string][] = [
  ['src-main/studio/x.ts', "import { checkEditRequest } from '../engines/check';\nvoid checkEditRequest;"],
  ['src-main/studio/x.ts', "import type { EngineHost } from '../engines/host/client';\nexport type H = EngineHost;"],
  ['src-main/store/x.ts', "import { RetakeError } from '../contract/errors';\nvoid RetakeError;"],
  ['src-main/engines/prosody/x.ts', "import { decodeFile } from '../../audio/decode';\nvoid decodeFile;"],
  ['src-renderer/lib/x.ts', "import type { Clip } from '../../src-main/contract';\nexport type C = Clip;"],
  ['src-main/shells/electron/x.ts', "import { app } from 'electron';\nvoid app;"],
];

describe('layering lint rule', () => {
  it.each(bad)('flags %s: %s', async (file, code, re) => {
    const found = await layerFindings(file, code);
    expect(found.length, `no finding for ${file}: ${code}`).toBe(1);
    expect(found[0]).toMatch(re);
  });

  it.each(good)('accepts %s: %s', async (file, code) => {
    expect(await layerFindings(file, code)).toEqual([]);
  });
});
