import { createHash } from 'node:crypto';
import { existsSync, promises as fsp, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MediaStore } from '../../../src-main/store/media-store';
import { tempDir } from '../../helpers/tmp';

const root = tempDir();
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function visibleMedia(store: MediaStore): string[] {
  const out: string[] = [];
  for (const d of readdirSync(store.root)) {
    if (d === '.tmp') continue;
    for (const f of readdirSync(path.join(store.root, d))) out.push(f);
  }
  return out.sort();
}

describe('media store', () => {
  it('stores content under its sha256, read-only, and deduplicates', async () => {
    const store = new MediaStore(path.join(root, 'a'));
    await store.init();
    const bytes = new TextEncoder().encode('RIFF pretend audio');
    const r1 = await store.putBytes(bytes, 'wav');
    expect(r1.hash).toBe(sha(bytes));
    expect(r1.created).toBe(true);
    expect(r1.path).toBe(path.join(store.root, r1.hash.slice(0, 2), `${r1.hash}.wav`));
    expect(statSync(r1.path).mode & 0o222).toBe(0);
    const r2 = await store.putBytes(bytes, 'wav');
    expect(r2.created).toBe(false);
    expect(visibleMedia(store)).toEqual([`${r1.hash}.wav`]);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  it('imports a file by copy, leaving the source untouched', async () => {
    const store = new MediaStore(path.join(root, 'b'));
    await store.init();
    const src = path.join(root, 'source.bin');
    const data = new Uint8Array(300_000).map((_, i) => (i * 7) & 255);
    writeFileSync(src, data);
    const before = statSync(src);
    const r = await store.importFile(src, 'flac');
    expect(r.hash).toBe(sha(data));
    expect(Buffer.compare(await fsp.readFile(r.path), Buffer.from(data))).toBe(0);
    const after = statSync(src);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.mode).toBe(before.mode);
    await expect(store.importFile(path.join(root, 'missing.wav'), 'wav')).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
  });

  it('never shows a half-written file: temp files are invisible and removed on the next open', async () => {
    const dir = path.join(root, 'c');
    const store = new MediaStore(dir);
    await store.init();
    // A writer that dies after writing half its data leaves only a temp file behind.
    const tmp = store.tempPath('wav');
    writeFileSync(tmp, 'half of a file');
    const hash = sha(new TextEncoder().encode('half of a file'));
    expect(await store.has(hash, 'wav')).toBe(false);
    expect(visibleMedia(store)).toEqual([]);
    const reopened = new MediaStore(dir);
    await reopened.init();
    expect(existsSync(tmp)).toBe(false);
  });

  it('adopts only its own temp files', async () => {
    const store = new MediaStore(path.join(root, 'd'));
    await store.init();
    const outside = path.join(root, 'outside.wav');
    writeFileSync(outside, 'x');
    await expect(store.adoptTemp(outside, 'wav')).rejects.toMatchObject({ code: 'E_INTERNAL' });
    const tmp = store.tempPath('wav');
    writeFileSync(tmp, 'engine output');
    const r = await store.adoptTemp(tmp, 'wav');
    expect(existsSync(tmp)).toBe(false);
    expect(r.hash).toBe(sha(new TextEncoder().encode('engine output')));
  });

  it('rejects hashes and extensions that could escape the store', () => {
    const store = new MediaStore(path.join(root, 'e'));
    expect(() => store.pathFor('../../etc/passwd', 'wav')).toThrow(/Not a media hash/);
    expect(() => store.pathFor('a'.repeat(64), '../x')).toThrow(/extension/);
  });

  it('stores concurrent writes of the same content once', async () => {
    const store = new MediaStore(path.join(root, 'f'));
    await store.init();
    const bytes = new TextEncoder().encode('same content');
    const rs = await Promise.all(Array.from({ length: 8 }, () => store.putBytes(bytes, 'wav')));
    expect(new Set(rs.map((r) => r.hash)).size).toBe(1);
    expect(visibleMedia(store)).toHaveLength(1);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });
});
