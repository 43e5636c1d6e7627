// Benchmark of region edits: the same edit (built-in engine, emotion "happy", seed 1) on a 6 s region inside a
// 10-minute recording against the same edit of that region extracted as a clip of its own, both through the one edit
// loop with the real analysis measuring the result, both under fit (the default for region edits: the edited span is
// stretched back to its length). The difference is what a region edit adds: planning the windows, splicing the result
// into the whole take, and measuring it (the changed span, merged with the take's metrics). As in the engine host,
// which decodes the take for the edit, the loop owns its input (a fresh copy each round, made outside the timing).
// Target (issue 11): that overhead ≤ 20 % of the extracted edit. Rounds alternate the two; medians are compared. The
// same pair under free (the output a new, longer or shorter, whole take) is reported beside it.
// Run with `npm run bench -- region [--repeats N]`; writes bench/results/region-<time>.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { analyze } from '../../src-main/audio/analysis';
import { decodeFile } from '../../src-main/audio/decode';
import { resampleChannel } from '../../src-main/audio/resample';
import type { AudioData } from '../../src-main/audio/types';
import { runEditLoop, sliceFrames, type RegionEdit } from '../../src-main/engines/edit-loop';
import { createProsodyEngine } from '../../src-main/engines/prosody';
import type { EditRequest } from '../../src-main/engines/types';

const RATE = 48000;
const LONG_SEC = 600;
/** The region asked for, seconds into the recording (widened to the pauses around it by the planner). */
const REGION = { from: 300, to: 306 };
const TARGET_OVERHEAD = 0.2;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function recording(corpusDir: string, seconds: number): Promise<AudioData> {
  const files = ['en_happy_prompt.wav', 'zero_shot_en_prompt.wav', 'speed_prompt.wav', 'paralingustic_prompt.wav'];
  const parts: Float32Array[] = [];
  for (const f of files) {
    const a = await decodeFile(join(corpusDir, f));
    parts.push(a.sampleRate === RATE ? a.channels[0]! : resampleChannel(a.channels[0]!, a.sampleRate, RATE));
  }
  // Utterances back to back with 0.5 s pauses, repeated to the length.
  const out = new Float32Array(seconds * RATE);
  let o = 0;
  for (let k = 0; o < out.length; k++) {
    const p = parts[k % parts.length]!;
    const n = Math.min(p.length, out.length - o);
    out.set(p.subarray(0, n), o);
    o += n + Math.round(0.5 * RATE);
  }
  return { sampleRate: RATE, channels: [out] };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function main(): Promise<number> {
  const repeats = arg('repeats', 5);
  const root = resolve(dirname(process.argv[1]!), '..', '..');
  const corpus = resolve(root, '..', 'shared', 'corpus');
  const long = await recording(corpus, LONG_SEC);
  console.log(`measuring the ${LONG_SEC / 60}-minute recording once (its stored metrics, as an imported take has them)…`);
  const t0 = performance.now();
  const metrics = { ...(await analyze(long)) } as Record<string, unknown>;
  console.log(`  full analysis: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const engine = createProsodyEngine();
  const request: EditRequest = { task: 'emotion', option: 'happy', seed: 1 };
  const signal = new AbortController().signal;
  const region: RegionEdit = {
    range: { start: REGION.from * RATE, end: REGION.to * RATE },
    widen: true,
    speech: metrics.segments as RegionEdit['speech'],
    lengthMode: 'fit',
    parentMetrics: metrics,
  };
  // The span the region edit actually changes: what the extracted clip holds.
  const probe = await runEditLoop({ engine, input: long, region, request, signal });
  const span = probe.region!.span;
  const extracted = sliceFrames(long, { start: span.parentStart, end: span.parentEnd });
  const copy = (a: AudioData): AudioData => ({ sampleRate: a.sampleRate, channels: a.channels.map((c) => c.slice()) });
  const whole = (mode: RegionEdit['lengthMode']): RegionEdit => ({ range: { start: 0, end: extracted.channels[0]!.length }, widen: false, lengthMode: mode });
  console.log(`region ${REGION.from}–${REGION.to} s widened to ${(span.parentStart / RATE).toFixed(2)}–${(span.parentEnd / RATE).toFixed(2)} s`);

  const inLong: number[] = [];
  const alone: number[] = [];
  const inLongFree: number[] = [];
  const aloneFree: number[] = [];
  let measured: string | null = null;
  const timed = async (f: () => Promise<unknown>, into: number[]) => {
    const t = performance.now();
    await f();
    into.push((performance.now() - t) / 1000);
  };
  for (let r = 0; r < repeats; r++) {
    let input = copy(long);
    await timed(async () => {
      measured = (await runEditLoop({ engine, input, ownsInput: true, region, request, signal, analyzer: analyze })).region!.measured;
    }, inLong);
    let part = copy(extracted);
    await timed(() => runEditLoop({ engine, input: part, ownsInput: true, region: whole('fit'), request, signal, analyzer: analyze }), alone);
    input = copy(long);
    await timed(() => runEditLoop({ engine, input, ownsInput: true, region: { ...region, lengthMode: 'free' }, request, signal, analyzer: analyze }), inLongFree);
    part = copy(extracted);
    await timed(() => runEditLoop({ engine, input: part, ownsInput: true, region: whole('free'), request, signal, analyzer: analyze }), aloneFree);
    console.log(
      `  round ${r + 1}: fit ${inLong.at(-1)!.toFixed(3)} s in the recording, ${alone.at(-1)!.toFixed(3)} s extracted; ` +
        `free ${inLongFree.at(-1)!.toFixed(3)} s, ${aloneFree.at(-1)!.toFixed(3)} s`,
    );
  }
  const a = median(inLong);
  const b = median(alone);
  const overhead = a / b - 1;
  const overheadFree = median(inLongFree) / median(aloneFree) - 1;
  const rows = [
    ['fit: region inside the 10-minute recording', a],
    ['fit: the same region extracted, edited whole', b],
    ['free: region inside the 10-minute recording', median(inLongFree)],
    ['free: the same region extracted, edited whole', median(aloneFree)],
  ] as const;
  console.log('\n| run | median s |\n| --- | --- |');
  for (const [what, s] of rows) console.log(`| ${what} | ${s.toFixed(3)} |`);
  console.log(
    `\nmeasured: ${measured}; overhead of planning, splicing and measuring: ${(overhead * 100).toFixed(1)} % under fit ` +
      `(target ≤ ${TARGET_OVERHEAD * 100} %), ${(overheadFree * 100).toFixed(1)} % under free`,
  );
  const out = join(root, 'bench', 'results', `region-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      { cpus: cpus()[0]?.model, repeats, region: REGION, span: { start: span.parentStart / RATE, end: span.parentEnd / RATE }, inLong, alone, inLongFree, aloneFree, overhead, overheadFree, measured },
      null,
      2,
    ),
  );
  console.log(`wrote ${out}`);
  await engine.dispose?.();
  return overhead <= TARGET_OVERHEAD ? 0 : 1;
}
