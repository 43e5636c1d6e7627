// EditX decoder benchmark on the tiny random pack (test/fixtures/generated/tiny-pack): seconds of audio decoded per
// second of wall time for outputs of 5, 10 and 30 s after a 2 s prompt, split into the flow encoder, the estimator
// (10 Euler steps, each one run of batch 2 = 20 evaluations with CFG), the vocoder graphs (F0 + trunk) and the
// TypeScript around them (prompt condition, Euler updates, window blending, source, STFT, ISTFT, copies), all in the
// same run, medians over repeats. The build machines are shared, so wall times swing with other load; the share is
// taken in the process's CPU time (inside graph runs vs outside them), which other processes do not inflate, and the
// wall-time share is printed beside it. Target: TypeScript ≤ 10 % of the CPU time at every length. Exit code 1 when
// it is missed.
// Run: npm run bench -- decoder [--quick] [--pack DIR] [--seconds 5,10,30] [--threads N]
// The tiny model's graphs are small, so the TypeScript share here is an upper bound for the published model's.

import { resolve } from 'node:path';
import { EditxDecoder } from '../../src-main/engines/editx/decoder/decoder';
import type { DecodePrompt } from '../../src-main/engines/editx/decoder/decoder';
import { loadPack } from '../../src-main/engines/editx/pack/load';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const quick = process.argv.includes('--quick');
const PACK = resolve(arg('pack') ?? 'test/fixtures/generated/tiny-pack');
const SECONDS = (arg('seconds') ?? (quick ? '5,10' : '5,10,30')).split(',').map(Number);
const REPEATS = quick ? 1 : 5;
const THREADS = Number(arg('threads') ?? 1);
const DSP_TARGET = 0.1;

/** Mixed codes for `seconds` of audio: 5 codes per 120 ms. */
function codes(seconds: number, salt: number): number[] {
  const n = Math.round((seconds / 0.12) * 5);
  return Array.from({ length: n }, (_, i) => (i % 5 < 2 ? (i * 37 + salt) % 1024 : 1024 + ((i * 101 + salt) % 4096)));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

export async function main(): Promise<number> {
  const pack = await loadPack(PACK, { variants: [] });
  const dec = await EditxDecoder.open(pack, { intraOpNumThreads: THREADS });
  const bins = dec.flow.bins;
  // A 2 s prompt: its mel is 100 frames of a smooth log-mel-like pattern, its embedding fixed.
  const promptFrames = 100;
  const mel = new Float32Array(promptFrames * bins).map((_, i) => -6 + 3 * Math.sin(i * 0.013) + Math.cos(i * 0.07));
  const prompt: DecodePrompt = {
    codes: codes(2, 7),
    mel: { data: mel, frames: promptFrames, bins },
    embedding: new Float32Array(dec.flow.component.config.spkEmbedDim).map((_, i) => Math.sin(i)),
  };
  for (const s of SECONDS) await dec.decode(codes(s, 99), prompt); // warm-up: JIT and onnxruntime's shapes
  console.log(`pack ${PACK}, ${THREADS} intra-op thread(s), ${REPEATS} repeat(s) interleaved, medians`);
  console.log('| output s | windows | audio s / s | encoder ms | estimator ms (10×2) | vocoder graphs ms | TypeScript ms (vocoder DSP) | TypeScript share of CPU time | of wall time |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  let ok = true;
  type Row = { total: number; enc: number; est: number; voc: number; dsp: number; vdsp: number; cpuShare: number; windows: number };
  const byLength = new Map<number, Row[]>(SECONDS.map((s) => [s, []]));
  for (let r = 0; r < REPEATS; r++) {
    for (const s of SECONDS) {
      const res = await dec.decode(codes(s, r), prompt, { seed: r });
      const t = res.timings;
      byLength.get(s)?.push({ total: t.totalMs, enc: t.encoderMs, est: t.estimatorMs, voc: t.vocoderGraphMs, dsp: t.dspMs, vdsp: t.vocoderDspMs, cpuShare: t.dspCpuMs / (t.dspCpuMs + t.graphCpuMs), windows: res.windows });
    }
  }
  for (const s of SECONDS) {
    const rows = byLength.get(s) as Row[];
    const total = median(rows.map((x) => x.total));
    const dsp = median(rows.map((x) => x.dsp / x.total));
    const cpuShare = median(rows.map((x) => x.cpuShare));
    const dspMs = median(rows.map((x) => x.dsp));
    ok &&= cpuShare <= DSP_TARGET;
    console.log(
      `| ${s} | ${rows[0]?.windows} | ${(s / (total / 1000)).toFixed(2)} | ${median(rows.map((x) => x.enc)).toFixed(0)} | ` +
        `${median(rows.map((x) => x.est)).toFixed(0)} | ${median(rows.map((x) => x.voc)).toFixed(0)} | ${dspMs.toFixed(0)} (${median(rows.map((x) => x.vdsp)).toFixed(0)}) | ` +
        `${(100 * cpuShare).toFixed(1)} % | ${(100 * dsp).toFixed(1)} % |`,
    );
  }
  await dec.release();
  console.log(ok ? `Target met: TypeScript ≤ ${100 * DSP_TARGET} % of the CPU time.` : `Target missed: TypeScript above ${100 * DSP_TARGET} % of the CPU time.`);
  return ok ? 0 : 1;
}
