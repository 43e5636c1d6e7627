// Import rules by folder (VS Code style: folders named by where code may run).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

function files(dir: string, exts: string[]): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, exts));
    else if (exts.some((e) => name.endsWith(e))) out.push(p);
  }
  return out;
}

interface Imp {
  file: string;
  spec: string;
  typeOnly: boolean;
}

function imports(file: string): Imp[] {
  const src = readFileSync(file, 'utf8');
  const out: Imp[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (let m; (m = re.exec(src)); ) {
    const spec = m[3] ?? m[4] ?? m[5]!;
    out.push({ file: path.relative(root, file), spec, typeOnly: !!m[2] });
  }
  return out;
}

function resolved(imp: Imp): string {
  return imp.spec.startsWith('.') ? path.relative(root, path.resolve(root, path.dirname(imp.file), imp.spec)) : imp.spec;
}

const main = (sub: string) => files(path.join(root, 'src-main', sub), ['.ts']).flatMap(imports);

describe('layers', () => {
  it('keeps Electron out of everything but the Electron shell', () => {
    for (const sub of ['contract', 'studio', 'store', 'audio', 'engines', 'cli', 'shells/web']) {
      for (const imp of main(sub)) expect(imp.spec, `${imp.file} imports electron`).not.toBe('electron');
    }
  });

  it('keeps the contract free of implementation imports', () => {
    for (const imp of main('contract')) {
      expect(imp.spec === 'zod' || imp.spec.startsWith('./'), `${imp.file} imports ${imp.spec}`).toBe(true);
    }
  });

  it('keeps audio, store and engines from reaching up into the studio or shells', () => {
    for (const sub of ['audio', 'store', 'engines']) {
      for (const imp of main(sub)) {
        const r = resolved(imp);
        expect(r.startsWith('src-main/studio') || r.startsWith('src-main/shells'), `${imp.file} imports ${imp.spec}`).toBe(false);
      }
    }
  });

  it('lets the renderer import the main side only as types', () => {
    const rimps = files(path.join(root, 'src-renderer'), ['.ts', '.svelte']).flatMap(imports);
    expect(rimps.length).toBeGreaterThan(0);
    for (const imp of rimps) {
      if (resolved(imp).startsWith('src-main')) expect(imp.typeOnly, `${imp.file} imports ${imp.spec} at run time`).toBe(true);
      expect(['zod', 'better-sqlite3', 'onnxruntime-node', 'electron'].includes(imp.spec), `${imp.file} imports ${imp.spec}`).toBe(false);
    }
  });
});
