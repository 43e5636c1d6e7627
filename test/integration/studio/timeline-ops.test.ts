// The timeline operations an editor uses every minute, each one undoable as ONE history entry: several files
// imported together (laid end to end, never stacked; a failing file reported while the others import), cancelling an
// import, left-edge trims that keep the audio in place, multi-clip moves/deletes, paste/duplicate with their own take
// history, track delete/reorder/mix; plus the recent list and the web shell's folder browser limits.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clip } from '../../../src-main/contract';
import { codeOf } from '../../helpers/errors';
import { makeStudio, type TestStudio } from '../../helpers/studio';
import { tempDir } from '../../helpers/tmp';
import { sine, wavBytes } from '../../helpers/wav';

const home = tempDir('retake-timeline-');
const userHome = path.join(home, 'user');
const projectDir = path.join(home, 'project');
let t: TestStudio;

function wav(name: string, seconds: number, rate = 48000): string {
  const f = path.join(home, name);
  writeFileSync(f, wavBytes(sine(220, seconds, rate), rate));
  return f;
}

async function timeline() {
  return t.studio.call('timeline.get', {});
}

async function undoRedoRoundTrip(label: RegExp): Promise<void> {
  const before = await timeline();
  const state = await t.studio.call('history.state', {});
  expect(state.undoLabel).toMatch(label);
  await t.studio.call('history.undo', {});
  await t.studio.call('history.redo', {});
  expect(await timeline()).toEqual(before);
}

beforeAll(async () => {
  mkdirSync(path.join(userHome, 'Dialogue', 'Scene 1'), { recursive: true });
  mkdirSync(path.join(userHome, '.hidden'), { recursive: true });
  t = makeStudio(home, { userHome });
  await t.studio.call('project.create', { dir: projectDir, name: 'Timeline' });
});
afterAll(async () => {
  await t.close();
});

describe('timeline operations', () => {
  let clips: Clip[] = [];

  it('imports several files as one step, end to end from the given start, and reports a bad file without losing the others', async () => {
    const a = wav('a.wav', 1);
    const b = wav('b.wav', 0.5);
    const bad = path.join(home, 'bad.wav');
    writeFileSync(bad, 'not audio at all');
    const c = wav('c.wav', 0.25, 24000);
    const r = await t.studio.call('media.importMany', {
      items: [{ source: { kind: 'path', path: a } }, { source: { kind: 'path', path: bad } }, { source: { kind: 'path', path: b } }, { source: { kind: 'path', path: c } }],
      start: 4800,
    });
    expect(r.failed).toEqual([expect.objectContaining({ name: 'bad.wav' })]);
    clips = r.imported.map((i) => i.clip);
    expect(clips.map((x) => x.name)).toEqual(['a', 'b', 'c']);
    expect(clips.map((x) => x.start)).toEqual([4800, 4800 + 48000, 4800 + 48000 + 24000]);
    expect(new Set(clips.map((x) => x.trackId)).size).toBe(1);
    const state = await t.studio.call('history.state', {});
    expect(state.undoLabel).toBe('Import 3 files');
    await t.studio.call('history.undo', {});
    expect((await timeline()).clips).toEqual([]);
    await t.studio.call('history.redo', {});
    expect((await timeline()).clips.map((x) => x.id)).toEqual(clips.map((x) => x.id));
  });

  it('reports progress of an import with an id, and a cancelled import leaves nothing behind', async () => {
    const importId = 'cancel-me-1';
    const files = Array.from({ length: 6 }, (_, i) => wav(`many${i}.wav`, 2));
    const mediaBefore = readdirSync(path.join(projectDir, 'media')).length;
    const progress: number[] = [];
    const off = t.studio.events.on('import.progress', (p) => {
      if (p.importId !== importId) return;
      progress.push(p.fraction);
      if (p.index === 2) void t.studio.call('media.cancelImport', { importId }).catch(() => {});
    });
    const code = await codeOf(t.studio.call('media.importMany', { items: files.map((f) => ({ source: { kind: 'path' as const, path: f } })), importId }));
    off();
    expect(code).toBe('E_CANCELLED');
    expect(progress.length).toBeGreaterThan(1);
    expect([...progress].sort((x, y) => x - y)).toEqual(progress);
    expect((await timeline()).clips.length).toBe(3);
    // Files it had stored went again (only the shard folders of the earlier import and .tmp remain).
    const shards = readdirSync(path.join(projectDir, 'media')).filter((d) => d !== '.tmp');
    const stored = shards.flatMap((d) => readdirSync(path.join(projectDir, 'media', d)));
    expect(stored.filter((f) => f.endsWith('.wav')).length).toBe(3);
    expect(readdirSync(path.join(projectDir, 'media')).length).toBeGreaterThanOrEqual(mediaBefore - 1);
    expect(await codeOf(t.studio.call('media.cancelImport', { importId }))).toBe('E_NOT_FOUND');
  });

  it('trims the left edge and moves the clip in one step, keeping the audio in place', async () => {
    const c = clips[0]!;
    const r = await t.studio.call('clips.trim', { clipId: c.id, inPoint: 1200, outPoint: c.outPoint, start: c.start + 1200 });
    expect(r).toMatchObject({ start: c.start + 1200, inPoint: 1200, outPoint: c.outPoint });
    await undoRedoRoundTrip(/^Trim a$/);
  });

  it('moves and deletes several clips as one step each', async () => {
    const tracks = (await timeline()).tracks;
    const second = await t.studio.call('tracks.add', { name: 'Second' });
    const moved = await t.studio.call('clips.moveMany', {
      moves: [
        { clipId: clips[1]!.id, start: 96000, trackId: second.id },
        { clipId: clips[2]!.id, start: 200000 },
      ],
    });
    expect(moved.map((m) => [m.trackId, m.start])).toEqual([
      [second.id, 96000],
      [tracks[0]!.id, 200000],
    ]);
    await undoRedoRoundTrip(/^Move 2 clips$/);
    expect(await codeOf(t.studio.call('clips.moveMany', { moves: [{ clipId: clips[1]!.id, start: 0 }, { clipId: clips[1]!.id, start: 5 }] }))).toBe('E_VALIDATION');
    await t.studio.call('clips.deleteMany', { clipIds: [clips[1]!.id, clips[2]!.id] });
    expect((await timeline()).clips.map((c) => c.id)).toEqual([clips[0]!.id]);
    await undoRedoRoundTrip(/^Delete 2 clips$/);
    await t.studio.call('history.undo', {});
    expect((await timeline()).clips.length).toBe(3);
  });

  it('pastes copies that keep their offsets and carry their own take history', async () => {
    const tl = await timeline();
    const [a, b] = [tl.clips.find((c) => c.id === clips[0]!.id)!, tl.clips.find((c) => c.id === clips[1]!.id)!];
    const copies = await t.studio.call('clips.copy', { clipIds: [b.id, a.id], start: 1_000_000 });
    expect(copies).toHaveLength(2);
    const first = Math.min(a.start, b.start);
    const byName = new Map(copies.map((c) => [c.name, c]));
    expect(byName.get('a')!.start).toBe(1_000_000 + (a.start - first));
    expect(byName.get('b')!.start).toBe(1_000_000 + (b.start - first));
    expect(byName.get('a')).toMatchObject({ inPoint: a.inPoint, outPoint: a.outPoint, trackId: a.trackId });
    expect(byName.get('a')!.activeTakeId).not.toBe(a.activeTakeId);
    const takes = await t.studio.call('takes.list', { clipId: byName.get('a')!.id });
    expect(takes.map((x) => x.kind)).toEqual(['source']);
    await undoRedoRoundTrip(/^Paste 2 clips$/);
    // Onto another track: the topmost source track maps onto it.
    const tracks = (await timeline()).tracks;
    const onSecond = await t.studio.call('clips.copy', { clipIds: [a.id], start: 0, trackId: tracks[1]!.id });
    expect(onSecond[0]!.trackId).toBe(tracks[1]!.id);
  });

  it('reorders, mixes and deletes tracks, each undoable', async () => {
    const [first, second] = (await timeline()).tracks;
    const order = await t.studio.call('tracks.reorder', { trackId: second!.id, index: 0 });
    expect(order.map((x) => x.id)).toEqual([second!.id, first!.id]);
    await undoRedoRoundTrip(/^Move Second$/);

    const muted = await t.studio.call('tracks.setMix', { trackId: first!.id, muted: true });
    expect(muted).toMatchObject({ muted: true, solo: false });
    await undoRedoRoundTrip(/^Mute /);
    const solo = await t.studio.call('tracks.setMix', { trackId: second!.id, solo: true, gainDb: -6 });
    expect(solo).toMatchObject({ solo: true, gainDb: -6 });
    expect(await codeOf(t.studio.call('tracks.setMix', { trackId: second!.id, gainDb: 40 }))).toBe('E_VALIDATION');

    const onFirst = (await timeline()).clips.filter((c) => c.trackId === first!.id).length;
    expect(onFirst).toBeGreaterThan(0);
    await t.studio.call('tracks.delete', { trackId: first!.id });
    const after = await timeline();
    expect(after.tracks.map((x) => x.id)).toEqual([second!.id]);
    expect(after.clips.some((c) => c.trackId === first!.id)).toBe(false);
    await t.studio.call('history.undo', {});
    expect((await timeline()).clips.filter((c) => c.trackId === first!.id).length).toBe(onFirst);
  });
});

describe('projects and folders', () => {
  it('forgets a recent project without touching its folder', async () => {
    expect((await t.studio.call('project.listRecent', {})).map((r) => r.dir)).toContain(projectDir);
    const left = await t.studio.call('project.removeRecent', { dir: projectDir });
    expect(left.map((r) => r.dir)).not.toContain(projectDir);
    expect(readdirSync(projectDir)).toContain('project.sqlite');
  });

  it('browses the home folder and the projects folder only, hidden folders left out', async () => {
    const top = await t.studio.call('files.browse', {});
    expect(top.parent).toBeNull();
    expect(top.entries.map((e) => e.name)).toEqual(['Dialogue']);
    expect(top.roots.map((r) => r.label)).toEqual(['Home', 'Projects']);
    const inner = await t.studio.call('files.browse', { dir: 'Dialogue' });
    expect(inner.dir).toBe(path.join(top.dir, 'Dialogue'));
    expect(inner.parent).toBe(top.dir);
    expect(inner.entries.map((e) => e.name)).toEqual(['Scene 1']);
    expect(await codeOf(t.studio.call('files.browse', { dir: '/' }))).toBe('E_FORBIDDEN');
    expect(await codeOf(t.studio.call('files.browse', { dir: '../..' }))).toBe('E_FORBIDDEN');
    expect(await codeOf(t.studio.call('files.browse', { dir: 'Nowhere' }))).toBe('E_FILE_NOT_FOUND');
  });

  it('creates a project from a relative path inside the user home, never the working folder', async () => {
    const info = await t.studio.call('project.create', { dir: 'Dialogue/Scene 2' });
    expect(info.dir).toBe(path.join(userHome, 'Dialogue', 'Scene 2'));
    const listing = await t.studio.call('files.browse', { dir: '~/Dialogue' });
    expect(listing.entries.find((e) => e.name === 'Scene 2')?.isProject).toBe(true);
  });
});
