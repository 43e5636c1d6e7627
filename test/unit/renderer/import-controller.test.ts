// Importing over a fake core: files dropped together are ONE media.importMany at the place asked (or the selected
// track at the cursor); the import shows at once with its name and a determinate progress (the upload's share, then
// the core's import.progress), its waveform builds from import.peaks as they arrive (coarse first, then finer); cancel
// stops the upload or asks the core to cancel, without a toast; files that fail are reported one by one; the placed
// clips become the selection, come into view, and the cursor goes to their end.

import { afterEach, describe, expect, it } from 'vitest';
import type { Clip, Imported, Params } from '../../../src-main/contract';
import { AppController } from '../../../src-renderer/lib/app.svelte';
import { ClientError } from '../../../src-renderer/lib/client';
import { clip, fakeProject, settle, SR, take, track } from './fake-core';
import { FakeOutput } from './fake-output';

let app: AppController | null = null;
afterEach(() => {
  app?.dispose();
  app = null;
});

function imported(c: Clip): Imported {
  return { clip: c, take: take(c.activeTakeId, c.id, null), media: c.media };
}

async function started() {
  const world = fakeProject([track(1), track(2)], [clip(1, { start: 0 })]);
  let release!: () => void;
  const calls: Params<'media.importMany'>[] = [];
  Object.assign(world.core.handlers, {
    'engines.list': () => [],
    'history.state': () => ({ canUndo: false, canRedo: false, undoLabel: null, redoLabel: null }),
    'jobs.list': () => [],
    'takes.list': () => [],
    'media.cancelImport': () => null,
    'media.importMany': async (p: Params<'media.importMany'>) => {
      calls.push(p);
      await new Promise<void>((r) => (release = r));
      const at = p.start ?? 0;
      const made = [clip(10, { trackId: p.trackId ?? 1, start: at, outPoint: SR }), clip(11, { trackId: p.trackId ?? 1, start: at + SR, outPoint: SR })];
      world.clips.push(...made);
      return { imported: made.map(imported), failed: [{ name: 'notes.wav', code: 'E_UNSUPPORTED_AUDIO', message: 'Not audio.' }] };
    },
  });
  const uploads: string[] = [];
  world.core.sourceFor = (file, opts) => {
    uploads.push(file.name);
    opts?.onProgress?.(1);
    return { kind: 'path', path: `/in/${file.name}` };
  };
  app = new AppController(world.client, 'Linux', { output: new FakeOutput(), storage: null });
  app.start(new EventTarget() as unknown as Window);
  await settle();
  await settle();
  return { ...world, app, calls, uploads, release: () => release() };
}

const files = (...names: string[]) => names.map((n) => new File([new Uint8Array(4)], n));

describe('importing', () => {
  it('imports files dropped together as one importMany on the selected track at the cursor', async () => {
    const { app, calls, release, core } = await started();
    app.selection.selectTrack(2);
    await app.transport.seek(3 * SR);
    const done = app.transfer.importFiles(files('a.wav', 'b.wav', 'notes.wav'));
    await settle();
    // Shown at once, where it will land, before the core answers.
    expect(app.transfer.imports).toHaveLength(1);
    const job = app.transfer.imports[0]!;
    expect(job).toMatchObject({ trackId: 2, start: 3 * SR, stage: 'importing' });
    expect(job.files.map((f) => f.name)).toEqual(['a.wav', 'b.wav', 'notes.wav']);
    expect(calls).toEqual([
      {
        items: [
          { source: { kind: 'path', path: '/in/a.wav' }, name: 'a.wav' },
          { source: { kind: 'path', path: '/in/b.wav' }, name: 'b.wav' },
          { source: { kind: 'path', path: '/in/notes.wav' }, name: 'notes.wav' },
        ],
        trackId: 2,
        start: 3 * SR,
        importId: job.id,
      },
    ]);
    expect(job.id).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(core.methods().filter((m) => m.startsWith('media.'))).toEqual(['media.importMany']);
    release();
    await done;
    expect(app.transfer.imports).toEqual([]);
    // The failed file is reported with its code; the others are placed, selected, revealed, and the cursor follows.
    expect(app.errors.entries.map((e) => [e.context, e.code])).toEqual([['Import notes.wav', 'E_UNSUPPORTED_AUDIO']]);
    expect(app.selection.clipIds).toEqual([10, 11]);
    expect(app.transport.cursor).toBe(5 * SR);
    app.errors.dispose();
  });

  it('goes where a drop says, and shows determinate progress: the upload share, then the core’s', async () => {
    const { app, release, core } = await started();
    const done = app.transfer.importFiles(files('a.wav'), { trackId: 1, start: 1234.6 });
    await settle();
    const id = app.transfer.imports[0]!.id;
    // The web shell's upload (reported complete by the fake) is the first quarter.
    expect(app.transfer.imports[0]!.fraction).toBeCloseTo(0.25, 9);
    core.emit('import.progress', { importId: id, index: 0, count: 1, name: 'a.wav', fraction: 0.5, stage: 'decoding' });
    expect(app.transfer.imports[0]!.fraction).toBeCloseTo(0.625, 9);
    // Another import's events are not this one's; progress never goes back.
    core.emit('import.progress', { importId: 'other_import', index: 0, count: 1, name: 'x', fraction: 0.9, stage: null });
    core.emit('import.progress', { importId: id, index: 0, count: 1, name: 'a.wav', fraction: 0.4, stage: 'decoding' });
    expect(app.transfer.imports[0]!.fraction).toBeCloseTo(0.625, 9);
    expect(app.transfer.imports[0]!.start).toBe(1235);
    release();
    await done;
  });

  it('draws the waveform of a file being imported from import.peaks, coarse first then finer', async () => {
    const { app, release, core } = await started();
    const done = app.transfer.importFiles(files('long.wav', 'b.wav'));
    await settle();
    const id = app.transfer.imports[0]!.id;
    const wave = () => app.transfer.imports[0]!.files[0]!.wave;
    expect(wave().empty).toBe(true);
    core.emit('import.peaks', { importId: id, index: 0, name: 'long.wav', durationSec: 3600, bucketSec: 36, start: 0, peaks: Array(200).fill(0.5).map((v, i) => (i % 2 ? v : -v)), final: false });
    expect(wave().durationSec).toBe(3600);
    expect(wave().range(100, 110)).toEqual([-0.5, 0.5]);
    const v = app.transfer.imports[0]!.version;
    core.emit('import.peaks', { importId: id, index: 0, name: 'long.wav', durationSec: 3600, bucketSec: 0.01, start: 10_000, peaks: [-0.1, 0.2], final: false });
    expect(app.transfer.imports[0]!.version).toBe(v + 1);
    expect(wave().range(100, 100.01)).toEqual([expect.closeTo(-0.1, 6), expect.closeTo(0.2, 6)]);
    // The second file's messages go to the second file.
    core.emit('import.peaks', { importId: id, index: 1, name: 'b.wav', durationSec: 2, bucketSec: 1, start: 0, peaks: [-1, 1, -1, 1], final: true });
    expect(app.transfer.imports[0]!.files[1]!.wave.durationSec).toBe(2);
    release();
    await done;
  });

  it('cancels in the core without a toast', async () => {
    const { app, core } = await started();
    core.handlers['media.importMany'] = async () => {
      await new Promise<void>((r) => setTimeout(r, 0));
      throw new ClientError('E_CANCELLED', 'The import was cancelled.');
    };
    const done = app.transfer.importFiles(files('a.wav'));
    await settle();
    const id = app.transfer.imports[0]!.id;
    await app.transfer.cancelImport(id);
    expect(core.calls.find((c) => c.method === 'media.cancelImport')?.params).toEqual({ importId: id });
    await done;
    expect(app.transfer.imports).toEqual([]);
    expect(app.errors.entries).toEqual([]);
  });

  it('stops an upload without asking the core', async () => {
    const { app, core } = await started();
    let aborted = false;
    core.sourceFor = (_file, opts) =>
      new Promise((_, reject) => {
        opts?.signal?.addEventListener('abort', () => {
          aborted = true;
          reject(new ClientError('E_CANCELLED', 'The upload was cancelled.'));
        });
      });
    const done = app.transfer.importFiles(files('a.wav'));
    await settle();
    expect(app.transfer.imports[0]!.stage).toBe('uploading');
    await app.transfer.cancelImport(app.transfer.imports[0]!.id);
    await done;
    expect(aborted).toBe(true);
    expect(core.methods().filter((m) => m.startsWith('media.'))).toEqual([]);
    expect(app.errors.entries).toEqual([]);
  });

  it('refuses to import without a project', async () => {
    const { app, core } = await started();
    core.emit('project.changed', { project: null });
    core.handlers['project.listRecent'] = () => [];
    await settle();
    await app.transfer.importFiles(files('a.wav'));
    expect(app.errors.entries.map((e) => e.code)).toContain('E_NO_PROJECT');
    app.errors.dispose();
  });
});
