// The CLI with inputs that are not ordinary files (issue 12 item 3) and the small ones of item 7: a FIFO, a link to
// /dev/zero, a device and a folder are refused at once with one line (the web shell already refused them; the CLI
// read /dev/zero past 6 GB and waited forever on a FIFO); an output that is the input is refused unless --overwrite;
// a file name that is not valid UTF-8 can be read and written.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import { encodeWav } from '../../../src-main/audio/wav';
import { tempDir } from '../../helpers/tmp';
import { hostEntry, repoRoot } from '../../helpers/studio';

const dir = tempDir('retake-cli-inputs-');
const bin = path.join(repoRoot, 'bin', 'retake.mjs');
/** Far more than refusing takes; reading /dev/zero or waiting on a FIFO would run into it. */
const REFUSE_MS = 20_000;

/** Runs the CLI without blocking the test's own event loop, killed after REFUSE_MS. */
function retake(...args: string[]): Promise<{ code: number | null; stderr: string; stdout: string; ms: number }> {
  hostEntry();
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, RETAKE_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), REFUSE_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

function expectRefused(r: Awaited<ReturnType<typeof retake>>, pattern: RegExp) {
  expect(r.code, `exit ${r.code} after ${Math.round(r.ms)} ms: ${r.stderr}`).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

function tone(file: string, seconds = 0.5) {
  const n = Math.round(16000 * seconds);
  writeFileSync(file, encodeWav({ sampleRate: 16000, channels: [Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(i / 5))] }, 'pcm16'));
}

describe('retake CLI inputs', () => {
  it('refuses a FIFO, a link to /dev/zero, a device and a folder at once, naming what it is', async () => {
    const fifo = path.join(dir, 'pipe.wav');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      throw new Error('This test needs the mkfifo command (coreutils).');
    }
    const zero = path.join(dir, 'zero.wav');
    symlinkSync('/dev/zero', zero);
    const out = path.join(dir, 'never.wav');
    // No writer ever opens the FIFO: reading it would wait forever.
    expectRefused(await retake('analyze', fifo), /named pipe \(FIFO\), not a regular file.*\[E_UNSUPPORTED_AUDIO\]/);
    expectRefused(await retake('edit', fifo, '-o', out, '--task', 'speed', '--option', 'faster'), /FIFO.*\[E_UNSUPPORTED_AUDIO\]/);
    expectRefused(await retake('analyze', zero), /zero\.wav": it is a device, not a regular file.*\[E_UNSUPPORTED_AUDIO\]/);
    expectRefused(await retake('edit', zero, '-o', out, '--task', 'vad'), /it is a device.*\[E_UNSUPPORTED_AUDIO\]/);
    expectRefused(await retake('analyze', '/dev/urandom'), /it is a device.*\[E_UNSUPPORTED_AUDIO\]/);
    expectRefused(await retake('analyze', dir), /it is a folder.*\[E_UNSUPPORTED_AUDIO\]/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses to write the output over its input unless --overwrite, also through a link', async () => {
    const a = path.join(dir, 'take.wav');
    tone(a);
    const before = readFileSync(a);
    const link = path.join(dir, 'take-link.wav');
    symlinkSync(a, link);
    const edit = (out: string, ...more: string[]) => retake('edit', a, '-o', out, '--task', 'speed', '--option', 'faster', ...more);
    for (const out of [a, link, path.join(dir, '.', 'take.wav')]) {
      const r = await edit(out);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/is the input file.*--overwrite/);
      expect(readFileSync(a).equals(before)).toBe(true);
    }
    const r = await edit(a, '--overwrite', '-q');
    expect(r.code, r.stderr).toBe(0);
    // Replaced by the result: 1.25 times faster.
    expect((await decodeFile(a)).channels[0]!.length).toBeCloseTo(8000 / 1.25, -2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('reads and writes file names that are not valid UTF-8', async () => {
    hostEntry();
    // Latin-1 "café" and a lone 0xFF: invalid as UTF-8. Node's argv turns them into U+FFFD; the CLI recovers the bytes.
    const inName = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x77, 0x61, 0x76]);
    const outName = Buffer.from([0x6f, 0x75, 0x74, 0xff, 0x2e, 0x77, 0x61, 0x76]);
    const src = path.join(dir, 'plain.wav');
    tone(src);
    copyFileSync(src, Buffer.concat([Buffer.from(dir + '/'), inName]));
    // A shell passes the bytes unchanged (Node's spawn would encode the names as UTF-8).
    const sh = (script: string) =>
      spawnSync('/bin/sh', ['-c', script], { cwd: dir, encoding: 'utf8', env: { ...process.env, RETAKE_HOME: dir, BIN: bin, NODE: process.execPath } });
    const analyzed = sh(`"$NODE" "$BIN" analyze --json "$(printf 'caf\\351.wav')"`);
    expect(analyzed.status, analyzed.stderr).toBe(0);
    expect((JSON.parse(analyzed.stdout) as { durationSec: number }).durationSec).toBeCloseTo(0.5, 2);
    const absolute = sh(`"$NODE" "$BIN" analyze "$PWD/$(printf 'caf\\351.wav')"`);
    expect(absolute.status, absolute.stderr).toBe(0);
    const edited = sh(`"$NODE" "$BIN" edit "$(printf 'caf\\351.wav')" --output="$(printf 'out\\377.wav')" --task speed --option faster -q`);
    expect(edited.status, edited.stderr).toBe(0);
    const written = readdirSync(dir, { encoding: 'buffer' }).find((n) => n.equals(outName));
    expect(written, 'the output under its exact bytes').toBeDefined();
    expect((await decodeFile(Buffer.concat([Buffer.from(dir + '/'), outName]))).channels[0]!.length).toBeCloseTo(8000 / 1.25, -2);
    // A missing file with such a name is still reported as missing, not as something else.
    const missing = sh(`"$NODE" "$BIN" analyze "$(printf 'nope\\351.wav')"`);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/Cannot find .*nope\uFFFD\.wav.*\[E_FILE_NOT_FOUND\]/);
  });
});
