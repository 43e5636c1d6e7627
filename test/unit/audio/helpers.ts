// Shared helpers for the audio unit tests: deterministic signals, tone measurement, and the Debian tools some tests
// need (they fail with the package to install when a tool is missing).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RetakeError } from '../../../src-main/contract/errors';

export function sine(freq: number, sampleRate: number, n: number, amp = 0.5, phase = 0): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / sampleRate + phase);
  return x;
}

/** Amplitude of the `freq` component over x[from, to) by least-squares fit of a sine and a cosine. */
export function toneAmplitude(x: Float32Array, freq: number, sampleRate: number, from = 0, to = x.length): number {
  let ss = 0, cc = 0, sc = 0, xs = 0, xc = 0;
  for (let i = from; i < to; i++) {
    const w = (2 * Math.PI * freq * i) / sampleRate;
    const s = Math.sin(w), c = Math.cos(w), v = x[i]!;
    ss += s * s; cc += c * c; sc += s * c; xs += v * s; xc += v * c;
  }
  const det = ss * cc - sc * sc;
  const a = (xs * cc - xc * sc) / det;
  const b = (xc * ss - xs * sc) / det;
  return Math.hypot(a, b);
}

export function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, to - from));
}

const tempDirs: string[] = [];

/** A fresh folder under the OS temp dir, removed by removeTempDirs (call it from afterAll). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `retake-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const TOOL_PACKAGES: Record<string, string> = { sox: 'sox', soxi: 'sox', flac: 'flac', lame: 'lame', oggenc: 'vorbis-tools', opusenc: 'opus-tools' };

/** Runs a command-line tool, failing the test with the Debian package to install when it is missing. */
export function tool(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`This test needs the "${cmd}" command: apt-get install -y ${TOOL_PACKAGES[cmd] ?? cmd}`, { cause: e });
    }
    throw e;
  }
}

/** The RetakeError a promise or function rejects with (fails when it resolves). */
export async function retakeError(f: () => unknown): Promise<RetakeError> {
  try {
    await f();
  } catch (e) {
    if (e instanceof RetakeError) return e;
    throw new Error(`expected a RetakeError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a RetakeError, but the call succeeded');
}

/** Index of the first difference between two typed arrays (−1 when equal); much faster than a deep toEqual. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}
