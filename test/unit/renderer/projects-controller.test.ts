// Choosing and forgetting projects: the folder picker (the system's dialog when the shell has one, else a dialog
// over files.browse that lists folders, reports a folder it may not show, and answers with the chosen one or null),
// and removing a project from the recent list.

import { describe, expect, it } from 'vitest';
import type { FolderListing } from '../../../src-main/contract';
import { ClientError } from '../../../src-renderer/lib/client';
import { ErrorsController } from '../../../src-renderer/lib/errors.svelte';
import { FolderBrowser } from '../../../src-renderer/lib/folders.svelte';
import { ProjectController } from '../../../src-renderer/lib/project.svelte';
import { fakeClient, settle } from './fake-core';

const listing = (dir: string, parent: string | null, names: string[]): FolderListing => ({
  dir,
  parent,
  entries: names.map((n) => ({ name: n, path: `${dir}/${n}`, isProject: n.endsWith('.rtk') })),
  roots: [
    { label: 'Home', path: '/users/u' },
    { label: 'Projects', path: '/users/u/Retake' },
  ],
});

describe('folder picker', () => {
  it('browses with files.browse and answers with the folder chosen, or null when cancelled', async () => {
    const { core, client } = fakeClient();
    core.handlers['files.browse'] = (p) => {
      if (!p.dir) return listing('/users/u', null, ['Music', 'Scene 12.rtk']);
      if (p.dir === '/etc') throw new ClientError('E_FORBIDDEN', 'Retake can only browse your home folder and its projects folder, not /etc.');
      return listing(p.dir, '/users/u', []);
    };
    const folders = new FolderBrowser(client, new ErrorsController(), null);
    const chosen = folders.pick();
    await settle();
    expect(folders.open).toBe(true);
    expect(folders.listing?.entries.map((e) => [e.name, e.isProject])).toEqual([
      ['Music', false],
      ['Scene 12.rtk', true],
    ]);
    await folders.go('/users/u/Music');
    expect(folders.listing?.dir).toBe('/users/u/Music');
    await folders.go('/etc');
    expect(folders.problem).toMatch(/only browse/);
    expect(folders.listing?.dir).toBe('/users/u/Music');
    folders.choose('/users/u/Music');
    await expect(chosen).resolves.toBe('/users/u/Music');
    expect(folders.open).toBe(false);

    const again = folders.pick('Music');
    await settle();
    expect(core.calls.at(-1)).toEqual({ method: 'files.browse', params: { dir: 'Music' } });
    folders.cancel();
    await expect(again).resolves.toBeNull();
  });

  it('uses the system dialog when the shell has one', async () => {
    const { core, client } = fakeClient();
    const folders = new FolderBrowser(client, new ErrorsController(), async () => '/Users/u/Scene 12');
    await expect(folders.pick()).resolves.toBe('/Users/u/Scene 12');
    expect(folders.open).toBe(false);
    expect(core.calls).toEqual([]);
  });
});

describe('recent projects', () => {
  it('removes a project from the list (its folder is not touched)', async () => {
    const { core, client } = fakeClient();
    const recent = [
      { dir: '/a', name: 'a', openedAt: '2026-01-01T00:00:00Z', exists: true },
      { dir: '/b', name: 'b', openedAt: '2026-01-01T00:00:00Z', exists: false },
    ];
    core.handlers['project.current'] = () => null;
    core.handlers['project.listRecent'] = () => recent;
    core.handlers['project.removeRecent'] = (p) => recent.filter((r) => r.dir !== p.dir);
    const project = new ProjectController(client, new ErrorsController());
    await project.sync();
    expect(project.recent.map((r) => r.dir)).toEqual(['/a', '/b']);
    await project.removeRecent('/b');
    expect(core.calls.at(-1)).toEqual({ method: 'project.removeRecent', params: { dir: '/b' } });
    expect(project.recent.map((r) => r.dir)).toEqual(['/a']);
  });
});
