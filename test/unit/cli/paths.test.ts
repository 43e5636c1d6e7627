// File arguments that are not valid UTF-8: their bytes recovered from the raw command line, with or without an
// `--option=` prefix; Buffer paths' folders and suffixes; one file under two names.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { argPath, dirOf, rawArgs, sameFile, withSuffix } from '../../../src-main/cli/paths';

const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x77, 0x61, 0x76]); // "café.wav" in Latin-1
const lossy = latin1.toString('utf8');
const cmdline = (...parts: (string | Buffer)[]) => () => Buffer.concat(parts.flatMap((p) => [Buffer.from(p), Buffer.from([0])]));

describe('CLI file arguments', () => {
  it('recovers the raw bytes of the arguments after the script, only when they line up with argv', () => {
    expect(lossy).toBe('caf\uFFFD.wav');
    const args = ['analyze', lossy];
    const raw = rawArgs(args, cmdline('node', '--enable-source-maps', 'bin/retake.mjs', 'analyze', latin1));
    expect(raw?.map((b) => b.toString('hex'))).toEqual([Buffer.from('analyze').toString('hex'), latin1.toString('hex')]);
    // Nothing to recover: the command line is not read at all.
    expect(rawArgs(['analyze', 'a.wav'], () => { throw new Error('not read'); })).toBeNull();
    // A command line that does not end with these arguments, or cannot be read.
    expect(rawArgs(args, cmdline('node', 'x', 'other', latin1))).toBeNull();
    expect(rawArgs(args, cmdline(latin1))).toBeNull();
    expect(rawArgs(args, () => { throw new Error('no /proc'); })).toBeNull();
  });

  it('turns an argument into an absolute path: text when it is UTF-8, the raw bytes otherwise', () => {
    expect(argPath('a.wav', null)).toBe(path.resolve('a.wav'));
    const cwd = Buffer.from(process.cwd() + path.sep);
    const raw = [Buffer.from('analyze'), latin1];
    expect(argPath(lossy, raw)).toEqual(Buffer.concat([cwd, latin1]));
    const abs = Buffer.concat([Buffer.from('/x/'), latin1]);
    expect(argPath(abs.toString('utf8'), [abs])).toEqual(abs);
    // --output=VALUE and -oVALUE give the value's bytes.
    expect(argPath(lossy, [Buffer.concat([Buffer.from('--output='), latin1])])).toEqual(Buffer.concat([cwd, latin1]));
    expect(argPath(lossy, [Buffer.concat([Buffer.from('-o'), latin1])])).toEqual(Buffer.concat([cwd, latin1]));
    // Not a prefix an option has: no match, the text path.
    expect(argPath(lossy, [Buffer.concat([Buffer.from('zz'), latin1])])).toBe(path.resolve(lossy));
    expect(argPath(lossy, null)).toBe(path.resolve(lossy));
  });

  it('gives Buffer paths their folder and a suffix', () => {
    expect(dirOf('/a/b/c.wav')).toBe('/a/b');
    expect(dirOf(Buffer.concat([Buffer.from('/a/b/'), latin1]))).toEqual(Buffer.from('/a/b'));
    expect(dirOf(Buffer.concat([Buffer.from('/'), latin1]))).toEqual(Buffer.from('/'));
    expect(withSuffix('/a/x.wav', '.part')).toBe('/a/x.wav.part');
    expect(withSuffix(latin1, '.part')).toEqual(Buffer.concat([latin1, Buffer.from('.part')]));
  });

  it('knows one file under two names, and two files or a missing one as different', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'retake-paths-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const a = path.join(dir, 'a.wav');
    const b = path.join(dir, 'b.wav');
    writeFileSync(a, 'x');
    writeFileSync(b, 'x');
    symlinkSync(a, path.join(dir, 'l.wav'));
    return Promise.all([
      expect(sameFile(a, path.join(dir, 'l.wav'))).resolves.toBe(true),
      expect(sameFile(a, Buffer.from(a))).resolves.toBe(true),
      expect(sameFile(a, b)).resolves.toBe(false),
      expect(sameFile(a, path.join(dir, 'none.wav'))).resolves.toBe(false),
    ]);
  });
});
