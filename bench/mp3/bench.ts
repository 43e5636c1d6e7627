// Benchmark of our MP3 decoder (src-main/audio/mp3, through decodeAudio as an import uses it) on a long file, next to
// Debian's `lame --decode` (LAME's C mpglib) decoding the same file in the same run. The file is corpus speech, both
// voices as a stereo pair, repeated to the length asked for, resampled to 44.1 kHz and encoded by `lame -b 128 -m j`.
// No target: the figure is the ratio, to see what a pure TypeScript decoder costs against C.
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

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.error) throw new Error(`The MP3 benchmark needs "${cmd}" (apt-get install -y ${cmd === 'lame' ? 'lame' : 'sox'}): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
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
    let frames = 0;
    for (let r = 0; r < repeats; r++) {
      // Alternate, so a change in the machine's load affects both alike.
      let t = performance.now();
      const audio = await decodeAudio(bytes, 'long.mp3');
      ours.push(performance.now() - t);
      frames = audio.channels[0]!.length;
      t = performance.now();
      run('lame', ['--quiet', '--decode', mp3, join(dir, 'decoded.wav')]);
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
      realtimeFactor: Math.round(frames / 44100 / (median(ours) / 1000)),
      cpus: cpus().length,
      load: loadavg().map((x) => Number(x.toFixed(1))),
      node: process.version,
    };
    console.log(`${minutes}-minute stereo 44.1 kHz MP3 (128 kbit/s joint stereo, ${(result.mp3Bytes / 1e6).toFixed(1)} MB), median of ${repeats}:`);
    console.log(`  ours (decodeAudio)   ${result.oursMedianMs} ms  (${result.realtimeFactor}× real time)`);
    console.log(`  lame --decode        ${result.lameMedianMs} ms  (a process writing a WAV file)`);
    console.log(`  ratio ours / lame    ${result.ratio}   (load ${result.load.join(', ')} on ${result.cpus} CPUs)`);
    const out = join(root, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `mp3-${result.when.replace(/[:.]/g, '-')}.json`), JSON.stringify(result, null, 2));
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
