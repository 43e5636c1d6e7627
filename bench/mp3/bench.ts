// Benchmark of our MP3 decoder (src-main/audio/mp3, through decodeAudio as an import uses it) on a long file, next to
// Debian's `lame --decode` (LAME's C mpglib) decoding the same file in the same run. The file is corpus speech, both
// voices as a stereo pair, repeated to the length asked for, resampled to 44.1 kHz and encoded by `lame -b 128 -m j`.
// No target: the figure is the ratio, to see what a pure TypeScript decoder costs against C. CPU time (ours from
// process.cpuUsage, lame's from GNU time) is reported next to wall time: on a shared machine it varies less.
//   npm run bench -- mp3 [--minutes 10] [--repeats 3]
// Prints a table and writes bench/results/mp3-<time>.json.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeAudio } from '../../src-main/audio/decode';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.error) throw new Error(`The MP3 benchmark needs "${cmd}" (apt-get install -y ${cmd === 'lame' ? 'lame' : cmd === '/usr/bin/time' ? 'time' : 'sox'}): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stderr;
}

/** CPU seconds (user + system) of a child, from GNU time: on a loaded machine a fairer figure than wall time. */
function lameCpu(args: string[]): number {
  const err = run('/usr/bin/time', ['-f', 'cpu %U %S', 'lame', ...args]);
  const m = /cpu ([\d.]+) ([\d.]+)/.exec(err);
  if (!m) throw new Error(`no CPU time in /usr/bin/time's output: ${err}`);
  return Number(m[1]) + Number(m[2]);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export async function main(): Promise<number> {
  const minutes = arg('minutes', 10);
  const repeats = arg('repeats', 3);
  const root = process.cwd();
  const corpus = resolve(root, '..', 'shared', 'corpus');
  const dir = mkdtempSync(join(tmpdir(), 'retake-mp3-bench-'));
  try {
    const voices = join(dir, 'voices.wav');
    run('sox', ['-M', join(corpus, 'en_happy_prompt.wav'), join(corpus, 'speed_prompt.wav'), voices]);
    const pairSeconds = 7.44; // en_happy_prompt.wav, the longer of the two
    const wav = join(dir, 'long.wav');
    run('sox', ['-R', voices, '-b', '16', wav, 'gain', '-1', 'rate', '44100', 'repeat', String(Math.ceil((minutes * 60) / pairSeconds) - 1), 'trim', '0', String(minutes * 60)]);
    const mp3 = join(dir, 'long.mp3');
    run('lame', ['--quiet', '-b', '128', '-m', 'j', wav, mp3]);
    const bytes = new Uint8Array(readFileSync(mp3));

    const ours: number[] = [];
    const lame: number[] = [];
    const oursCpu: number[] = [];
    const lameCpuS: number[] = [];
    let frames = 0;
    for (let r = 0; r < repeats; r++) {
      // Alternate, so a change in the machine's load affects both alike.
      let t = performance.now();
      const c0 = process.cpuUsage();
      const audio = await decodeAudio(bytes, 'long.mp3');
      const c1 = process.cpuUsage(c0);
      ours.push(performance.now() - t);
      oursCpu.push((c1.user + c1.system) / 1e6);
      frames = audio.channels[0]!.length;
      t = performance.now();
      lameCpuS.push(lameCpu(['--quiet', '--decode', mp3, join(dir, 'decoded.wav')]));
      lame.push(performance.now() - t);
    }
    const result = {
      when: new Date().toISOString(),
      minutes,
      mp3Bytes: statSync(mp3).size,
      decodedSeconds: frames / 44100,
      repeats,
      oursMs: ours.map(Math.round),
      lameDecodeMs: lame.map(Math.round),
      oursMedianMs: Math.round(median(ours)),
      lameMedianMs: Math.round(median(lame)),
      ratio: Number((median(ours) / median(lame)).toFixed(2)),
      oursCpuS: Number(median(oursCpu).toFixed(2)),
      lameCpuS: Number(median(lameCpuS).toFixed(2)),
      cpuRatio: Number((median(oursCpu) / median(lameCpuS)).toFixed(2)),
      realtimeFactor: Math.round(frames / 44100 / (median(ours) / 1000)),
      cpus: cpus().length,
      load: loadavg().map((x) => Number(x.toFixed(1))),
      node: process.version,
    };
    console.log(`${minutes}-minute stereo 44.1 kHz MP3 (128 kbit/s joint stereo, ${(result.mp3Bytes / 1e6).toFixed(1)} MB), median of ${repeats}:`);
    console.log(`  ours (decodeAudio)   ${result.oursMedianMs} ms wall, ${result.oursCpuS} s CPU  (${result.realtimeFactor}× real time)`);
    console.log(`  lame --decode        ${result.lameMedianMs} ms wall, ${result.lameCpuS} s CPU  (a process writing a WAV file)`);
    console.log(`  ours / lame          ${result.ratio} wall, ${result.cpuRatio} CPU  (load ${result.load.join(', ')} on ${result.cpus} CPUs)`);
    const out = join(root, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `mp3-${result.when.replace(/[:.]/g, '-')}.json`), JSON.stringify(result, null, 2));
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
