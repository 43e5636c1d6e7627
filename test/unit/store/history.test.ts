import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProjectStore } from '../../../src-main/store/project-store';
import { tempDir } from '../../helpers/tmp';

const root = tempDir();

function clipStart(p: ProjectStore, id: number): number {
  return (p.db.prepare('SELECT start FROM clips WHERE id = ?').get(id) as { start: number }).start;
}
/** 1 when the row is hidden: tracks and clips by their deleted flag, takes by their state (migration 3). */
function deleted(p: ProjectStore, table: string, id: number): number {
  const hidden = table === 'takes' ? "state = 'deleted'" : 'deleted = 1';
  return (p.db.prepare(`SELECT (${hidden}) AS deleted FROM ${table} WHERE id = ?`).get(id) as { deleted: number }).deleted;
}

async function seed(dir: string) {
  const p = await ProjectStore.create(dir);
  const db = p.db;
  db.prepare("INSERT INTO tracks (name, ord, created_at) VALUES ('T', 0, 'now')").run();
  db.prepare(
    "INSERT INTO media (hash, ext, format, sample_rate, channels, frames, bytes, created_at) VALUES (?, 'wav', 'wav', 48000, 1, 48000, 10, 'now')",
  ).run('a'.repeat(64));
  const clip = p.history.record('Import', (rec) => {
    const id = Number(db.prepare("INSERT INTO clips (track_id, name, start, in_point, out_point, active_take_id, created_at) VALUES (1, 'c', 0, 0, 48000, 0, 'now')").run().lastInsertRowid);
    rec.created('clips', id);
    const t = Number(db.prepare("INSERT INTO takes (clip_id, media_hash, kind, name, created_at) VALUES (?, ?, 'source', 'Source', 'now')").run(id, 'a'.repeat(64)).lastInsertRowid);
    rec.created('takes', t);
    db.prepare('UPDATE clips SET active_take_id = ? WHERE id = ?').run(t, id);
    return id;
  });
  return { p, clip };
}

describe('undo/redo log', () => {
  it('undoes and redoes in order and drops the redo branch on a new operation', async () => {
    const { p, clip } = await seed(path.join(root, 'p1'));
    const move = (to: number) =>
      p.history.record(`Move to ${to}`, (rec) => {
        rec.touch('clips', clip);
        p.db.prepare('UPDATE clips SET start = ? WHERE id = ?').run(to, clip);
      });
    move(100);
    move(200);
    expect(p.history.state()).toMatchObject({ canUndo: true, canRedo: false, undoLabel: 'Move to 200' });
    p.history.undo();
    expect(clipStart(p, clip)).toBe(100);
    p.history.undo();
    expect(clipStart(p, clip)).toBe(0);
    expect(p.history.state()).toMatchObject({ undoLabel: 'Import', redoLabel: 'Move to 100' });
    p.history.redo();
    expect(clipStart(p, clip)).toBe(100);
    move(300);
    expect(p.history.state()).toMatchObject({ canRedo: false, undoLabel: 'Move to 300' });
    p.history.undo();
    p.history.undo();
    p.history.undo();
    // Undoing the import hides the clip and its take (rows are kept, flagged).
    expect(deleted(p, 'clips', clip)).toBe(1);
    expect(deleted(p, 'takes', 1)).toBe(1);
    expect(p.history.undo()).toBeNull();
    p.history.redo();
    expect(deleted(p, 'clips', clip)).toBe(0);
    expect(deleted(p, 'takes', 1)).toBe(0);
    p.close();
  });

  it('keeps the redo branch for background entries, and redo stays last-undone-first', async () => {
    const { p, clip } = await seed(path.join(root, 'p5'));
    const move = (to: number, keepRedo = false) =>
      p.history.record(
        `Move to ${to}`,
        (rec) => {
          rec.touch('clips', clip);
          p.db.prepare('UPDATE clips SET start = ? WHERE id = ?').run(to, clip);
        },
        { keepRedo },
      );
    move(100);
    move(200);
    p.history.undo();
    p.history.undo();
    expect(p.history.state().redoLabel).toBe('Move to 100');
    // A job finishing now must not take the user's redo away.
    move(300, true);
    expect(p.history.state()).toMatchObject({ undoLabel: 'Move to 300', redoLabel: 'Move to 100' });
    p.history.undo();
    expect(clipStart(p, clip)).toBe(0);
    expect(p.history.state().redoLabel).toBe('Move to 300');
    p.history.redo();
    expect(clipStart(p, clip)).toBe(300);
    p.history.redo();
    expect(clipStart(p, clip)).toBe(100);
    expect(p.history.peek('redo')?.label).toBe('Move to 200');
    p.close();
  });

  it('records nothing for an operation that changes nothing, and rolls back a throwing one', async () => {
    const { p, clip } = await seed(path.join(root, 'p2'));
    p.history.record('Nothing', (rec) => rec.touch('clips', clip));
    expect(p.history.state().undoLabel).toBe('Import');
    expect(() =>
      p.history.record('Half done', (rec) => {
        rec.touch('clips', clip);
        p.db.prepare('UPDATE clips SET start = 999 WHERE id = ?').run(clip);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(clipStart(p, clip)).toBe(0);
    expect(p.history.state().undoLabel).toBe('Import');
    p.close();
  });

  it('survives closing and reopening the project', async () => {
    const dir = path.join(root, 'p3');
    const { p, clip } = await seed(dir);
    p.history.record('Move', (rec) => {
      rec.touch('clips', clip);
      p.db.prepare('UPDATE clips SET start = 5 WHERE id = ?').run(clip);
    });
    p.history.undo();
    p.close();
    const again = await ProjectStore.open(dir);
    expect(again.history.state()).toMatchObject({ canUndo: true, canRedo: true, redoLabel: 'Move' });
    again.history.redo();
    expect(clipStart(again, clip)).toBe(5);
    again.close();
  });

  it('keeps take names and stars out of undo', async () => {
    const { p, clip } = await seed(path.join(root, 'p4'));
    p.db.prepare("UPDATE takes SET starred = 1, name = 'Keeper' WHERE id = 1").run();
    p.history.undo();
    p.history.redo();
    expect(p.db.prepare('SELECT starred, name FROM takes WHERE id = 1').get()).toEqual({ starred: 1, name: 'Keeper' });
    expect(deleted(p, 'clips', clip)).toBe(0);
    p.close();
  });
});

// ---- cases found by mutation testing (npm run mutation -- history) ------------------------------------------------

describe('undo/redo log details', () => {
  const trackName = (p: ProjectStore) => (p.db.prepare('SELECT name FROM tracks WHERE id = 1').get() as { name: string }).name;

  it('keeps the first snapshot when a row is touched twice, and records every row touched', async () => {
    const { p, clip } = await seed(path.join(root, 'd1'));
    p.history.record('Two steps', (rec) => {
      rec.touch('clips', clip);
      p.db.prepare('UPDATE clips SET start = 10 WHERE id = ?').run(clip);
      rec.touch('clips', clip); // already touched: its "before" stays start = 0
      p.db.prepare('UPDATE clips SET start = 20 WHERE id = ?').run(clip);
      rec.touch('tracks', 1);
      p.db.prepare("UPDATE tracks SET name = 'Renamed' WHERE id = 1").run();
    });
    const entry = p.history.peek('undo')!;
    expect(entry).toMatchObject({ label: 'Two steps', undone: false });
    expect(entry.changes.map((c) => `${c.table}:${c.id}`).sort()).toEqual([`clips:${clip}`, 'tracks:1']);
    expect(entry.changes.find((c) => c.table === 'clips')).toMatchObject({ before: { start: 0 }, after: { start: 20 } });
    const undone = p.history.undo()!;
    expect(undone).toMatchObject({ id: entry.id, label: 'Two steps', undone: true });
    expect(undone.changes).toHaveLength(2);
    expect(clipStart(p, clip)).toBe(0);
    expect(trackName(p)).toBe('T');
    expect(p.history.peek('redo')).toMatchObject({ id: entry.id, undone: true });
    const redone = p.history.redo()!;
    expect(redone).toMatchObject({ id: entry.id, label: 'Two steps', undone: false });
    expect(clipStart(p, clip)).toBe(20);
    expect(trackName(p)).toBe('Renamed');
    expect(p.history.redo()).toBeNull();
    p.close();
  });

  it('a row first touched and then reported as created keeps its snapshot (undo does not hide it)', async () => {
    const { p, clip } = await seed(path.join(root, 'd2'));
    p.history.record('Touch then create', (rec) => {
      rec.touch('clips', clip);
      p.db.prepare('UPDATE clips SET start = 7 WHERE id = ?').run(clip);
      rec.created('clips', clip);
    });
    p.history.undo();
    expect(clipStart(p, clip)).toBe(0);
    expect(deleted(p, 'clips', clip)).toBe(0);
    p.close();
  });

  it('refuses an operation that deletes a row it touched, and leaves nothing changed', async () => {
    const { p } = await seed(path.join(root, 'd3'));
    p.db.prepare("INSERT INTO tracks (name, ord, created_at) VALUES ('Empty', 1, 'now')").run();
    expect(() =>
      p.history.record('Vanish', (rec) => {
        rec.touch('tracks', 2);
        p.db.prepare("UPDATE tracks SET name = 'gone' WHERE id = 2").run();
        p.db.prepare('DELETE FROM tracks WHERE id = 2').run();
      }),
    ).toThrow(/History: tracks row 2 vanished/);
    expect(p.db.prepare('SELECT name FROM tracks WHERE id = 2').get()).toEqual({ name: 'Empty' });
    expect(p.history.state().undoLabel).toBe('Import');
    p.close();
  });

  it('applies only the columns a stored snapshot holds (entries written by older versions), and none at all', async () => {
    const { p, clip } = await seed(path.join(root, 'd4'));
    const insert = (label: string, changes: unknown) =>
      p.db.prepare("INSERT INTO history (label, changes, undone, created_at) VALUES (?, ?, 0, 'now')").run(label, JSON.stringify(changes));
    insert('Old move', [{ table: 'clips', id: clip, before: { start: 3 }, after: { start: 4 } }]);
    p.db.prepare('UPDATE clips SET start = 4 WHERE id = ?').run(clip);
    p.history.undo();
    expect(clipStart(p, clip)).toBe(3);
    expect(deleted(p, 'clips', clip)).toBe(0);
    insert('Nothing known', [{ table: 'clips', id: clip, before: { colour: 'red' }, after: { colour: 'blue' } }]);
    expect(p.history.undo()).toMatchObject({ label: 'Nothing known' });
    expect(clipStart(p, clip)).toBe(3);
    p.close();
  });

  it('reports an empty log without failing', async () => {
    const p = await ProjectStore.create(path.join(root, 'd5'));
    expect(p.history.state()).toEqual({ canUndo: false, canRedo: false, undoLabel: null, redoLabel: null });
    expect(p.history.peek('undo')).toBeNull();
    expect(p.history.peek('redo')).toBeNull();
    expect(p.history.undo()).toBeNull();
    expect(p.history.redo()).toBeNull();
    p.close();
  });
});
