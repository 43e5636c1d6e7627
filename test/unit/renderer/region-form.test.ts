// Region edits in the renderer over a fake core: the part of each selected clip a timeline range covers, the plan the
// form reads the region's words from, the length mode (per edit, the project's defaults, speed never fitted), the
// reasons Apply cannot run, one job per covered clip with its own range, the tag text helpers, and the export dialog's
// request and refusals.

import { afterEach, describe, expect, it } from 'vitest';
import type { EditPlan, EngineInfo, Params } from '../../../src-main/contract';
import { AppController } from '../../../src-renderer/lib/app.svelte';
import { regionTargets, spanOnTimeline } from '../../../src-renderer/lib/region-targets';
import { insertAt, stripTags, tagsIn } from '../../../src-renderer/lib/tags';
import { clip, fakeProject, job, settle, SR, take, track } from './fake-core';

const ENGINE: EngineInfo = {
  id: 'prosody',
  name: 'Built-in',
  shortName: 'built-in',
  version: '1',
  description: 'DSP',
  tasks: {
    emotion: { options: ['happy'], needsText: false, needsNewText: false, intensity: true },
    speed: { options: ['faster'], needsText: false, needsNewText: false, intensity: false },
    paralinguistic: { options: [], needsText: true, needsNewText: true, intensity: false },
  },
  languages: [],
  maxInputSeconds: 30,
  tags: ['Laughter', 'Sigh'],
  available: true,
};

let app: AppController | null = null;
afterEach(() => {
  app?.dispose();
  app = null;
});

async function started() {
  // Two clips end to end: 0–2 s and 2–4 s of the timeline, each playing 2 s of its take from 0.5 s in.
  const world = fakeProject([track(1)], [
    clip(1, { inPoint: SR / 2, outPoint: 2.5 * SR, transcript: 'one two three four' }),
    clip(2, { start: 2 * SR, inPoint: SR / 2, outPoint: 2.5 * SR, transcript: 'five six' }),
  ]);
  const plans: Params<'edits.plan'>[] = [];
  const submits: Params<'jobs.submit'>[] = [];
  Object.assign(world.core.handlers, {
    'engines.list': () => [ENGINE],
    'history.state': () => ({ canUndo: false, canRedo: false, undoLabel: null, redoLabel: null }),
    'takes.list': (p: { clipId: number }) => [take(p.clipId * 10, p.clipId, null)],
    'jobs.list': () => [],
    'project.listRecent': () => [],
    'edits.plan': (p: Params<'edits.plan'>): EditPlan => {
      plans.push(p);
      return {
        requested: p.range ?? null,
        span: p.range ? { start: p.range.start - 100, end: p.range.end + 100 } : { start: 0, end: 4 * SR },
        windows: [p.range ?? { start: 0, end: 4 * SR }],
        pausesKnown: true,
        lengthMode: p.lengthMode ?? (p.range ? 'fit' : 'free'),
        text: p.range ? 'two three' : 'one two three four',
        textSource: p.range ? 'transcript-speech-time' : 'transcript',
        note: null,
      };
    },
    'jobs.submit': (p: Params<'jobs.submit'>) => {
      submits.push(p);
      return job(100 + submits.length, p.clipId, { status: 'queued' });
    },
  });
  app = new AppController(world.client, 'Linux x86_64');
  app.start(new EventTarget() as unknown as Window);
  await settle();
  await settle();
  return { ...world, app, plans, submits };
}

describe('region targets', () => {
  const clips = [clip(1, { inPoint: SR / 2, outPoint: 2.5 * SR }), clip(2, { start: 2 * SR, inPoint: 0, outPoint: 2 * SR })];

  it('gives each covered clip its part, in take-relative samples, and leaves slivers out', () => {
    const t = regionTargets({ start: SR, end: 3 * SR }, clips, SR);
    expect(t.map((x) => [x.clip.id, x.range.start, x.range.end])).toEqual([
      [1, 1.5 * SR, 2.5 * SR],
      [2, 0, SR],
    ]);
    // 10 ms of the second clip is not a region of it.
    expect(regionTargets({ start: SR, end: 2 * SR + 480 }, clips, SR).map((x) => x.clip.id)).toEqual([1]);
    expect(regionTargets(null, clips, SR)).toEqual([]);
  });

  it('puts a take span back on the timeline, cut to what the clip plays', () => {
    expect(spanOnTimeline(clips[0]!, { start: 0, end: SR })).toEqual({ start: 0, end: SR / 2 });
    expect(spanOnTimeline(clips[0]!, { start: 3 * SR, end: 4 * SR })).toBeNull();
  });
});

describe('tags in the words', () => {
  it('inserts at the cursor or over the selection, and reads the words without the tags', () => {
    expect(insertAt('Great the weather', 5, 5, '[Laughter]')).toEqual({ text: 'Great[Laughter] the weather', caret: 15 });
    expect(insertAt('abc', 3, 1, '[Sigh]')).toEqual({ text: 'a[Sigh]', caret: 7 });
    const names = ['Laughter', 'Sigh'];
    expect(tagsIn('a [Sigh] b [Laughter] [Other]', names)).toEqual(['Sigh', 'Laughter']);
    expect(stripTags('我觉得[Laughter]这个', names)).toBe('我觉得这个');
    expect(stripTags('Great [Laughter] , the [Other] weather', names)).toBe('Great, the [Other] weather');
  });
});

describe('the edit form over a region', () => {
  it('reads the region\'s words from the plan, fits by default, and sends one job per covered clip', async () => {
    const { app, plans, submits } = await started();
    app.selection.selectClip(1);
    await settle();
    expect([app.form.regional, app.form.effectiveLengthMode, app.form.text]).toEqual([false, 'free', 'one two three four']);

    // The range covers the selected clips: both are selected, clip 1 stays the primary one.
    app.selection.setClips([1, 2]);
    app.selection.setRange({ start: SR, end: 3 * SR });
    expect(app.form.regional).toBe(true);
    expect(app.form.effectiveLengthMode).toBe('fit');
    await app.region.refresh();
    expect(plans.at(-1)).toMatchObject({ clipId: 1, engine: 'prosody', task: 'emotion', range: { start: 1.5 * SR, end: 2.5 * SR } });
    expect(app.region.current).toBe(true);
    expect([app.form.text, app.form.typed]).toEqual(['two three', false]);

    app.form.setIterations(2);
    await app.form.apply();
    // The primary clip first, each with its own part; the region's words are the core's to find (not typed).
    expect(submits.map((p) => [p.clipId, p.range, p.iterations, p.text])).toEqual([
      [1, { start: 1.5 * SR, end: 2.5 * SR }, 2, undefined],
      [2, { start: SR / 2, end: 1.5 * SR }, 2, undefined],
    ]);
  });

  it('never fits a speed edit, and says why each invalid combination cannot run', async () => {
    const { app } = await started();
    app.selection.selectClip(1);
    await settle();
    app.selection.setRange({ start: SR, end: 1.5 * SR });
    app.form.setTask('speed');
    expect(app.form.effectiveLengthMode).toBe('free');
    app.form.setLengthMode('fit');
    expect(app.form.lengthMode).toBeNull();
    expect(app.form.intensityProblem).toBe('Speed has no intensity.');
    app.form.setLengthMode('ripple');
    expect(app.form.request(1).lengthMode).toBe('ripple');

    // Tags go into one clip's words: a range over two clips cannot take them.
    app.form.setTask('paralinguistic');
    app.selection.setClips([1, 2]);
    app.selection.setRange({ start: SR, end: 3 * SR });
    await app.region.refresh();
    app.form.text = 'two [Laughter] three';
    expect(app.form.problem).toBe('Tags go into one clip\'s words: draw the range over one clip.');
    app.selection.setRange({ start: SR, end: 1.5 * SR });
    await app.region.refresh();
    app.form.text = 'two three';
    expect(app.form.problem).toBe('Insert a tag where the sound goes (the palette below the words).');
    // A range that misses the selected clip is not an edit of it.
    app.selection.setRange({ start: 2.5 * SR, end: 3 * SR });
    expect(app.form.problem).toBe('The time range does not cover the selected clip.');
  });
});

describe('the export dialog', () => {
  it('builds the request from its choices and refuses what cannot be exported', async () => {
    const { app } = await started();
    const exp = app.exports;
    exp.openDialog();
    expect([exp.open, exp.scope]).toEqual([true, 'mix']);
    expect(exp.request()).toEqual({ scope: { kind: 'mix' }, encoding: 'wav-pcm24', destination: 'exports' });

    exp.loudness = 'podcast';
    exp.encoding = 'flac-24';
    expect(exp.targetLufs).toBe(-16);
    expect(exp.request()).toEqual({ scope: { kind: 'mix' }, encoding: 'flac-24', destination: 'exports', loudness: { preset: 'podcast', ceilingDbtp: -1 } });

    exp.loudness = 'custom';
    exp.customLufs = -80;
    expect(exp.problem).toBe('The target must be between −70 and 0 LUFS.');
    exp.customLufs = -18;
    exp.ceilingDbtp = -2;
    exp.name = '  Scene 4 ';
    expect(exp.request()).toMatchObject({ loudness: { preset: 'custom', targetLufs: -18, ceilingDbtp: -2 }, name: 'Scene 4' });

    exp.scope = 'range';
    expect(exp.problem).toBe('Draw a time range on the timeline first.');
    app.selection.setRange({ start: SR, end: 2 * SR });
    expect(exp.problem).toBeNull();
    expect(exp.request().scope).toEqual({ kind: 'range', start: SR, end: 2 * SR });
    // With a range drawn, opening the dialog again offers it.
    exp.closeDialog();
    exp.scope = 'mix';
    exp.openDialog();
    expect(exp.scope).toBe('range');
  });
});
