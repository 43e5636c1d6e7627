// Benchmark of the timeline in Chromium through the web shell (dist/web.mjs):
//   1. frame time while scrolling and while zooming a project of 300 clips (wheel gestures dispatched to the lanes
//      every animation frame; frame times from requestAnimationFrame timestamps in the page), next to the idle
//      frame time of the same page in the same run (the display's own cadence). Targets (issue 10): ≥ 50 fps and a
//      95th-percentile frame ≤ 20 ms while scrolling and zooming.
//   2. an hour-long 48 kHz WAV (generated) in a project: page memory with it loaded, played, and zoomed to samples
//      (the renderer process's resident memory from /proc, and the JS heap from CDP), next to the same page with an
//      empty project; and how long playback takes to start (Space → the first block scheduled). Targets: < 300 MB
//      and < 0.5 s.
//   npm run bench -- timeline [--clips 300] [--seconds 4] [--no-hour]
// Prints a table and writes bench/results/timeline-<time>.json. Exit 1 when a target is missed.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser, CDPSession, Page } from 'playwright-core';
import WebSocket from 'ws';
import { decodeFile } from '../../src-main/audio/decode';

const TARGET_FPS = 50;
const TARGET_P95_MS = 20;
const TARGET_MEMORY_MB = 300;
const TARGET_PLAY_START_MS = 500;
const SR = 48_000;
const HOUR_SEC = 3600;

/** The page's globals the measurements use (this file is type-checked without the DOM library). */
interface El {
  getBoundingClientRect(): { left: number; top: number; width: number };
  dispatchEvent(e: unknown): boolean;
  getAttribute(n: string): string | null;
  click(): void;
  blur?(): void;
}
interface PageGlobals {
  document: { querySelector(s: string): El | null; activeElement: El | null };
  WheelEvent: new (type: string, init: Record<string, unknown>) => unknown;
  MutationObserver: new (cb: () => void) => { observe(el: El, o: { attributes: boolean }): void; disconnect(): void };
  requestAnimationFrame(cb: (t: number) => void): number;
  performance: { now(): number };
}

interface Shell {
  url: string;
  call<T>(method: string, params: unknown): Promise<T>;
  close(): Promise<void>;
}

async function startShell(repoRoot: string, home: string): Promise<Shell> {
  const entry = path.join(repoRoot, 'dist', 'web.mjs');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" first.`);
  const child: ChildProcess = spawn(process.execPath, [entry, '--project', path.join(home, 'project'), '--no-open', '--port', '0'], {
    env: { ...process.env, RETAKE_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (l) => l.startsWith('http://127.0.0.1:') && resolve(l.trim()));
    child.once('exit', (code) => reject(new Error(`The web shell exited (${code}):\n${err}`)));
  });
  const u = new URL(url);
  const ws = new WebSocket(`ws://${u.host}/ws?token=${u.searchParams.get('token')}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { code: string; message: string } };
    if (typeof m.id !== 'number') return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) p?.reject(new Error(`${m.error.code}: ${m.error.message}`));
    else p?.resolve(m.result);
  });
  return {
    url,
    call: <T>(method: string, params: unknown) =>
      new Promise<T>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        ws.send(JSON.stringify({ id, method, params }));
      }),
    async close() {
      ws.close();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function launch(): Promise<Browser> {
  const exe = process.env.RETAKE_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(exe)) throw new Error(`Chromium was not found at ${exe}: install Debian's chromium or set RETAKE_CHROMIUM.`);
  // playwright-core is loaded at run time (not bundled into the benchmark).
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: exe, args: ['--no-sandbox', '--disable-background-networking', '--no-first-run', '--autoplay-policy=no-user-gesture-required'] });
}

async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, colorScheme: 'dark' });
  page.setDefaultTimeout(600_000);
  await page.goto(url);
  await page.getByTestId('import-input').waitFor({ state: 'attached' });
  return page;
}

interface FrameStats {
  frames: number;
  fps: number;
  meanMs: number;
  p95Ms: number;
  maxMs: number;
  /** The longest of the gesture's first five frames, which the other figures leave out (its start: a zoom gesture's
   * second step is where the lanes take the clips' elements away, Lane.svelte). */
  startMaxMs: number;
}

function stats(all: number[]): FrameStats {
  const intervals = all.slice(5);
  const sorted = [...intervals].sort((a, b) => a - b);
  const total = intervals.reduce((a, b) => a + b, 0);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { frames: intervals.length, fps: (intervals.length / total) * 1000, meanMs: total / intervals.length, p95Ms: pick(0.95), maxMs: sorted.at(-1) ?? 0, startMaxMs: Math.max(0, ...all.slice(0, 5)) };
}

/**
 * Runs `gesture` ('idle' | 'scroll' | 'zoom') for `seconds` in the page: each animation frame dispatches one wheel
 * event to the lanes (none when idle) and records the frame's timestamp.
 */
async function measure(page: Page, gesture: 'idle' | 'scroll' | 'zoom', seconds: number): Promise<FrameStats> {
  const intervals = await page.evaluate(
    ({ gesture, seconds }) =>
      new Promise<number[]>((resolve) => {
        const g = globalThis as unknown as PageGlobals;
        const body = g.document.querySelector('[data-testid="timeline"] .body')!;
        const r = body.getBoundingClientRect();
        const x = r.left + 208 + (r.width - 208) / 2;
        const y = r.top + 100;
        const out: number[] = [];
        let last = 0;
        let i = 0;
        const end = g.performance.now() + seconds * 1000;
        const step = (t: number) => {
          if (last) out.push(t - last);
          last = t;
          if (gesture === 'scroll') {
            // Sideways swipes of 30 px, turning back every 120 frames.
            const dir = Math.floor(i / 120) % 2 ? -1 : 1;
            body.dispatchEvent(new g.WheelEvent('wheel', { deltaX: 30 * dir, deltaY: 0, clientX: x, clientY: y, bubbles: true, cancelable: true }));
          } else if (gesture === 'zoom') {
            // Pinch-like zoom steps of 1.15×, in for 60 frames then out, around the middle of the lanes.
            const dir = Math.floor(i / 60) % 2 ? 1 : -1;
            body.dispatchEvent(new g.WheelEvent('wheel', { deltaY: 35 * dir, ctrlKey: true, clientX: x, clientY: y, bubbles: true, cancelable: true }));
          }
          i++;
          if (t < end) g.requestAnimationFrame(step);
          else resolve(out);
        };
        g.requestAnimationFrame(step);
      }),
    { gesture, seconds },
  );
  return stats(intervals);
}

/**
 * Memory (MB) of the renderer processes of the Chromium this process started, from /proc (Linux): proportional set
 * size (shared pages split between the processes that map them) and private memory (what the page alone holds, as
 * the browser's task manager counts its footprint).
 */
function rendererMemoryMb(): { pss: number; private: number } | null {
  if (process.platform !== 'linux') return null;
  const sum = { pss: 0, private: 0 };
  const children = (pid: number): number[] => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const walk = (pid: number) => {
    for (const c of children(pid)) {
      try {
        const cmd = readFileSync(`/proc/${c}/cmdline`, 'utf8');
        if (cmd.includes('--type=renderer') && !cmd.includes('--extension-process')) {
          const rollup = readFileSync(`/proc/${c}/smaps_rollup`, 'utf8');
          const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
          sum.pss += kb('Pss') / 1024;
          sum.private += (kb('Private_Clean') + kb('Private_Dirty')) / 1024;
        }
      } catch {
        // gone meanwhile
      }
      walk(c);
    }
  };
  walk(process.pid);
  return sum;
}

async function jsHeapMb(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 1024 / 1024;
}

/** An hour of speech-like audio: the corpus recordings one after another, looped, mono 16-bit 48 kHz. */
async function writeHourWav(file: string, corpusDir: string): Promise<void> {
  const parts: Int16Array[] = [];
  for (const f of ['en_happy_prompt.wav', 'zero_shot_en_prompt.wav', 'speed_prompt.wav', 'paralingustic_prompt.wav']) {
    const a = await decodeFile(path.join(corpusDir, f));
    const x = a.channels[0]!;
    // Nearest-sample rate change is enough for a load test.
    const n = Math.floor((x.length * SR) / a.sampleRate);
    const out = new Int16Array(n + Math.round(0.4 * SR));
    for (let i = 0; i < n; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(x[Math.floor((i * a.sampleRate) / SR)]! * 32767)));
    parts.push(out);
  }
  const frames = HOUR_SEC * SR;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + frames * 2, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(SR, 24);
  header.writeUInt32LE(SR * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(frames * 2, 40);
  const fd = openSync(file, 'w');
  writeSync(fd, header);
  let written = 0;
  for (let k = 0; written < frames; k++) {
    const p = parts[k % parts.length]!;
    const n = Math.min(p.length, frames - written);
    writeSync(fd, Buffer.from(p.buffer, p.byteOffset, n * 2));
    written += n;
  }
  closeSync(fd);
}

export async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const arg = (name: string, dflt: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : dflt);
  const clipCount = arg('--clips', 300);
  const seconds = arg('--seconds', 4);
  const withHour = !argv.includes('--no-hour');
  const withFrames = !argv.includes('--no-frames');
  const repoRoot = process.cwd();
  const corpusDir = path.resolve(repoRoot, '..', 'shared', 'corpus');
  if (!existsSync(corpusDir)) throw new Error(`${corpusDir} is missing: the benchmark needs ../shared/corpus beside the repository.`);
  const home = mkdtempSync(path.join(os.tmpdir(), 'retake-bench-timeline-'));
  const result: Record<string, unknown> = { clips: clipCount, seconds, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model } };
  let failed = false;
  let shell: Shell | null = null;
  let browser: Browser | null = null;
  try {
    shell = await startShell(repoRoot, home);
    browser = await launch();

    if (withFrames) failed = (await frames(shell, browser, corpusDir, clipCount, seconds, result)) || failed;
    if (withHour) failed = (await hour(shell, browser, corpusDir, home, result)) || failed;
  } finally {
    await browser?.close();
    await shell?.close();
    rmSync(home, { recursive: true, force: true });
  }
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `timeline-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`\nwrote ${path.relative(repoRoot, out)}`);
  return failed ? 1 : 0;
}

/** 300 clips on 6 tracks: frame times while idle, scrolling and zooming. True when a target is missed. */
async function frames(shell: Shell, browser: Browser, corpusDir: string, clipCount: number, seconds: number, result: Record<string, unknown>): Promise<boolean> {
  let failed = false;
  // --- 300 clips on 6 tracks, about 5 s each with a little gap, from one imported recording.
  const imported = await shell.call<{ media: { hash: string } }>('media.import', { source: { kind: 'path', path: path.join(corpusDir, 'zero_shot_en_prompt.wav') } });
  const tracks: number[] = [];
  const listed = await shell.call<{ tracks: { id: number }[] }>('timeline.get', {});
  tracks.push(listed.tracks[0]!.id);
  for (let i = 1; i < 6; i++) tracks.push((await shell.call<{ id: number }>('tracks.add', {})).id);
  for (let i = 1; i < clipCount; i++) {
    const track = tracks[i % tracks.length]!;
    const slot = Math.floor(i / tracks.length);
    await shell.call('clips.add', { mediaHash: imported.media.hash, trackId: track, start: Math.round(slot * 5.5 * SR) });
  }
  const page = await openPage(browser, shell.url);
  await page.getByTestId('clip-count').filter({ hasText: String(clipCount) }).waitFor();
  const idle = await measure(page, 'idle', Math.min(2, seconds));
  // Scrolling at an overview zoom five times closer than the whole project (about a minute across the view, some
  // 60 clips in view at once).
  await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const body = g.document.querySelector('[data-testid="timeline"] .body')!;
    for (let i = 0; i < 4; i++) body.dispatchEvent(new g.WheelEvent('wheel', { deltaY: -100, ctrlKey: true, clientX: 500, clientY: 200, bubbles: true, cancelable: true }));
  });
  const scroll = await measure(page, 'scroll', seconds);
  await page.keyboard.press('f');
  const zoom = await measure(page, 'zoom', seconds);
  await page.close();
  result.frames = { idle, scroll, zoom };
  const ok = (s: FrameStats) => s.fps >= TARGET_FPS && s.p95Ms <= TARGET_P95_MS;
  console.log(`\n${clipCount} clips on ${tracks.length} tracks, ${seconds} s each gesture (Chromium, wheel events each frame)`);
  console.log('gesture   fps     mean ms  p95 ms  max ms   vs idle p95   start max ms');
  for (const [name, s] of Object.entries({ idle, scroll, zoom })) {
    console.log(
      `${name.padEnd(8)}  ${s.fps.toFixed(1).padStart(5)}  ${s.meanMs.toFixed(2).padStart(7)}  ${s.p95Ms.toFixed(2).padStart(6)}  ${s.maxMs.toFixed(1).padStart(6)}   ×${(s.p95Ms / idle.p95Ms).toFixed(2)}         ${s.startMaxMs.toFixed(1).padStart(6)}`,
    );
  }
  if (!ok(scroll) || !ok(zoom)) {
    console.log(`target missed: ≥ ${TARGET_FPS} fps and p95 ≤ ${TARGET_P95_MS} ms while scrolling and zooming`);
    failed = true;
  }
  return failed;
}

/** An hour of audio: page memory loaded, played and zoomed, and the time to start playing. True when a target is missed. */
async function hour(shell: Shell, browser: Browser, corpusDir: string, home: string, result: Record<string, unknown>): Promise<boolean> {
  let failed = false;
  // The same page with an empty project first: the baseline.
  await shell.call('project.create', { dir: path.join(home, 'empty') });
  let page2 = await openPage(browser, shell.url);
  let cdp = await page2.context().newCDPSession(page2);
  await cdp.send('Performance.enable');
  const baseMem = rendererMemoryMb();
  const baseHeap = await jsHeapMb(cdp);
  await page2.close();

  const wav = path.join(home, 'hour.wav');
  const t0 = performance.now();
  await writeHourWav(wav, corpusDir);
  const writeSec = (performance.now() - t0) / 1000;
  await shell.call('project.create', { dir: path.join(home, 'hour') });
  const t1 = performance.now();
  await shell.call('media.import', { source: { kind: 'path', path: wav }, name: 'hour.wav' });
  const importSec = (performance.now() - t1) / 1000;
  rmSync(wav, { force: true });

  page2 = await openPage(browser, shell.url);
  cdp = await page2.context().newCDPSession(page2);
  await cdp.send('Performance.enable');
  await page2.locator('[data-testid="clip"]').first().waitFor();
  // Select it (the audition panel shows its waveform too), then play from 30 min in.
  await page2.locator('[data-testid="clip-header"]').first().click();
  const ruler = await page2.getByTestId('ruler').boundingBox();
  await page2.keyboard.down('Shift');
  await page2.mouse.click(ruler!.x + ruler!.width / 2, ruler!.y + 10);
  await page2.keyboard.up('Shift');
  const startMs = await page2.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const g = globalThis as unknown as PageGlobals;
        const btn = g.document.querySelector('[data-testid="transport-play"]')!;
        const t = g.performance.now();
        const obs = new g.MutationObserver(() => {
          if (btn.getAttribute('data-state') === 'playing') {
            obs.disconnect();
            resolve(g.performance.now() - t);
          }
        });
        obs.observe(btn, { attributes: true });
        btn.click();
      }),
  );
  await page2.waitForFunction(() => Number((globalThis as unknown as PageGlobals).document.querySelector('[data-testid="playhead"]')?.getAttribute('data-sample')) > 0);
  // Let it play three seconds, then zoom down to single samples where it plays and let it play on another two.
  const playedFor = async (sec: number) => {
    const from = Number(await page2.getByTestId('playhead').getAttribute('data-sample'));
    await page2.waitForFunction(
      (until) => Number((globalThis as unknown as PageGlobals).document.querySelector('[data-testid="playhead"]')?.getAttribute('data-sample')) > until,
      from + sec * SR,
    );
  };
  await playedFor(3);
  for (let i = 0; i < 30; i++) await page2.keyboard.press('+');
  await playedFor(2);
  const heap = await jsHeapMb(cdp);
  const mem = rendererMemoryMb();
  await page2.keyboard.press('Space');
  await page2.close();
  result.hour = { writeSec, importSec, playStartMs: startMs, renderer: mem, jsHeapMb: heap, emptyRenderer: baseMem, emptyJsHeapMb: baseHeap };
  console.log(`\nan hour of 48 kHz audio (generated in ${writeSec.toFixed(1)} s, imported by the core in ${importSec.toFixed(1)} s)`);
  console.log(`play start (click → first block scheduled): ${startMs.toFixed(0)} ms (target < ${TARGET_PLAY_START_MS} ms)`);
  const mb = (m: { pss: number; private: number } | null) => (m ? `private ${m.private.toFixed(0)} MB, PSS ${m.pss.toFixed(0)} MB` : 'n/a');
  console.log(`page memory with the hour loaded, played and zoomed to samples: renderer ${mb(mem)}, JS heap ${heap.toFixed(1)} MB`);
  console.log(`the same page with an empty project: renderer ${mb(baseMem)}, JS heap ${baseHeap.toFixed(1)} MB (target < ${TARGET_MEMORY_MB} MB)`);
  if (startMs > TARGET_PLAY_START_MS || (mem !== null && mem.private > TARGET_MEMORY_MB) || heap > TARGET_MEMORY_MB) {
    console.log('target missed: playback start or page memory');
    failed = true;
  }
  return failed;
}
