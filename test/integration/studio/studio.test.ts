// The studio core against a real engine host process: import, edit jobs with progress, cancel (cooperative and by
// kill), host crashes, undo/redo, export, and bad input that must leave the project untouched.
import Database from 'better-sqlite3';
import { chmodSync, existsSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../src-main/contract';
import { decodeFile } from '../../../src-main/audio/decode';
import { codeOf } from '../../helpers/errors';
import { tempDir } from '../../helpers/tmp';
import { corpusFile, makeStudio, type TestStudio } from '../../helpers/studio';
import { sine, wavBytes } from '../../helpers/wav';

const home = tempDir('retake-studio-');
const projectDir = path.join(home, 'project');
let t: TestStudio;

/** Every file of the media store outside .tmp, by name. */
function mediaFiles(): string[] {
  const root = path.join(projectDir, 'media');
  const out: string[] = [];
  for (const d of readdirSync(root)) if (d !== '.tmp') for (const f of readdirSync(path.join(root, d))) out.push(f);
  return out.sort();
}

function dbCounts() {
  const db = new Database(path.join(projectDir, 'project.sqlite'), { readonly: true });
  try {
    const n = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { media: n('media'), clips: n('clips'), takes: n('takes') };
  } finally {
    db.close();
  }
}

async function runJob(params: Parameters<TestStudio['studio']['handlers']['jobs.submit']>[0]): Promise<Job> {
  const job = await t.studio.call('jobs.submit', params);
  const done = await t.next('job.finished', (p) => p.job.id === job.id);
  return done.job;
}

let clipId = 0;

beforeAll(async () => {
  t = makeStudio(home, { cancelGraceMs: 800 });
  await t.studio.call('project.create', { dir: projectDir, name: 'Integration' });
});
afterAll(async () => {
  await t.close();
});

describe('studio core + engine host', () => {
  it('imports a corpus file as a clip with a source take and a waveform', async () => {
    const r = await t.studio.call('media.import', { source: { kind: 'path', path: corpusFile('zero_shot_en_prompt.wav') } });
    clipId = r.clip.id;
    expect(r.media).toMatchObject({ sampleRate: 44100, channels: 1, format: 'wav' });
    expect(r.media.durationSec).toBeCloseTo(5.02, 1);
    expect(r.clip.takeLength).toBe(Math.round((r.media.frames * 48000) / 44100));
    expect(r.take).toMatchObject({ kind: 'source', parentId: null });
    const peaks = await t.studio.call('media.peaks', { hash: r.media.hash, buckets: 500 });
    expect(peaks.peaks).toHaveLength(2);
    expect(peaks.peaks[0]!.length).toBeLessThanOrEqual(500);
    // Whole 256-frame pairs merged: enough buckets of that many frames to cover the file, and no more.
    expect(peaks.samplesPerBucket % 256).toBe(0);
    expect(Math.ceil(r.media.frames / peaks.samplesPerBucket)).toBe(peaks.peaks[0]!.length);
    expect(Math.max(...peaks.peaks[0]!)).toBeGreaterThan(0.05);
    const tl = await t.studio.call('timeline.get', {});
    expect(tl.clips.map((c) => c.id)).toEqual([clipId]);
  });

  it('adds a second clip from media already in the project, undoably', async () => {
    const [first] = (await t.studio.call('timeline.get', {})).clips;
    const track = await t.studio.call('tracks.add', { name: 'Alt' });
    const clip = await t.studio.call('clips.add', { mediaHash: first!.media.hash, trackId: track.id, start: 96000 });
    expect(clip).toMatchObject({ trackId: track.id, start: 96000, name: 'zero_shot_en_prompt', inPoint: 0, outPoint: first!.takeLength });
    const [take] = await t.studio.call('takes.list', { clipId: clip.id });
    expect(take!.metrics).toEqual((await t.studio.call('takes.list', { clipId }))[0]!.metrics);
    expect(await codeOf(t.studio.call('clips.add', { mediaHash: 'f'.repeat(64) }))).toBe('E_NOT_FOUND');
    await t.studio.call('history.undo', {});
    await t.studio.call('history.undo', {});
    const tl = await t.studio.call('timeline.get', {});
    expect(tl.clips.map((c) => c.id)).toEqual([clipId]);
    expect(tl.tracks).toHaveLength(1);
  });

  it.each([
    ['a text file named .wav', 'notes.wav', () => new TextEncoder().encode('hello, these are my notes\n'.repeat(20)), 'E_UNSUPPORTED_AUDIO'],
    ['a zero-length WAV', 'empty.wav', () => new Uint8Array(0), 'E_EMPTY_AUDIO'],
    ['a WAV header with no samples', 'nosamples.wav', () => wavBytes(new Float32Array(0), 48000), 'E_EMPTY_AUDIO'],
    ['a truncated WAV', 'cut.wav', () => wavBytes(sine(220, 1, 16000), 16000).subarray(0, 20000), 'E_CORRUPT_AUDIO'],
    ['a float WAV with NaN samples', 'nan.wav', () => wavBytes(new Float32Array([0.1, NaN, 0.2, 0.1]), 16000, 'float32'), 'E_INVALID_SAMPLES'],
  ])('refuses %s with its code and writes nothing', async (_what, name, bytes, code) => {
    const before = { files: mediaFiles(), counts: dbCounts() };
    const f = path.join(home, name);
    writeFileSync(f, bytes());
    expect(await codeOf(t.studio.call('media.import', { source: { kind: 'path', path: f } }))).toBe(code);
    expect(mediaFiles()).toEqual(before.files);
    expect(dbCounts()).toEqual(before.counts);
    expect(readdirSync(path.join(projectDir, 'media', '.tmp'))).toEqual([]);
  });

  it('refuses a missing file', async () => {
    expect(await codeOf(t.studio.call('media.import', { source: { kind: 'path', path: path.join(home, 'nope.wav') } }))).toBe('E_FILE_NOT_FOUND');
  });

  it('runs a speed edit: monotonic progress, a new active take whose length follows the tempo', async () => {
    const progress: number[] = [];
    const off = t.studio.events.on('job.progress', (p) => progress.push(p.progress));
    const job = await runJob({ clipId, engine: 'prosody', task: 'speed', option: 'faster', seed: 1 });
    off();
    expect(job.status).toBe('done');
    expect(progress.length).toBeGreaterThan(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
    expect(progress[progress.length - 1]).toBe(1);
    const takes = await t.studio.call('takes.list', { clipId });
    expect(takes).toHaveLength(2);
    const [src, edit] = takes;
    expect(edit).toMatchObject({ kind: 'edit', parentId: src!.id, engine: 'prosody', task: 'speed', option: 'faster', iteration: 1, seed: 1 });
    expect(edit!.media.durationSec / src!.media.durationSec).toBeCloseTo(0.8, 1);
    const clip = (await t.studio.call('timeline.get', {})).clips[0]!;
    expect(clip.activeTakeId).toBe(edit!.id);
    expect(clip.outPoint - clip.inPoint).toBe(clip.takeLength);
  });

  it('undo removes the edit take and restores the source; redo brings it back', async () => {
    expect((await t.studio.call('history.state', {})).undoLabel).toBe('speed: faster');
    await t.studio.call('history.undo', {});
    expect(await t.studio.call('takes.list', { clipId })).toHaveLength(1);
    const clip = (await t.studio.call('timeline.get', {})).clips[0]!;
    expect(clip.activeTakeId).toBe((await t.studio.call('takes.list', { clipId }))[0]!.id);
    await t.studio.call('history.redo', {});
    expect(await t.studio.call('takes.list', { clipId })).toHaveLength(2);
  });

  it('chains iterations, each a take of its own with its own seed', async () => {
    const job = await runJob({ clipId, engine: 'prosody', task: 'speed', option: 'slower', iterations: 2, seed: 10 });
    expect(job.status).toBe('done');
    expect(job.resultTakeIds).toHaveLength(2);
    const takes = await t.studio.call('takes.list', { clipId });
    const a = takes.find((x) => x.id === job.resultTakeIds[0])!;
    const b = takes.find((x) => x.id === job.resultTakeIds[1])!;
    expect(b.parentId).toBe(a.id);
    expect([a.iteration, b.iteration, a.seed, b.seed]).toEqual([1, 2, 10, 11]);
    expect(b.media.durationSec / a.media.durationSec).toBeCloseTo(1.25, 1);
  });

  it('refuses unknown tasks and options before queuing anything', async () => {
    const before = (await t.studio.call('jobs.list', {})).length;
    expect(await codeOf(t.studio.call('jobs.submit', { clipId, engine: 'prosody', task: 'speed', option: 'warp' }))).toBe('E_UNKNOWN_OPTION');
    expect(await codeOf(t.studio.call('jobs.submit', { clipId, engine: 'prosody', task: 'teleport' }))).toBe('E_UNKNOWN_TASK');
    expect(await codeOf(t.studio.call('jobs.submit', { clipId, engine: 'nope', task: 'speed' }))).toBe('E_UNKNOWN_ENGINE');
    expect(await codeOf(t.studio.call('jobs.submit', { clipId: 999, engine: 'prosody', task: 'speed', option: 'faster' }))).toBe('E_NOT_FOUND');
    expect((await t.studio.call('jobs.list', {})).length).toBe(before);
  });

  it('cancels a cooperative job between steps', async () => {
    const takesBefore = (await t.studio.call('takes.list', { clipId })).length;
    const job = await t.studio.call('jobs.submit', { clipId, engine: 'test', task: 'steps', option: '200' });
    await t.next('job.progress', (p) => p.jobId === job.id && p.progress > 0.05);
    await t.studio.call('jobs.cancel', { jobId: job.id });
    const done = await t.next('job.finished', (p) => p.job.id === job.id);
    expect(done.job.status).toBe('cancelled');
    expect(t.restarts).toEqual([]);
    expect(await t.studio.call('takes.list', { clipId })).toHaveLength(takesBefore);
  });

  it('kills and respawns a host whose job ignores cancel', async () => {
    const pid = t.host.pid;
    const job = await t.studio.call('jobs.submit', { clipId, engine: 'test', task: 'hang', option: '30000' });
    // The engine reports 'blocking' and then blocks its process until killed.
    await t.next('job.progress', (p) => p.jobId === job.id && p.stage === 'blocking');
    const t0 = Date.now();
    await t.studio.call('jobs.cancel', { jobId: job.id });
    const done = await t.next('job.finished', (p) => p.job.id === job.id);
    expect(done.job.status).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(t.restarts).toEqual(['a cancelled job did not stop in time']);
    await t.host.start();
    expect(t.host.pid).not.toBe(pid);
    expect((await runJob({ clipId, engine: 'test', task: 'gain', option: 'half' })).status).toBe('done');
  });

  it('fails a job whose host crashes, respawns the host, and keeps the project intact', async () => {
    t.restarts.length = 0;
    const filesBefore = mediaFiles();
    const countsBefore = dbCounts();
    const job = await runJob({ clipId, engine: 'test', task: 'crash' });
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('E_ENGINE_CRASHED');
    expect(job.error?.message).toMatch(/stopped unexpectedly .* restarted; your project is intact/);
    expect(t.restarts).toHaveLength(1);
    expect(mediaFiles()).toEqual(filesBefore);
    expect(dbCounts()).toEqual(countsBefore);
    const db = new Database(path.join(projectDir, 'project.sqlite'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    expect((await runJob({ clipId, engine: 'prosody', task: 'speed', option: 'faster' })).status).toBe('done');
  });

  it('fails a job whose host is killed from outside mid-job', async () => {
    const job = await t.studio.call('jobs.submit', { clipId, engine: 'test', task: 'steps', option: '200' });
    await t.next('job.progress', (p) => p.jobId === job.id);
    process.kill(t.host.pid!, 'SIGKILL');
    const done = await t.next('job.finished', (p) => p.job.id === job.id);
    expect(done.job).toMatchObject({ status: 'failed', error: { code: 'E_ENGINE_CRASHED' } });
    expect(done.job.error!.message).toMatch(/SIGKILL/);
    expect((await runJob({ clipId, engine: 'test', task: 'gain', option: 'half' })).status).toBe('done');
  });

  it('reports engine errors as failed jobs with their code', async () => {
    const job = await runJob({ clipId, engine: 'test', task: 'fail' });
    expect(job).toMatchObject({ status: 'failed', error: { code: 'E_ENGINE_FAILED' } });
  });

  it('moves, trims, splits and deletes clips, each undoable', async () => {
    const clip0 = (await t.studio.call('timeline.get', {})).clips[0]!;
    await t.studio.call('clips.move', { clipId, start: 48000 });
    await t.studio.call('clips.trim', { clipId, inPoint: 4800, outPoint: clip0.takeLength - 4800 });
    const { left, right } = await t.studio.call('clips.split', { clipId, at: 48000 + 24000 });
    expect(left.outPoint).toBe(4800 + 24000);
    expect(right).toMatchObject({ start: 72000, inPoint: 28800, outPoint: clip0.takeLength - 4800 });
    expect((await t.studio.call('takes.list', { clipId: right.id })).length).toBe((await t.studio.call('takes.list', { clipId })).length);
    await t.studio.call('clips.delete', { clipId: right.id });
    expect((await t.studio.call('timeline.get', {})).clips).toHaveLength(1);
    for (let i = 0; i < 4; i++) await t.studio.call('history.undo', {});
    const back = (await t.studio.call('timeline.get', {})).clips;
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ start: clip0.start, inPoint: clip0.inPoint, outPoint: clip0.outPoint });
    expect(await codeOf(t.studio.call('clips.trim', { clipId, inPoint: 10, outPoint: 5 }))).toBe('E_VALIDATION');
    expect(await codeOf(t.studio.call('clips.split', { clipId, at: 0 }))).toBe('E_VALIDATION');
  });

  it('exports the active take of a clip within its in/out points', async () => {
    const clip = (await t.studio.call('timeline.get', {})).clips[0]!;
    await t.studio.call('clips.trim', { clipId, inPoint: 0, outPoint: 24000 });
    const r = await t.studio.call('export.clip', { clipId, format: 'pcm16' });
    expect(r.path.startsWith(path.join(projectDir, 'exports'))).toBe(true);
    const audio = await decodeFile(r.path);
    expect(audio.channels[0]!.length).toBe(Math.round((24000 * clip.media.sampleRate) / 48000));
    expect(r.url).toBe(`/exports/${path.basename(r.path)}`);
    expect(readFileSync(r.path).subarray(0, 4).toString()).toBe('RIFF');
  });

  it('says clearly when a media file has gone missing', async () => {
    const clip = (await t.studio.call('timeline.get', {})).clips[0]!;
    const file = path.join(projectDir, 'media', clip.media.hash.slice(0, 2), `${clip.media.hash}.wav`);
    chmodSync(path.dirname(file), 0o755);
    rmSync(file, { force: true });
    expect(existsSync(file)).toBe(false);
    expect(await codeOf(t.studio.call('jobs.submit', { clipId, engine: 'prosody', task: 'speed', option: 'faster' }))).toBe('E_MEDIA_MISSING');
    expect(await codeOf(t.studio.call('export.clip', { clipId, format: 'pcm16' }))).toBe('E_MEDIA_MISSING');
    // The app keeps working: other calls still answer.
    expect((await t.studio.call('timeline.get', {})).clips).toHaveLength(1);
  });

  it('marks jobs interrupted by a crash of the whole app as failed on reopen', async () => {
    await t.studio.call('project.close', {});
    const db = new Database(path.join(projectDir, 'project.sqlite'));
    db.prepare("UPDATE jobs SET status = 'running' WHERE id = (SELECT max(id) FROM jobs)").run();
    db.close();
    await t.studio.call('project.open', { dir: projectDir });
    const [last] = await t.studio.call('jobs.list', {});
    expect(last).toMatchObject({ status: 'failed', error: { code: 'E_ENGINE_CRASHED' } });
    expect(last!.error!.message).toMatch(/Interrupted/);
  });

  it('refuses to open a folder that is not a project', async () => {
    const foreign = path.join(home, 'foreign');
    writeFileSync(path.join(home, 'x.txt'), 'x');
    expect(await codeOf(t.studio.call('project.open', { dir: home }))).toBe('E_NOT_A_PROJECT');
    expect(await codeOf(t.studio.call('project.open', { dir: foreign }))).toBe('E_FILE_NOT_FOUND');
    // The project that was open stays open.
    expect((await t.studio.call('project.current', {}))?.dir).toBe(projectDir);
  });
});
