// The composition root over a fake core: how the controllers answer each other. Starting syncs the project and the
// engines; selecting a clip loads its takes and jobs and its transcript; a finished job and an undo reload what
// they changed; a clip that disappears is deselected; closing the project empties the views; a reconnect syncs again.

import { afterEach, describe, expect, it } from 'vitest';
import type { EngineInfo, HistoryState, Take } from '../../../src-main/contract';
import { AppController } from '../../../src-renderer/lib/app.svelte';
import { clip, fakeProject, job, settle, take, track } from './fake-core';

const ENGINE: EngineInfo = {
  id: 'prosody',
  name: 'Built-in',
  shortName: 'built-in',
  version: '1',
  description: 'DSP',
  tasks: { speed: { options: ['faster', 'slower'], needsText: false, needsNewText: false, intensity: false } },
  languages: ['en'],
  maxInputSeconds: null,
  tags: [],
  available: true,
};

let app: AppController | null = null;
afterEach(() => {
  app?.dispose();
  app = null;
});

async function started() {
  const world = fakeProject([track(1)], [clip(1), clip(2, { start: 5 * 48_000 })]);
  const takes: Record<number, Take[]> = {
    1: [take(10, 1, null, { textBefore: 'hello there' }), take(11, 1, 10)],
    2: [take(20, 2, null)],
  };
  let history: HistoryState = { canUndo: true, canRedo: false, undoLabel: 'speed', redoLabel: null };
  Object.assign(world.core.handlers, {
    'engines.list': () => [ENGINE],
    'history.state': () => history,
    'history.undo': () => (history = { canUndo: false, canRedo: true, undoLabel: null, redoLabel: 'speed' }),
    'takes.list': (p: { clipId: number }) => takes[p.clipId] ?? [],
    'jobs.list': () => [],
    'project.listRecent': () => [{ dir: '/p', name: 'p', openedAt: '2026-01-01T00:00:00Z', exists: true }],
  });
  app = new AppController(world.client, 'Linux x86_64');
  app.start(new EventTarget() as unknown as Window);
  await settle();
  await settle();
  return { ...world, app, takes };
}

describe('composition root', () => {
  it('syncs project, engines, history and timeline at start', async () => {
    const { app } = await started();
    expect(app.connection.ready).toBe(true);
    expect(app.project.current?.dir).toBe('/p');
    expect(app.engines.list.map((e) => e.id)).toEqual(['prosody']);
    expect(app.form.engineId).toBe('prosody');
    expect(app.form.task).toBe('speed');
    expect(app.history.state.undoLabel).toBe('speed');
    expect(app.arrangement.clips.map((c) => c.id)).toEqual([1, 2]);
  });

  it('loads a selected clip’s takes, jobs and transcript, and starts the next clip afresh', async () => {
    const { app, core } = await started();
    core.calls.length = 0;
    app.selection.selectClip(1);
    await settle();
    expect(core.methods().sort()).toEqual(['jobs.list', 'takes.list']);
    expect(app.takes.takes.map((t) => t.id)).toEqual([10, 11]);
    expect(app.form.text).toBe('hello there');
    // Source active, one edit: A is the source, B the edit.
    expect([app.audition.decks.a?.id, app.audition.decks.b?.id]).toEqual([10, 11]);
    expect(app.selection.trackId).toBe(1);

    app.form.newText = 'typed';
    app.selection.selectClip(2);
    await settle();
    expect(app.form.text).toBe('');
    expect(app.form.newText).toBe('');
    expect(app.takes.takes.map((t) => t.id)).toEqual([20]);
  });

  it('reloads takes and timeline when a job of the clip is done, and after an undo', async () => {
    const { app, core } = await started();
    app.selection.selectClip(1);
    await settle();
    app.selection.auditionTake(10);
    core.calls.length = 0;
    core.emit('job.updated', { job: job(5, 1) });
    core.emit('job.finished', { job: job(5, 1, { status: 'done', progress: 1, resultTakeIds: [11] }) });
    await settle();
    expect(core.methods().sort()).toEqual(['takes.list', 'timeline.get']);
    expect(app.selection.takeId).toBeNull();

    app.selection.auditionTake(10);
    core.calls.length = 0;
    await app.history.undo();
    expect(core.methods().sort()).toEqual(['history.undo', 'takes.list', 'timeline.get']);
    expect(app.history.state.canRedo).toBe(true);
    expect(app.selection.takeId).toBeNull();
  });

  it('deselects a clip that leaves the timeline', async () => {
    const { app, core, clips } = await started();
    app.selection.selectClip(2);
    await settle();
    clips.splice(1, 1);
    core.emit('timeline.changed', {});
    await settle();
    expect(app.selection.clipId).toBeNull();
    expect(app.takes.clipId).toBeNull();
  });

  it('empties the views when the project closes, and syncs again after a reconnect', async () => {
    const { app, core } = await started();
    app.selection.selectClip(1);
    await settle();
    core.emit('project.changed', { project: null });
    await settle();
    expect(app.project.current).toBeNull();
    expect(app.selection.clipId).toBeNull();
    expect(app.arrangement.clips).toEqual([]);
    expect(app.history.state.canUndo).toBe(false);
    expect(app.project.recent.map((r) => r.dir)).toEqual(['/p']);

    core.calls.length = 0;
    core.setConnection('closed');
    expect(app.connection.bannerVisible).toBe(true);
    core.setConnection('open');
    await settle();
    expect(app.connection.bannerVisible).toBe(false);
    expect(core.methods()).toEqual(expect.arrayContaining(['engines.list', 'project.current', 'timeline.get']));
    expect(app.arrangement.clips.map((c) => c.id)).toEqual([1, 2]);
  });
});
