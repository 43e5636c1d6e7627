// The lint rule that keeps SQL in the store (eslint.config.js, no-restricted-syntax): a `.prepare(` call anywhere
// else under src-main is a finding; the store's repositories and the tests may prepare statements.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });
const code = "export function f(db: { prepare(sql: string): unknown }): unknown {\n  return db.prepare('SELECT 1');\n}\n";

async function sqlFindings(file: string, text = code): Promise<string[]> {
  const [r] = await eslint.lintText(text, { filePath: path.join(root, file) });
  return (r?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('SQL stays in the store', () => {
  it.each(['src-main/studio/x.ts', 'src-main/studio/services/x.ts', 'src-main/shells/web/x.ts', 'src-main/cli/x.ts'])('flags prepare() in %s', async (file) => {
    const found = await sqlFindings(file);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/src-main\/store\/repos/);
  });

  it.each([
    ['a handle named db with SQL in a variable', 'export function f(p: { db: { prepare(s: string): unknown } }, sql: string): unknown {\n  return p.db.prepare(sql);\n}\n'],
    ['a template literal', 'export function f(x: { prepare(s: string): unknown }, t: string): unknown {\n  return x.prepare(`SELECT * FROM ${t}`);\n}\n'],
  ])('flags %s outside the store', async (_what, text) => {
    expect(await sqlFindings('src-main/studio/x.ts', text)).toHaveLength(1);
  });

  it('accepts a prepare() method that is not SQL (no SQL text, not a database handle)', async () => {
    const text = 'export class P {\n  prepare(n: number): number {\n    return n;\n  }\n  run(): number {\n    return this.prepare(2);\n  }\n}\n';
    expect(await sqlFindings('src-main/audio/x.ts', text)).toEqual([]);
  });

  it.each(['src-main/store/x.ts', 'src-main/store/repos/x.ts', 'test/unit/store/x.test.ts'])('accepts prepare() in %s', async (file) => {
    expect(await sqlFindings(file)).toEqual([]);
  });
});
