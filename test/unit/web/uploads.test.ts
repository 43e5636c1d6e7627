// The web shell's uploads folders: each start removes the folders of shells that are gone (a crash left them), and
// keeps those of live processes, its own, and anything that is not an uploads folder.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanStaleUploads, createUploadsDir } from '../../../src-main/shells/web/uploads';
import { tempDir } from '../../helpers/tmp';

/** A pid that belonged to a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('web shell uploads folders', () => {
  it('removes the folders of dead shells on start and makes a fresh one of its own', () => {
    const root = path.join(tempDir('retake-uploads-'), 'uploads');
    const dead = `${deadPid()}-0badf00d`;
    const live = `${process.ppid}-00c0ffee`; // the test runner's parent: alive
    const beforeBoot = `${process.ppid}-0000aaaa`; // a live pid, but written before the machine booted: stale
    const mine = `${process.pid}-12345678`;
    for (const d of [dead, live, beforeBoot, mine, 'not-an-upload-dir']) {
      mkdirSync(path.join(root, d), { recursive: true });
      writeFileSync(path.join(root, d, 'f'), 'upload');
    }
    const longAgo = new Date(Date.now() - os.uptime() * 1000 - 3600_000);
    utimesSync(path.join(root, beforeBoot), longAgo, longAgo);
    const own = createUploadsDir(root);
    expect(readdirSync(root).sort()).toEqual([live, mine, 'not-an-upload-dir', path.basename(own)].sort());
    expect(path.basename(own)).toMatch(new RegExp(`^${process.pid}-[0-9a-f]{8}$`));
    expect(readdirSync(own)).toEqual([]);
    expect(cleanStaleUploads(root)).toBe(0);
    expect(cleanStaleUploads(path.join(root, 'missing'))).toBe(0);
  });
});
