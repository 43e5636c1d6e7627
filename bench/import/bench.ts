// Benchmark of importing long material (issue 10, "Long material"): a generated 60-minute 48 kHz 16-bit WAV, stereo
// and mono, imported through a real studio core and audio host (dist/engine-host.mjs, as the app runs it), timed to
//   * the first `import.peaks` event (the first waveform the user sees: the sampled overview),
//   * the first exact pairs, and the final one (full-resolution peaks: the cache is written),
//   * the end of the import (stored, measured, placed as a clip),
// next to sox reading the same file in the same run (`sox FILE -n stat` and `sox FILE -t null -`), with the audio
// host's peak resident memory during the import (a fresh host per file, so its high-water mark is this import's),
// and the time the web shell takes to answer the byte ranges a media element asks for first (`bytes=0-`, read for
// 64 KiB) and when it seeks to the middle.
// Target: first waveform ≤ 3 s for each file; exit 1 when missed.
//   npm run bench -- import [--minutes 60] [--no-analyze] [--keep]
// The file was just written, so it is read from the page cache, by sox as by us. Prints a table and writes
// bench/results/import-<time>.json.

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { forkSpawner } from '../../src-main/engines/host/client';
import { hostRoleArg } from '../../src-main/engines/host/protocol';
import { HostRouter } from '../../src-main/engines/host/router';
import { startWebShell } from '../../src-main/shells/web/server';
import { Studio } from '../../src-main/studio/studio';

/** Issue 10's target for the first waveform of a 60-minute 48 kHz WAV. */
const TARGET_FIRST_WAVEFORM_MS = 3000;
const RATE = 48000;
/** How often the host's memory is sampled (VmHWM is the kernel's own high-water mark; this only reads it). */
const RSS_POLL_MS = 100;

interface Run {
  file: string;
  channels: number;
  minutes: number;
  bytes: number;
  soxStatMs: number;
  soxNullMs: number;
  firstWaveformMs: number;
  firstExactMs: number;
  fullPeaksMs: number;
  importEndMs: number;
  hostPeakRssMb: number | null;
  rangeFirstMs: number;
  rangeSeekMs: number;
  met: boolean;
}

/**
 * `minutes` of speech-like sound: noise bursts of syllable length (~80–300 ms) at varying loudness, with pauses,
 * written block by block as 16-bit PCM so an hour needs no hour-sized buffer.
 */
function generate(file: string, minutes: number, channels: number): number {
  const frames = minutes * 60 * RATE;
  const dataBytes = frames * channels * 2;
  const head = Buffer.alloc(44);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(36 + dataBytes, 4);
  head.write('WAVEfmt ', 8, 'latin1');
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20);
  head.writeUInt16LE(channels, 22);
  head.writeUInt32LE(RATE, 24);
  head.writeUInt32LE(RATE * channels * 2, 28);
  head.writeUInt16LE(channels * 2, 32);
  head.writeUInt16LE(16, 34);
  head.write('data', 36, 'latin1');
  head.writeUInt32LE(dataBytes, 40);
  if (channels > 2) throw new Error('The benchmark writes mono or stereo files.');
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, head);
    const blockFrames = RATE;
    const block = new Int16Array(blockFrames * channels);
    let s = 12345;
    const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    let left = 0;
    let amp = 0;
    for (let at = 0; at < frames; at += blockFrames) {
      const n = Math.min(blockFrames, frames - at);
      for (let i = 0; i < n; i++) {
        if (left-- <= 0) {
          left = Math.round((0.08 + 0.22 * rand()) * RATE);
          amp = rand() < 0.3 ? 0 : 2000 + 24000 * rand() ** 2;
        }
        const v = Math.round((rand() * 2 - 1) * amp);
        block[i * channels] = v;
        if (channels === 2) block[i * 2 + 1] = v >> 1;
      }
      // Int16Array holds the platform's byte order: little-endian, as WAV wants, on every platform Retake ships for.
      writeSync(fd, new Uint8Array(block.buffer, 0, n * channels * 2));
    }
  } finally {
    closeSync(fd);
  }
  return 44 + dataBytes;
}

function sox(args: string[]): number {
  const t = performance.now();
  const r = spawnSync('sox', args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.error) throw new Error(`sox is needed as the baseline: apt-get install -y sox (${r.error.message})`);
  if (r.status !== 0) throw new Error(`sox ${args.join(' ')} failed: ${r.stderr}`);
  return performance.now() - t;
}

function hwmKb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Time until the first `bytes` of a ranged answer have arrived (the request is then dropped). */
function timeRange(port: number, token: string, url: string, range: string, bytes: number): Promise<number> {
  const t = performance.now();
  return new Promise((resolveTime, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: url, headers: { host: `127.0.0.1:${port}`, 'x-retake-token': token, range } }, (res) => {
      if (res.statusCode !== 206) reject(new Error(`${range}: HTTP ${res.statusCode}`));
      let got = 0;
      res.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= bytes) {
          const ms = performance.now() - t;
          res.destroy();
          resolveTime(ms);
        }
      });
      res.on('end', () => resolveTime(performance.now() - t));
      res.on('error', () => {});
    });
    req.on('error', reject);
  });
}

async function importOnce(work: string, file: string, analyze: boolean): Promise<Omit<Run, 'file' | 'channels' | 'minutes' | 'bytes' | 'soxStatMs' | 'soxNullMs' | 'met'>> {
  const home = mkdtempSync(join(work, 'home-'));
  const entry = resolve('dist', 'engine-host.mjs');
  const hosts = new HostRouter((role) => forkSpawner(entry, { ...process.env, RETAKE_HOME: home }, [hostRoleArg(role)]));
  const studio = new Studio({ host: hosts, home, analyze });
  try {
    await studio.call('project.create', { dir: join(home, 'project'), name: 'Bench' });
    await hosts.start();
    const pid = hosts.audio.pid;
    let peakKb = hwmKb(pid);
    const poll = setInterval(() => (peakKb = Math.max(peakKb ?? 0, hwmKb(pid) ?? 0)), RSS_POLL_MS);
    const importId = 'bench-import-1';
    // Every waveform event's time and resolution: the first is the overview, the exact pairs are at the final
    // event's resolution.
    const events: Array<{ t: number; bucketSec: number; final: boolean }> = [];
    const t0 = performance.now();
    const off = studio.events.on('import.peaks', (p) => events.push({ t: performance.now() - t0, bucketSec: p.bucketSec, final: p.final }));
    const r = await studio.call('media.import', { source: { kind: 'path', path: file }, importId });
    const end = performance.now() - t0;
    off();
    clearInterval(poll);
    peakKb = Math.max(peakKb ?? 0, hwmKb(pid) ?? 0);

    const shell = await startWebShell({ studio, rendererDir: join(home, 'renderer') });
    try {
      const rangeFirstMs = await timeRange(shell.port, shell.token, r.media.url, 'bytes=0-', 64 * 1024);
      const mid = Math.floor(r.media.frames / 2) * r.media.channels * 2;
      const rangeSeekMs = await timeRange(shell.port, shell.token, r.media.url, `bytes=${mid}-`, 64 * 1024);
      const last = events.find((e) => e.final);
      return {
        firstWaveformMs: events[0]?.t ?? NaN,
        firstExactMs: events.find((e) => e.bucketSec === last?.bucketSec)?.t ?? NaN,
        fullPeaksMs: last?.t ?? NaN,
        importEndMs: end,
        hostPeakRssMb: peakKb ? peakKb / 1024 : null,
        rangeFirstMs,
        rangeSeekMs,
      };
    } finally {
      await shell.close();
    }
  } finally {
    await studio.dispose();
    await hosts.dispose();
  }
}

export async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const opt = (name: string, dflt: number): number => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  const minutes = opt('--minutes', 60);
  const analyze = !argv.includes('--no-analyze');
  const keep = argv.includes('--keep');
  if (!existsSync(resolve('dist', 'engine-host.mjs'))) {
    console.error('dist/engine-host.mjs is missing: run "npm run build" first.');
    return 2;
  }
  const work = mkdtempSync(join(tmpdir(), 'retake-bench-import-'));
  const runs: Run[] = [];
  try {
    for (const channels of [2, 1]) {
      const file = join(work, `${minutes}min-${channels === 2 ? 'stereo' : 'mono'}.wav`);
      const tg = performance.now();
      const bytes = generate(file, minutes, channels);
      console.log(`generated ${file} (${(bytes / 1e6).toFixed(0)} MB) in ${((performance.now() - tg) / 1000).toFixed(1)} s`);
      const soxStatMs = sox([file, '-n', 'stat']);
      const soxNullMs = sox([file, '-t', 'null', '-']);
      const r = await importOnce(work, file, analyze);
      runs.push({ file, channels, minutes, bytes, soxStatMs, soxNullMs, ...r, met: r.firstWaveformMs <= TARGET_FIRST_WAVEFORM_MS });
      rmSync(file, { force: true });
    }
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }

  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log(`\nImport of a generated ${minutes}-minute 48 kHz 16-bit WAV (analysis ${analyze ? 'on, as in the app' : 'off'}); ${cpus().length} CPUs, load ${readLoad()}`);
  console.log('| file | MB | first waveform s | first exact s | full peaks s | import end s | host peak RSS MB | sox -n stat s | sox -t null s | range 0- ms | range seek ms | target ≤ 3 s |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    console.log(
      `| ${r.channels === 2 ? 'stereo' : 'mono'} | ${(r.bytes / 1e6).toFixed(0)} | ${s(r.firstWaveformMs)} | ${s(r.firstExactMs)} | ${s(r.fullPeaksMs)} | ${s(r.importEndMs)} | ` +
        `${r.hostPeakRssMb?.toFixed(0) ?? 'n/a'} | ${s(r.soxStatMs)} | ${s(r.soxNullMs)} | ${r.rangeFirstMs.toFixed(1)} | ${r.rangeSeekMs.toFixed(1)} | ${r.met ? 'met' : 'MISSED'} |`,
    );
  }
  const dir = resolve('bench', 'results');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `import-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), minutes, analyze, cpus: cpus().length, load: readLoad(), targetMs: TARGET_FIRST_WAVEFORM_MS, runs }, null, 2));
  console.log(`wrote ${out}`);
  return runs.every((r) => r.met) ? 0 : 1;
}

function readLoad(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}
