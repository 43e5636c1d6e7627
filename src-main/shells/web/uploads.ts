// Where the web shell keeps uploads until they are imported: one folder per shell process, `<root>/<pid>-<random>`,
// under a root that stays the same from run to run (RETAKE_HOME/uploads), so that the next start finds and removes
// what a crashed shell left behind (a whole upload could otherwise stay in the system's temp folder for ever). A
// folder is left alone while its process runs; one written before the machine last booted is stale whatever its pid.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DIR_RE = /^(\d+)-[0-9a-f]{8}$/;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the upload folders under `root` whose shell is gone; returns how many. */
export function cleanStaleUploads(root: string): number {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return 0;
  }
  const bootedAt = Date.now() - os.uptime() * 1000;
  let removed = 0;
  for (const name of names) {
    const m = DIR_RE.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    // This process's own folders (several shells may run in one process, as in tests).
    if (pid === process.pid) continue;
    const dir = path.join(root, name);
    let mtime: number;
    try {
      mtime = statSync(dir).mtimeMs;
    } catch {
      continue;
    }
    if (mtime > bootedAt && pidAlive(pid)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** Cleans what crashed shells left under `root`, then makes this process's own uploads folder there. */
export function createUploadsDir(root: string): string {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  cleanStaleUploads(root);
  const dir = path.join(root, `${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
