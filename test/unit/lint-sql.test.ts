// The lint rule that keeps SQL in the store (eslint.config.js, no-restricted-syntax): a `.prepare(` call anywhere
// else under src-main is a finding; the store's repositories and the tests may prepare statements.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });
const code = "export function f(db: { prepare(sql: string): unknown }): unknown {\n  return db.prepare('SELECT 1');\n}\n";

async function sqlFindings(file: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (r?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('SQL stays in the store', () => {
  it.each(['src-main/studio/x.ts', 'src-main/studio/services/x.ts', 'src-main/shells/web/x.ts', 'src-main/cli/x.ts'])('flags prepare() in %s', async (file) => {
    const found = await sqlFindings(file);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/src-main\/store\/repos/);
  });

  it.each(['src-main/store/x.ts', 'src-main/store/repos/x.ts', 'test/unit/store/x.test.ts'])('accepts prepare() in %s', async (file) => {
    expect(await sqlFindings(file)).toEqual([]);
  });
});
