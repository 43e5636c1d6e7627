// Region edits, length modes and exports through a real studio and engine hosts: a region edit with two iterations
// under fit (two chained takes of the whole clip, the changed span recorded, the clip's length unchanged, the audio
// outside the span untouched), a paralinguistic edit of a region under ripple (the next clip moves by the measured
// change, undone in one step), free leaving an overlap listed, and the project mix exported at −16 LUFS (rate,
// duration, loudness, true peak, bext/iXML, sidecar) and as FLAC stems.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EditJob, ExportJob, Job, Take } from '../../../src-main/contract';
import { integratedLoudness, truePeak } from '../../../src-main/audio/analysis';
import { decodeFile } from '../../../src-main/audio/decode';
import { ixmlElement, parseBext, readRiffChunks } from '../../../src-main/audio/render/bwf';
import { codeOf } from '../../helpers/errors';
import { tempDir } from '../../helpers/tmp';
import { corpusFile, makeStudio, type TestStudio } from '../../helpers/studio';

const home = tempDir('retake-region-');
let t: TestStudio;
const SR = 48000;

async function finished<J extends Job>(job: J): Promise<J> {
  const done = await t.next('job.finished', (p) => p.job.id === job.id);
  return done.job as J;
}

async function takeOf(clipId: number, id: number): Promise<Take> {
  return (await t.studio.call('takes.list', { clipId })).find((x) => x.id === id)!;
}

beforeAll(async () => {
  t = makeStudio(home, { analyze: true });
  await t.studio.call('project.create', { dir: `${home}/project`, name: 'Scene 12' });
});
afterAll(async () => {
  await t.close();
});

describe('region edits', () => {
  let clipId = 0;

  it('edits a region with two iterations under fit: two chained takes of the whole clip, the span recorded, the length kept', async () => {
    const imp = await t.studio.call('media.import', { source: { kind: 'path', path: corpusFile('en_happy_prompt.wav') } });
    clipId = imp.clip.id;
    const text = 'You know, I just finished that big project and feel so relieved. Everything seems easier and more colorful, what a wonderful feeling!';
    await t.studio.call('clips.setTranscript', { clipId, text });
    const len = imp.clip.takeLength;
    const range = { start: Math.round(2.6 * SR), end: Math.round(4.2 * SR) };
    const plan = await t.studio.call('edits.plan', { clipId, engine: 'prosody', task: 'emotion', range });
    expect(plan).toMatchObject({ requested: range, lengthMode: 'fit', pausesKnown: true, textSource: 'transcript-speech-time' });
    expect(plan.span.start).toBeLessThanOrEqual(range.start);
    expect(plan.span.end).toBeGreaterThanOrEqual(range.end);
    expect(plan.windows).toHaveLength(1);
    expect(plan.text!.length).toBeGreaterThan(5);
    expect(text).toContain(plan.text!.split(' ')[1]!);

    const job = await t.studio.call('jobs.submit', { clipId, engine: 'prosody', task: 'emotion', option: 'happy', intensity: 0.7, iterations: 2, seed: 5, range });
    expect(job).toMatchObject({ kind: 'edit', range, lengthMode: 'fit' });
    const done = await finished(job);
    expect(done.status).toBe('done');
    const [a, b] = await Promise.all(done.resultTakeIds.map((id) => takeOf(clipId, id)));
    expect(a!.parentId).toBe(imp.take.id);
    expect(b!.parentId).toBe(a!.id);
    expect([a!.name, b!.name]).toEqual(['happy ×0.7 #1 (built-in)', 'happy ×0.7 #2 (built-in)']);
    for (const take of [a!, b!]) {
      const ch = take.change!;
      expect(ch.lengthMode).toBe('fit');
      expect(ch.lengthChange).toBe(0);
      expect(ch.fitRatio).not.toBeNull();
      expect(Math.abs(ch.fitRatio! - 1)).toBeLessThanOrEqual(0.25);
      expect(ch.spans).toHaveLength(1);
      const s = ch.spans[0]!;
      expect(s.start).toBeLessThanOrEqual(range.start);
      expect(s.end).toBeGreaterThanOrEqual(range.end);
      expect(s.end - s.start).toBe(s.parentEnd - s.parentStart);
      expect(s.end).toBeLessThan(len);
      expect(take.media.frames).toBe(imp.media.frames);
      // The region measured before and after, and loudness for fair comparisons.
      expect(typeof ch.before?.loudnessLufs).toBe('number');
      expect(typeof ch.after?.loudnessLufs).toBe('number');
      expect(typeof take.level.lufs).toBe('number');
      expect(take.level.vsSourceLu).toBeCloseTo(take.level.lufs! - (imp.take.metrics!.loudnessLufs as number), 2);
      expect(take.deltasVsSource).not.toBeNull();
    }
    expect(a!.change!.requested).toEqual(range);
    // The second iteration edits the first one's span, where it now is.
    expect(b!.change!.requested).toEqual({ start: a!.change!.spans[0]!.start, end: a!.change!.spans[0]!.end });
    expect(b!.level.vsParentLu).toBeCloseTo(b!.level.lufs! - a!.level.lufs!, 2);

    const clip = (await t.studio.call('timeline.get', {})).clips.find((c) => c.id === clipId)!;
    expect(clip).toMatchObject({ activeTakeId: b!.id, takeLength: len, inPoint: 0, outPoint: len });
    // Outside the span (and its crossfades) the audio is the source's.
    const src = await decodeFile(corpusFile('en_happy_prompt.wav'));
    const media = (id: Take) => `${home}/project/media/${id.media.hash.slice(0, 2)}/${id.media.hash}.wav`;
    const out = await decodeFile(media(b!));
    const toSrc = (p: number) => Math.floor((p * src.sampleRate) / SR);
    const first = toSrc(a!.change!.spans[0]!.start) - 1;
    const last = toSrc(a!.change!.spans[0]!.end) + 2;
    let diffOutside = 0;
    let diffInside = 0;
    for (let i = 0; i < src.channels[0]!.length; i++) {
      const d = Math.abs(src.channels[0]![i]! - out.channels[0]![i]!);
      if (i < first || i > last) diffOutside = Math.max(diffOutside, d);
      else diffInside = Math.max(diffInside, d);
    }
    expect(diffOutside).toBeLessThan(1e-6);
    expect(diffInside).toBeGreaterThan(1e-3);
  });

  it('refuses fit for a speed edit, and moves the later clips by the measured change under ripple (undone in one step)', async () => {
    expect(
      await codeOf(t.studio.call('jobs.submit', { clipId, engine: 'prosody', task: 'speed', option: 'slower', range: { start: 0, end: SR }, lengthMode: 'fit' })),
    ).toBe('E_VALIDATION');
    // Two clips on one track: the Chinese paralinguistic line, then another clip right after it.
    const track = await t.studio.call('tracks.add', { name: 'Lines' });
    const a = await t.studio.call('media.import', { source: { kind: 'path', path: corpusFile('paralingustic_prompt.wav') }, trackId: track.id, start: 0 });
    const b = await t.studio.call('media.import', { source: { kind: 'path', path: corpusFile('speed_prompt.wav') }, trackId: track.id });
    expect(b.clip.start).toBe(a.clip.takeLength);
    await t.studio.call('clips.setTranscript', { clipId: a.clip.id, text: '我觉得这个计划大概是可行的，不过还需要再仔细考虑一下。' });
    const range = { start: Math.round(0.2 * SR), end: Math.round(2.0 * SR) };
    const plan = await t.studio.call('edits.plan', { clipId: a.clip.id, engine: 'prosody', task: 'paralinguistic', range });
    expect(plan.textSource).toBe('transcript-speech-time');
    const regionText = plan.text!;
    expect(regionText.length).toBeGreaterThan(2);
    const job = await t.studio.call('jobs.submit', {
      clipId: a.clip.id,
      engine: 'prosody',
      task: 'paralinguistic',
      newText: `${regionText}[Laughter]`,
      range,
      lengthMode: 'ripple',
      seed: 2,
    });
    const done = await finished(job);
    expect(done.status).toBe('done');
    const take = await takeOf(a.clip.id, done.resultTakeIds[0]!);
    expect(take.name).toBe('[Laughter] (built-in)');
    expect(take.change).toMatchObject({ lengthMode: 'ripple', textSource: 'transcript-speech-time', text: regionText, fitRatio: null });
    const change = take.change!.lengthChange;
    expect(change).toBeGreaterThan(0.3 * SR);
    const tl = await t.studio.call('timeline.get', {});
    const clipA = tl.clips.find((c) => c.id === a.clip.id)!;
    const clipB = tl.clips.find((c) => c.id === b.clip.id)!;
    expect(clipA.outPoint - clipA.inPoint).toBe(a.clip.takeLength + change);
    expect(clipB.start).toBe(b.clip.start + change);
    expect(tl.overlaps).toEqual([]);
    expect((await t.studio.call('history.state', {})).undoLabel).toBe('paralinguistic');
    await t.studio.call('history.undo', {});
    expect((await t.studio.call('timeline.get', {})).clips.find((c) => c.id === b.clip.id)!.start).toBe(b.clip.start);
    await t.studio.call('history.redo', {});
    expect((await t.studio.call('timeline.get', {})).clips.find((c) => c.id === b.clip.id)!.start).toBe(b.clip.start + change);
  });

  it('keeps positions under free and lists the overlap it makes', async () => {
    const tl0 = await t.studio.call('timeline.get', {});
    const lines = tl0.tracks.find((x) => x.name === 'Lines')!;
    const [first, second] = tl0.clips.filter((c) => c.trackId === lines.id).sort((x, y) => x.start - y.start);
    const job = (await t.studio.call('jobs.submit', { clipId: first!.id, engine: 'prosody', task: 'speed', option: 'more slower', seed: 1 })) as EditJob;
    expect(job.lengthMode).toBe('free');
    expect((await finished(job)).status).toBe('done');
    const tl = await t.studio.call('timeline.get', {});
    expect(tl.clips.find((c) => c.id === second!.id)!.start).toBe(second!.start);
    expect(tl.overlaps).toEqual([
      expect.objectContaining({ trackId: lines.id, clipIds: [first!.id, second!.id], start: second!.start }),
    ]);
    await t.studio.call('history.undo', {});
  });

  it('fills transcripts from a script: one undo step, problems reported by line', async () => {
    const tl = await t.studio.call('timeline.get', {});
    const lines = tl.tracks.find((x) => x.name === 'Lines')!;
    const [first, second] = tl.clips.filter((c) => c.trackId === lines.id).sort((x, y) => x.start - y.start);
    const secEnd = (second!.start + second!.outPoint - second!.inPoint) / SR;
    const srt = `1\r\n00:00:00,000 --> ${srtTime(second!.start / SR)}\r\nFirst line.\r\n\r\n2\r\n${srtTime(second!.start / SR)} --> ${srtTime(secEnd)}\r\nSecond line.\r\n\r\n3\r\nnot a time\r\n`;
    const r = await t.studio.call('transcripts.import', { content: srt, trackId: lines.id });
    expect(r.lines).toBe(2);
    expect(r.problems).toEqual([{ line: 9, reason: expect.any(String) }]);
    expect(r.clips.map((c) => [c.id, c.transcript])).toEqual([
      [first!.id, 'First line.'],
      [second!.id, 'Second line.'],
    ]);
    expect((await t.studio.call('history.state', {})).undoLabel).toBe('Script into 2 clips');
    await t.studio.call('history.undo', {});
    expect((await t.studio.call('timeline.get', {})).clips.find((c) => c.id === second!.id)!.transcript).toBeNull();
    await t.studio.call('history.redo', {});
  });
});

function srtTime(sec: number): string {
  const ms = Math.round(sec * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')},${String(ms % 1000).padStart(3, '0')}`;
}

describe('exports', () => {
  it('exports the project mix at −16 LUFS: project rate, the whole extent, on target under −1 dBTP, with bext, iXML and a sidecar', async () => {
    const tl = await t.studio.call('timeline.get', {});
    const extent = Math.max(...tl.clips.map((c) => c.start + c.outPoint - c.inPoint)) - Math.min(...tl.clips.map((c) => c.start));
    const job = await t.studio.call('export.start', { scope: { kind: 'mix' }, encoding: 'wav-pcm24', loudness: { preset: 'podcast' } });
    expect(job).toMatchObject({ kind: 'export', loudness: { preset: 'podcast', targetLufs: -16, ceilingDbtp: -1 }, files: [] });
    const progress: number[] = [];
    const off = t.studio.events.on('job.progress', (p) => {
      if (p.jobId === job.id) progress.push(p.progress);
    });
    const done = await finished(job as ExportJob);
    off();
    expect(done.status).toBe('done');
    expect(progress.length).toBeGreaterThan(1);
    expect(done.files).toHaveLength(1);
    const f = done.files[0]!;
    expect(f.name).toBe('Scene 12 mix.wav');
    expect(f.url).toBe('/exports/Scene%2012%20mix.wav');
    const audio = await decodeFile(f.path);
    expect(audio.sampleRate).toBe(SR);
    expect(audio.channels[0]!.length).toBe(extent);
    const lufs = integratedLoudness(audio)!;
    expect(Math.abs(lufs + 16)).toBeLessThanOrEqual(0.5);
    expect(20 * Math.log10(truePeak(audio))).toBeLessThanOrEqual(-1 + 1e-6);
    expect(f.integratedLufs).toBeCloseTo(lufs, 1);
    const bytes = new Uint8Array(readFileSync(f.path));
    const chunks = readRiffChunks(bytes);
    const bext = chunks.find((c) => c.id === 'bext')!;
    const b = parseBext(bytes.subarray(bext.offset, bext.offset + bext.size));
    expect(b.description).toMatch(/^Retake mix of Scene 12; takes: /);
    expect(b.originator).toBe('Retake');
    expect(b.loudnessValue).toBeCloseTo(lufs, 1);
    const ixml = chunks.find((c) => c.id === 'iXML')!;
    const doc = new TextDecoder().decode(bytes.subarray(ixml.offset, ixml.offset + ixml.size));
    expect(ixmlElement(doc, 'PROJECT')).toBe('Scene 12');
    const prov = JSON.parse(ixmlElement(doc, 'RETAKE_PROVENANCE')!) as { clips: unknown[] };
    expect(prov.clips).toHaveLength(tl.clips.length);
    // The sidecar: the measured loudness and every clip's take with its parent chain and transcript.
    expect(existsSync(f.sidecarPath)).toBe(true);
    const side = JSON.parse(readFileSync(f.sidecarPath, 'utf8')) as {
      loudness: { measured: { integratedLufs: number } };
      clips: Array<{ transcript: string | null; take: Record<string, unknown>; parentChain: Array<Record<string, unknown>> }>;
    };
    expect(side.loudness.measured.integratedLufs).toBeCloseTo(lufs, 3);
    const edited = side.clips.find((c) => c.take.task === 'emotion')!;
    expect(edited.take).toMatchObject({ engine: 'prosody', option: 'happy', intensity: 0.7, seed: 6, iteration: 2 });
    expect(edited.take.engineVersion).toEqual(expect.any(String));
    expect(edited.parentChain.map((p) => p.kind)).toEqual(['edit', 'source']);
    expect(edited.transcript).toMatch(/^You know/);
  });

  it('exports FLAC stems that libFLAC accepts, and refuses an impossible request before queuing', async () => {
    expect(await codeOf(t.studio.call('export.start', { scope: { kind: 'mix' }, loudness: { preset: 'custom' } }))).toBe('E_VALIDATION');
    expect(await codeOf(t.studio.call('export.start', { scope: { kind: 'mix' }, destination: 'ask' }))).toBe('E_VALIDATION');
    const job = await t.studio.call('export.start', { scope: { kind: 'tracks' }, encoding: 'flac-24', loudness: { preset: 'ebu-r128' } });
    const done = await finished(job as ExportJob);
    expect(done.status).toBe('done');
    const tl = await t.studio.call('timeline.get', {});
    expect(done.files.map((f) => f.name).sort()).toEqual(tl.tracks.map((x) => `Scene 12 - ${x.name}.flac`).sort());
    const lengths = new Set(done.files.map((f) => f.frames));
    expect(lengths.size).toBe(1);
    for (const f of done.files) {
      execFileSync('flac', ['-t', '-s', f.path]);
      const a = await decodeFile(f.path);
      expect(a.sampleRate).toBe(SR);
      expect(Math.abs(integratedLoudness(a)! + 23)).toBeLessThanOrEqual(0.5);
    }
  });
});
