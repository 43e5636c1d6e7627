// Region edits in the renderer over a fake core: the part of each selected clip a timeline range covers, the plan the
// form reads the region's words from, the length mode (per edit, the project's defaults, speed never fitted), the
// reasons Apply cannot run, one job per covered clip with its own range, the tag text helpers, and the export dialog's
// request and refusals, its job followed through events (progress never back, the download offered once), and the
// script import.

import { afterEach, describe, expect, it } from 'vitest';
import type { EditPlan, EngineInfo, ExportedFile, ExportJob, Params } from '../../../src-main/contract';
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

function exportJob(id: number, over: Partial<ExportJob> = {}): ExportJob {
  return {
    kind: 'export',
    id,
    status: 'queued',
    progress: 0,
    stage: null,
    error: null,
    resultTakeIds: [],
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: null,
    finishedAt: null,
    scope: { kind: 'mix' },
    encoding: 'wav-pcm24',
    loudness: { preset: 'podcast', targetLufs: -16, ceilingDbtp: -1 },
    files: [],
    ...over,
  };
}

describe('the export job', () => {
  it('follows its events to the end and offers the files to download once (web shell)', async () => {
    const { app, core } = await started();
    const started_: Params<'export.start'>[] = [];
    core.handlers['export.start'] = (p) => {
      started_.push(p);
      return exportJob(7);
    };
    const downloads: string[][] = [];
    app.exports.downloaded.on((files) => void downloads.push(files.map((f) => f.href ?? '')));
    app.exports.loudness = 'podcast';
    await app.exports.start();
    expect(started_).toHaveLength(1);
    expect(app.exports.running).toBe(true);

    core.emit('job.progress', { jobId: 7, kind: 'export', clipId: null, progress: 0.6, stage: 'Rendering' });
    expect([app.exports.job?.status, app.exports.job?.progress, app.exports.job?.stage]).toEqual(['running', 0.6, 'Rendering']);
    // A late snapshot does not take the bar back; another job's events are not this dialog's.
    core.emit('job.updated', { job: exportJob(7, { status: 'running', progress: 0.2 }) });
    core.emit('job.progress', { jobId: 8, kind: 'export', clipId: null, progress: 0.9, stage: 'x' });
    expect(app.exports.job?.progress).toBe(0.6);

    const file: ExportedFile = {
      path: '/p/exports/mix.wav',
      url: '/exports/mix.wav',
      name: 'mix.wav',
      bytes: 10,
      sidecarPath: '/p/exports/mix.wav.json',
      sidecarUrl: '/exports/mix.wav.json',
      sampleRate: SR,
      channels: 1,
      frames: SR,
      durationSec: 1,
      integratedLufs: -16,
      truePeakDbtp: -1.2,
      gainDb: 3,
      limited: false,
      shortfallLu: null,
    };
    core.emit('job.finished', { job: exportJob(7, { status: 'done', progress: 1, files: [file] }) });
    core.emit('job.updated', { job: exportJob(7, { status: 'done', progress: 1, files: [file] }) });
    expect(app.exports.running).toBe(false);
    expect(downloads).toEqual([['http://fake/exports/mix.wav']]);
    expect(app.exports.files[0]?.sidecarHref).toBe('http://fake/exports/mix.wav.json');
    // A running job that ends late is not brought back to running by an old snapshot.
    core.emit('job.updated', { job: exportJob(7, { status: 'running', progress: 0.5 }) });
    expect(app.exports.job?.status).toBe('done');
  });
});

describe('the script import', () => {
  it('sends the file\'s text with the format its name says, and keeps what it read for the inspector', async () => {
    const { app, core } = await started();
    const calls: Params<'transcripts.import'>[] = [];
    core.handlers['transcripts.import'] = (p) => {
      calls.push(p);
      return { clips: [clip(1, { transcript: 'hello' })], lines: 2, problems: [{ line: 3, reason: 'no end time' }] };
    };
    await app.transcripts.importScript(new File(['1\n00:00:00,000 --> 00:00:01,000\nhello\n'], 'scene.SRT'));
    expect(calls).toEqual([{ content: '1\n00:00:00,000 --> 00:00:01,000\nhello\n', format: 'srt' }]);
    expect(app.arrangement.clips.find((c) => c.id === 1)?.transcript).toBe('hello');
    expect(app.transcripts.lastImport).toEqual({ file: 'scene.SRT', lines: 2, clips: 1, problems: [{ line: 3, reason: 'no end time' }] });
    expect(app.transcripts.importing).toBe(false);
  });

  it('saves a typed transcript only when it changed', async () => {
    const { app, core } = await started();
    const sets: unknown[] = [];
    core.handlers['clips.setTranscript'] = (p) => {
      sets.push(p);
      return clip(1, { transcript: p.text });
    };
    const c = app.arrangement.clips.find((x) => x.id === 1)!;
    await app.transcripts.save(c, '  one two three four ');
    await app.transcripts.save(c, 'one two');
    await app.transcripts.save(c, '   ');
    expect(sets).toEqual([
      { clipId: 1, text: 'one two' },
      { clipId: 1, text: null },
    ]);
  });
});
