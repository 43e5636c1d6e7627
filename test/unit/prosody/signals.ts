// Synthetic test signals for the DSP unit tests.

export function harmonic(f0At: (t: number) => number, sampleRate: number, seconds: number, peak = 0.5): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  let phase = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const f0 = f0At(i / sampleRate);
    let v = 0;
    for (let k = 1; k * f0 < Math.min(5000, sampleRate / 2); k++) v += Math.sin(k * phase) / k;
    out[i] = v;
    m = Math.max(m, Math.abs(v));
    phase += (2 * Math.PI * f0) / sampleRate;
  }
  for (let i = 0; i < n; i++) out[i] = (out[i]! * peak) / m;
  return out;
}

export function impulses(n: number, first: number, every: number): Float32Array {
  const x = new Float32Array(n);
  for (let k = first; k < n; k += every) x[k] = 1;
  return x;
}

export function peaksAbove(x: Float32Array, thr: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < x.length - 1; i++) {
    const a = Math.abs(x[i]!);
    if (a > thr && a >= Math.abs(x[i - 1]!) && a > Math.abs(x[i + 1]!)) out.push(i);
  }
  return out;
}

export function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, to - from));
}
