// The Clone panel's controller over a fake core, inside the composition root: which engine clones, why Clone is not
// possible yet, the clone.submit request for the selected clip (its active take, its track), the prompt transcript
// taken from the clip, the job followed through job events, and the new clip selected when the job is done.

import { afterEach, describe, expect, it } from 'vitest';
import type { CloneJob, EngineInfo } from '../../../src-main/contract';
import { AppController } from '../../../src-renderer/lib/app.svelte';
import { clip, cloneJob, fakeProject, settle, take, track } from './fake-core';

const PROSODY: EngineInfo = {
  id: 'prosody',
  name: 'Built-in',
  shortName: 'built-in',
  version: '1',
  description: 'DSP',
  tasks: { speed: { options: ['faster'], needsText: false, needsNewText: false, intensity: false } },
  languages: ['en'],
  maxInputSeconds: null,
  tags: [],
  available: true,
};
const EDITX: EngineInfo = {
  id: 'editx',
  name: 'Step-Audio-EditX',
  shortName: 'EditX',
  version: '0.1.0',
  description: 'EditX',
  tasks: {
    clone: { options: [], needsText: true, needsNewText: true, intensity: false },
    emotion: { options: ['happy'], needsText: true, needsNewText: false, intensity: false },
    paralinguistic: { options: [], needsText: true, needsNewText: true, intensity: false },
  },
  languages: ['en'],
  maxInputSeconds: 30,
  tags: ['Laughter', 'Sigh'],
  available: true,
};

let app: AppController | null = null;
afterEach(() => {
  app?.dispose();
  app = null;
});

async function started(engines: EngineInfo[]) {
  const world = fakeProject([track(1), track(2)], [clip(1, { trackId: 2 })]);
  Object.assign(world.core.handlers, {
    'engines.list': () => engines,
    'history.state': () => ({ canUndo: false, canRedo: false, undoLabel: null, redoLabel: null }),
    'takes.list': () => [take(10, 1, null, { textBefore: 'what the prompt says' })],
    'jobs.list': () => [],
    'project.listRecent': () => [],
  });
  app = new AppController(world.client, 'Linux x86_64');
  app.start(new EventTarget() as unknown as Window);
  await settle();
  await settle();
  return { ...world, app };
}

describe('clone controller', () => {
  it('needs an engine that clones, available, a prompt and both texts', async () => {
    const { app } = await started([PROSODY]);
    expect(app.clone.engine).toBeUndefined();
    expect(app.clone.problem).toBe('No engine can clone a voice.');
    app.engines.list = [PROSODY, { ...EDITX, available: false, unavailableReason: 'No EditX model pack is installed.' }];
    expect(app.clone.problem).toBe('No EditX model pack is installed.');
    app.engines.list = [PROSODY, EDITX];
    expect(app.clone.problem).toMatch(/Select the clip/);
    app.clone.setSource('file');
    expect(app.clone.problem).toMatch(/Choose the audio file/);
    app.clone.setSource('clip');
    app.selection.selectClip(1);
    await settle();
    // The transcript of the prompt comes from the selected clip's take; the new line must be typed.
    expect(app.clone.promptText).toBe('what the prompt says');
    expect(app.clone.problem).toBe('Type the new line to speak.');
    app.clone.text = 'A new line.';
    expect(app.clone.problem).toBeNull();
  });

  it('leaves clone out of the edit form\'s tasks and writes palette tags into the new text', async () => {
    const { app } = await started([EDITX]);
    expect(app.form.engineId).toBe('editx');
    expect(app.form.taskNames).toEqual(['emotion', 'paralinguistic']);
    app.form.setTask('paralinguistic');
    app.form.text = 'Hello there.';
    app.form.insertTag('Laughter');
    expect(app.form.newText).toBe('Hello there.[Laughter]');
    app.form.insertTag('Sigh');
    expect(app.form.newText).toBe('Hello there.[Laughter][Sigh]');
  });

  it('submits the selected clip\'s active take, follows the job and selects the new clip when it is done', async () => {
    const { app, core, clips } = await started([EDITX]);
    app.selection.selectClip(1);
    await settle();
    app.clone.text = '  A new line.  ';
    app.clone.seed = 42;
    let submitted: CloneJob | null = null;
    core.handlers['clone.submit'] = () => (submitted = cloneJob(7, 1, { status: 'queued' }));
    await app.clone.submit();
    expect(core.calls.find((c) => c.method === 'clone.submit')?.params).toEqual({
      promptTakeId: 10,
      promptText: 'what the prompt says',
      text: 'A new line.',
      engine: 'editx',
      seed: 42,
      trackId: 2,
    });
    expect(submitted).not.toBeNull();
    core.emit('job.updated', { job: submitted! });
    expect(app.clone.job?.status).toBe('queued');
    expect(app.clone.running).toBe(true);
    // The job ends with its new clip on the timeline: it becomes the selection.
    clips.push(clip(2, { trackId: 2, activeTakeId: 99, name: 'Clone: A new line.' }));
    core.emit('job.finished', { job: cloneJob(7, 1, { status: 'done', resultTakeIds: [99], progress: 1 }) });
    await settle();
    await settle();
    expect(app.clone.running).toBe(false);
    expect(app.selection.clipId).toBe(2);
  });
});
