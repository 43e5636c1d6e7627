// Benchmark of exports: a 60-minute two-track project mix (about 1,200 clips cut from the corpus at 24 and 44.1 kHz,
// resampled to 48 kHz, the second track overlapping the first now and then) rendered by the audio host's renderer —
// once as a plain mixdown and once normalised to −16 LUFS under −1 dBTP (measuring pass, limiter, writing pass), both
// 24-bit WAV — against `sox -m` mixing the two tracks' 60-minute files in the same run (the plain mixdown a user could
// script; the tracks are rendered for it beforehand, not timed). No target: the issue asks for the figures.
// Run with `npm run bench -- export`; writes bench/results/export-<time>.json.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { integratedLoudness, truePeak } from '../../src-main/audio/analysis/loudness';
import { decodeFile } from '../../src-main/audio/decode';
import { renderToFile, type MixPlan, type MixSource, type RenderRequest } from '../../src-main/audio/render';

const RATE = 48000;
const MIX_SEC = 3600;

function arg(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

const META: Pick<RenderRequest, 'bext' | 'ixml' | 'comments'> = {
  bext: {
    description: 'Retake export benchmark',
    originator: 'Retake',
    originatorReference: 'bench',
    originationDate: '2026-01-01',
    originationTime: '00:00:00',
    timeReference: 0,
    loudnessValue: null,
    loudnessRange: null,
    maxTruePeakLevel: null,
    codingHistory: 'A=PCM,F=48000,W=24,M=mono,T=Retake',
  },
  ixml: '<?xml version="1.0" encoding="UTF-8"?>\n<BWFXML><IXML_VERSION>2.10</IXML_VERSION></BWFXML>\n',
  comments: {},
};

function time<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  return f().then((r) => [r, (performance.now() - t) / 1000]);
}

export async function main(): Promise<number> {
  const root = resolve(dirname(process.argv[1]!), '..', '..');
  const corpus = resolve(root, '..', 'shared', 'corpus');
  const files = ['en_happy_prompt.wav', 'zero_shot_en_prompt.wav', 'speed_prompt.wav', 'paralingustic_prompt.wav'].map((f) => join(corpus, f));
  const facts = await Promise.all(files.map(async (f) => ({ file: f, ...(await decodeFile(f)) })));
  const seconds = arg('quick') ? 600 : MIX_SEC;
  const length = seconds * RATE;
  // Track 1: utterances back to back with 0.4 s pauses; track 2: every fifth utterance again, 1.5 s later, quieter.
  const track1: MixSource[] = [];
  const track2: MixSource[] = [];
  let at = 0;
  for (let k = 0; at < length; k++) {
    const f = facts[k % facts.length]!;
    const n = f.channels[0]!.length;
    const out = Math.round((n * RATE) / f.sampleRate);
    const take = Math.min(n, Math.floor(((length - at) * f.sampleRate) / RATE));
    track1.push({ file: f.file, rate: f.sampleRate, from: 0, to: take, at, gain: 1 });
    if (k % 5 === 0 && at + Math.round(1.5 * RATE) < length) {
      const at2 = at + Math.round(1.5 * RATE);
      const t2 = Math.min(n, Math.floor(((length - at2) * f.sampleRate) / RATE));
      track2.push({ file: f.file, rate: f.sampleRate, from: 0, to: t2, at: at2, gain: 0.5 });
    }
    at += out + Math.round(0.4 * RATE);
  }
  const plan = (sources: MixSource[]): MixPlan => ({ sampleRate: RATE, channels: 1, length, sources });
  const dir = mkdtempSync(join(tmpdir(), 'retake-bench-export-'));
  try {
    console.log(`${seconds / 60}-minute mix: ${track1.length + track2.length} clips on two tracks`);
    // The tracks as files for sox (not timed).
    const t1 = join(dir, 'track1.wav');
    const t2 = join(dir, 'track2.wav');
    for (const [sources, out] of [[track1, t1], [track2, t2]] as const) {
      await renderToFile({ plan: plan(sources), encoding: 'wav-pcm24', loudness: null, ...META, output: out });
    }
    const soxOut = join(dir, 'sox.wav');
    let soxSec: number | null = null;
    try {
      const t = performance.now();
      execFileSync('sox', ['-m', t1, t2, '-b', '24', soxOut], { stdio: 'ignore' });
      soxSec = (performance.now() - t) / 1000;
    } catch {
      console.log('sox is not installed (apt-get install sox): no baseline.');
    }
    const all = plan([...track1, ...track2]);
    const [, plainSec] = await time(() => renderToFile({ plan: all, encoding: 'wav-pcm24', loudness: null, ...META, output: join(dir, 'plain.wav') }));
    const normOut = join(dir, 'norm.wav');
    const [norm, normSec] = await time(() =>
      renderToFile({ plan: all, encoding: 'wav-pcm24', loudness: { targetLufs: -16, ceilingDbtp: -1 }, ...META, output: normOut }),
    );
    // Check what was written with the whole-signal meters.
    const back = await decodeFile(normOut);
    const lufs = integratedLoudness(back);
    const tp = 20 * Math.log10(truePeak(back));
    const rows: Array<[string, number | null]> = [
      ['sox -m (plain mixdown of the two track files)', soxSec],
      ['Retake render, plain mixdown', plainSec],
      ['Retake render, −16 LUFS / −1 dBTP', normSec],
    ];
    console.log('\n| run | s | real-time factor |\n| --- | --- | --- |');
    for (const [what, s] of rows) console.log(`| ${what} | ${s === null ? '—' : s.toFixed(2)} | ${s === null ? '—' : (s / seconds).toFixed(4)} |`);
    console.log(
      `\nnormalised file: ${lufs?.toFixed(2)} LUFS, true peak ${tp.toFixed(2)} dBTP, gain ${norm.gainDb} dB, limiter ${norm.limited ? 'on' : 'off'}, ${norm.passes} passes, ` +
        `${(statSync(normOut).size / 2 ** 20).toFixed(0)} MiB` +
        (soxSec ? `; ×${(normSec / soxSec).toFixed(1)} sox's time (plain ×${(plainSec / soxSec).toFixed(1)})` : ''),
    );
    const out = join(root, 'bench', 'results', `export-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify({ cpus: cpus()[0]?.model, seconds, clips: track1.length + track2.length, soxSec, plainSec, normSec, lufs, tp, result: norm }, null, 2));
    console.log(`wrote ${out}`);
    return lufs !== null && Math.abs(lufs + 16) <= 0.5 && tp <= -1 + 1e-6 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
