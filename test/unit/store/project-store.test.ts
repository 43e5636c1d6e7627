import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProjectStore, LOCK_FILE } from '../../../src-main/store/project-store';
import { tempDir } from '../../helpers/tmp';

const root = tempDir();

describe('project folders', () => {
  it('creates a project in a new folder and reopens it', async () => {
    const dir = path.join(root, 'new', 'deep');
    const p = await ProjectStore.create(dir, 'Scene 12');
    expect(p.info()).toMatchObject({ name: 'Scene 12', sample_rate: 48000 });
    p.close();
    const again = await ProjectStore.open(dir);
    expect(again.info().name).toBe('Scene 12');
    again.close();
    await expect(ProjectStore.create(dir)).rejects.toMatchObject({ code: 'E_PROJECT_EXISTS' });
  });

  it('refuses a folder that is not ours, and writes nothing into it', async () => {
    const dir = path.join(root, 'foreign');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'notes.txt'), 'my notes');
    await expect(ProjectStore.open(dir)).rejects.toMatchObject({ code: 'E_NOT_A_PROJECT' });
    await expect(ProjectStore.create(dir)).rejects.toMatchObject({ code: 'E_NOT_A_PROJECT' });
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    await expect(ProjectStore.open(path.join(root, 'nope'))).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
  });

  it('removes exports/*.part and media temp files left by a crash when it opens, and nothing else', async () => {
    const dir = path.join(root, 'leftovers');
    (await ProjectStore.create(dir)).close();
    const exportsDir = path.join(dir, 'exports');
    mkdirSync(exportsDir, { recursive: true });
    for (const f of ['mix.wav.part', 'mix.json.part', 'mix.wav', 'mix.json', 'notes.part.txt']) writeFileSync(path.join(exportsDir, f), f);
    writeFileSync(path.join(dir, 'media', '.tmp', 'abc.wav'), 'half');
    const p = await ProjectStore.open(dir);
    expect(readdirSync(exportsDir).sort()).toEqual(['mix.json', 'mix.wav', 'notes.part.txt']);
    expect(readdirSync(path.join(dir, 'media', '.tmp'))).toEqual([]);
    p.close();
  });

  it('refuses a project.sqlite that is not a Retake database', async () => {
    const dir = path.join(root, 'fake');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'project.sqlite'), 'garbage'.repeat(1000));
    await expect(ProjectStore.open(dir)).rejects.toMatchObject({ code: 'E_NOT_A_PROJECT' });
  });

  it('refuses a project held by another live process, and takes over a stale lock', async () => {
    const dir = path.join(root, 'locked');
    (await ProjectStore.create(dir)).close();
    // A live process that is not us: this test's parent.
    writeFileSync(path.join(dir, LOCK_FILE), String(process.ppid));
    await expect(ProjectStore.open(dir)).rejects.toMatchObject({ code: 'E_PROJECT_LOCKED' });
    // A process that has exited.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(path.join(dir, LOCK_FILE), gone);
    const p = await ProjectStore.open(dir);
    p.close();
  });
});
