// analyze() on a generated 1-hour recording (corpus speech looped at 48 kHz mono, 172.8 M samples), and the share of
// that time spent on the input bounds every analysis now checks first (rate and channel limits, a range check of
// every sample). Target: the bounds cost at most 5 % of the analysis, so normal files are not slowed by them. Both
// are measured in the same run. Run: npm run bench -- analysis [--minutes N]

import { join, resolve } from 'node:path';
import { analyze } from '../../src-main/audio/analysis';
import { decodeFile } from '../../src-main/audio/decode';
import { checkAudioLimits, firstBadSampleSteps } from '../../src-main/audio/limits';
import { resampleChannel } from '../../src-main/audio/resample';
import { runSync } from '../../src-main/audio/steps';

const TARGET_SHARE = 0.05;
const RATE = 48000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export async function main(): Promise<number> {
  const minutes = Number(arg('minutes') ?? 60);
  const corpus = resolve(process.cwd(), '..', 'shared', 'corpus');
  const parts: Float32Array[] = [];
  for (const f of ['en_happy_prompt.wav', 'speed_prompt.wav', 'zero_shot_en_prompt.wav', 'paralingustic_prompt.wav']) {
    const a = await decodeFile(join(corpus, f));
    parts.push(a.sampleRate === RATE ? a.channels[0]! : resampleChannel(a.channels[0]!, a.sampleRate, RATE));
    parts.push(new Float32Array(Math.round(0.4 * RATE)));
  }
  const n = Math.round(minutes * 60 * RATE);
  const x = new Float32Array(n);
  for (let o = 0, k = 0; o < n; k++) {
    const p = parts[k % parts.length]!;
    x.set(p.subarray(0, Math.min(p.length, n - o)), o);
    o += p.length;
  }
  const audio = { sampleRate: RATE, channels: [x] };
  const t0 = performance.now();
  const m = await analyze(audio);
  const analyzeMs = performance.now() - t0;
  const bounds: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    checkAudioLimits(audio, 'analyse');
    runSync(firstBadSampleSteps(audio));
    bounds.push(performance.now() - t);
  }
  const boundsMs = bounds.sort((a, b) => a - b)[1]!;
  const share = boundsMs / analyzeMs;
  console.log(
    `analyze, ${minutes} min at ${RATE} Hz mono: ${(analyzeMs / 1000).toFixed(1)} s (${m.segments.length} speech segments); ` +
      `input bounds ${boundsMs.toFixed(0)} ms = ${(100 * share).toFixed(2)} % of it (target ≤ ${100 * TARGET_SHARE} %: ${share <= TARGET_SHARE ? 'met' : 'MISSED'})`,
  );
  return share <= TARGET_SHARE ? 0 : 1;
}
