// Importing long material through a real studio and audio host: the waveform arrives as `import.peaks` while the file
// is decoded (a sampled overview first, then exact pairs that match the stored peaks cache), progress is determinate
// and never goes back, and a cancel in the middle of decoding leaves nothing in the project or its media store.
import Database from 'better-sqlite3';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Events } from '../../../src-main/contract';
import { parsePeaks, peakCount } from '../../../src-main/audio/peaks';
import { codeOf } from '../../helpers/errors';
import { makeStudio, type TestStudio } from '../../helpers/studio';
import { tempDir } from '../../helpers/tmp';

const home = tempDir('retake-long-import-');
const projectDir = path.join(home, 'project');
let t: TestStudio;

/**
 * A stereo 16-bit WAV of `seconds` at 48 kHz whose loudness changes every few seconds (speech-like bursts of noise),
 * written directly so a few minutes take a moment. `seed` makes files of different content.
 */
function longWav(name: string, seconds: number, seed: number): string {
  const rate = 48000;
  const frames = seconds * rate;
  const bytes = Buffer.alloc(44 + frames * 4);
  bytes.write('RIFF', 0, 'latin1');
  bytes.writeUInt32LE(36 + frames * 4, 4);
  bytes.write('WAVEfmt ', 8, 'latin1');
  bytes.writeUInt32LE(16, 16);
  bytes.writeUInt16LE(1, 20);
  bytes.writeUInt16LE(2, 22);
  bytes.writeUInt32LE(rate, 24);
  bytes.writeUInt32LE(rate * 4, 28);
  bytes.writeUInt16LE(4, 32);
  bytes.writeUInt16LE(16, 34);
  bytes.write('data', 36, 'latin1');
  bytes.writeUInt32LE(frames * 4, 40);
  let s = seed >>> 0;
  let amp = 0;
  for (let i = 0; i < frames; i++) {
    if (i % 12000 === 0) amp = 3000 + ((Math.imul(i / 12000 + seed, 2654435761) >>> 0) % 26000);
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = Math.round(((s >>> 16) / 65536 - 0.5) * 2 * amp);
    bytes.writeInt16LE(v, 44 + 4 * i);
    bytes.writeInt16LE(-v >> 1, 46 + 4 * i);
  }
  const f = path.join(home, name);
  writeFileSync(f, bytes);
  return f;
}

function dbCounts() {
  const db = new Database(path.join(projectDir, 'project.sqlite'), { readonly: true });
  try {
    const n = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { media: n('media'), clips: n('clips'), takes: n('takes') };
  } finally {
    db.close();
  }
}

/** Every file of the media store, .tmp included, by relative path. */
function storeFiles(): string[] {
  const root = path.join(projectDir, 'media');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)))
    .sort();
}

beforeAll(async () => {
  t = makeStudio(home);
  await t.studio.call('project.create', { dir: projectDir, name: 'Long' });
});
afterAll(async () => {
  await t.close();
});

describe('importing long material', () => {
  it('streams the waveform while decoding, coarse then exact, matching the stored peaks cache; progress is determinate', async () => {
    const file = longWav('three-minutes.wav', 180, 1);
    const importId = 'long-import-1';
    const peaks: Array<Events['import.peaks'] & { resolved: boolean }> = [];
    const progress: Array<Events['import.progress']> = [];
    let resolved = false;
    const offPeaks = t.studio.events.on('import.peaks', (p) => {
      if (p.importId === importId) peaks.push({ ...p, resolved });
    });
    const offProgress = t.studio.events.on('import.progress', (p) => {
      if (p.importId === importId) progress.push(p);
    });
    const r = await t.studio.call('media.import', { source: { kind: 'path', path: file }, importId });
    resolved = true;
    offPeaks();
    offProgress();
    expect(r.media).toMatchObject({ sampleRate: 48000, channels: 2, frames: 180 * 48000 });

    // Every waveform event came before the import resolved: a sampled overview of the whole file, then exact pairs.
    expect(peaks.length).toBeGreaterThanOrEqual(2);
    expect(peaks.every((p) => !p.resolved && p.index === 0 && p.name === 'three-minutes.wav' && p.durationSec === 180)).toBe(true);
    const [overview, ...exact] = peaks;
    expect(overview!.start).toBe(0);
    expect(overview!.final).toBe(false);
    expect(overview!.peaks.length / 2).toBe(Math.ceil(180 / overview!.bucketSec));
    const fineSec = exact[0]!.bucketSec;
    expect(overview!.bucketSec).toBeGreaterThan(fineSec);
    expect(exact.map((p) => p.final)).toEqual([...exact.slice(1).map(() => false), true]);

    // The exact pairs tile the file at one resolution and equal the stored cache merged to that resolution.
    const cache = parsePeaks(readFileSync(path.join(projectDir, 'media', r.media.hash.slice(0, 2), `${r.media.hash}.peaks`)));
    const group = Math.round((fineSec * 48000) / cache.samplesPerPeak);
    const count = peakCount(cache.frames, cache.samplesPerPeak);
    const expected: number[] = [];
    for (let g = 0; g * group < count; g++) {
      let lo = 32767;
      let hi = -32767;
      for (const ch of cache.channels) {
        for (let b = g * group; b < Math.min(count, (g + 1) * group); b++) {
          lo = Math.min(lo, ch[2 * b]!);
          hi = Math.max(hi, ch[2 * b + 1]!);
        }
      }
      expected.push(lo / 32767, hi / 32767);
    }
    let next = 0;
    const got: number[] = [];
    for (const p of exact) {
      expect([p.bucketSec, p.start]).toEqual([fineSec, next]);
      next += p.peaks.length / 2;
      got.push(...p.peaks);
    }
    expect(got).toEqual(expected);
    // The overview is sampled inside the exact envelope.
    const perCoarse = Math.round(overview!.bucketSec / fineSec);
    for (let k = 0; k < overview!.peaks.length / 2; k++) {
      const span = expected.slice(2 * k * perCoarse, 2 * (k + 1) * perCoarse);
      const lo = Math.min(...span.filter((_, i) => i % 2 === 0));
      const hi = Math.max(...span.filter((_, i) => i % 2 === 1));
      expect(overview!.peaks[2 * k]!).toBeGreaterThanOrEqual(lo);
      expect(overview!.peaks[2 * k + 1]!).toBeLessThanOrEqual(hi);
    }

    // Progress: never back, in (0, 1], ends at 1, and while decoding it moves through many values.
    const fractions = progress.map((p) => p.fraction);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    expect(fractions.at(-1)).toBe(1);
    const decoding = progress.filter((p) => p.stage === 'decoding').map((p) => p.fraction);
    expect(new Set(decoding).size).toBeGreaterThan(3);
    expect(progress.map((p) => p.stage)).toContain('storing');
  });

  it('a cancel in the middle of decoding leaves nothing in the project or the media store', async () => {
    const file = longWav('cancel-me.wav', 180, 2);
    const before = { counts: dbCounts(), files: storeFiles() };
    const importId = 'long-import-2';
    let furthest = 0;
    let cancelled = false;
    const off = t.studio.events.on('import.peaks', (p) => {
      if (p.importId !== importId || cancelled) return;
      cancelled = true;
      void t.studio.call('media.cancelImport', { importId });
    });
    const offProgress = t.studio.events.on('import.progress', (p) => {
      if (p.importId === importId) furthest = Math.max(furthest, p.fraction);
    });
    const code = await codeOf(t.studio.call('media.import', { source: { kind: 'path', path: file }, importId }));
    off();
    offProgress();
    expect(code).toBe('E_CANCELLED');
    expect(cancelled).toBe(true);
    // The host stopped decoding part way (its progress goes on being reported until it answers; 0.9 is the end of
    // decoding), and the first waveform came long before the end of the file.
    expect(furthest).toBeGreaterThan(0);
    expect(furthest).toBeLessThan(0.5);
    expect(dbCounts()).toEqual(before.counts);
    expect(storeFiles()).toEqual(before.files);
    expect(existsSync(file)).toBe(true);
  });
});
