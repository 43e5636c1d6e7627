// Positions as text and the ruler's ticks, in the user's choice of unit: clock time (h:mm:ss.mmm), samples, or
// SMPTE-style frames at 24, 25, 29.97 (drop-frame) or 30 fps. Everything is computed for the visible span only, so a
// ruler over an hour at sample zoom costs the same as one over a second.

export type TimeFormat = 'time' | 'samples' | 'frames-24' | 'frames-25' | 'frames-29.97' | 'frames-30';

export const TIME_FORMATS: readonly TimeFormat[] = ['time', 'samples', 'frames-24', 'frames-25', 'frames-29.97', 'frames-30'];

export function isTimeFormat(x: unknown): x is TimeFormat {
  return typeof x === 'string' && (TIME_FORMATS as readonly string[]).includes(x);
}

interface FrameRate {
  /** Frames per second as the clock runs (30000/1001 for 29.97). */
  fps: number;
  /** Frame labels per second (30 for 29.97). */
  nominal: number;
  dropFrame: boolean;
}

const FRAME_RATES: Record<Exclude<TimeFormat, 'time' | 'samples'>, FrameRate> = {
  'frames-24': { fps: 24, nominal: 24, dropFrame: false },
  'frames-25': { fps: 25, nominal: 25, dropFrame: false },
  // NTSC: 30000/1001 frames a second, labelled in drop-frame timecode (SMPTE 12M) so the label keeps to the clock.
  'frames-29.97': { fps: 30000 / 1001, nominal: 30, dropFrame: true },
  'frames-30': { fps: 30, nominal: 30, dropFrame: false },
};

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Clock time h:mm:ss.mmm; `decimals` (default 3) digits after the second, more when the ruler is finer than 1 ms. */
export function formatClock(sec: number, decimals = 3): string {
  if (!Number.isFinite(sec) || sec < 0) sec = 0;
  const scale = 10 ** decimals;
  // Round once, in units of the last digit, so 59.9996 s reads 0:01:00.000, not 0:00:60.000.
  const units = Math.round(sec * scale);
  const whole = Math.floor(units / scale);
  const frac = units - whole * scale;
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const base = `${h}:${pad(m)}:${pad(s)}`;
  return decimals > 0 ? `${base}.${pad(frac, decimals)}` : base;
}

/** Frame number (from 0) → hh:mm:ss:ff, or hh:mm:ss;ff in drop-frame (frame labels 0 and 1 skipped each minute but every tenth). */
export function formatFrames(frame: number, rate: FrameRate): string {
  let f = Math.max(0, Math.floor(frame));
  if (rate.dropFrame) {
    // SMPTE drop-frame: 2 labels dropped per minute except every 10th minute (for a nominal 30 fps).
    const drop = Math.round(rate.nominal / 15);
    const perMin = rate.nominal * 60 - drop;
    const per10 = perMin * 10 + drop;
    const tens = Math.floor(f / per10);
    const rem = f % per10;
    f += drop * 9 * tens + (rem > drop ? drop * Math.floor((rem - drop) / perMin) : 0);
  }
  const ff = f % rate.nominal;
  const totalSec = Math.floor(f / rate.nominal);
  const s = totalSec % 60;
  const m = Math.floor(totalSec / 60) % 60;
  const h = Math.floor(totalSec / 3600);
  return `${pad(h)}:${pad(m)}:${pad(s)}${rate.dropFrame ? ';' : ':'}${pad(ff)}`;
}

/** A timeline position (samples at `sampleRate`) as the chosen unit shows it. */
export function formatPosition(sample: number, sampleRate: number, format: TimeFormat): string {
  const s = Math.max(0, sample);
  if (format === 'samples') return String(Math.round(s));
  if (format === 'time') return formatClock(s / sampleRate);
  const rate = FRAME_RATES[format];
  return formatFrames(Math.floor((s / sampleRate) * rate.fps + 1e-9), rate);
}

/** A length (samples) in the chosen unit; clock lengths drop the hours when under one. */
export function formatLength(samples: number, sampleRate: number, format: TimeFormat): string {
  if (format === 'samples') return `${Math.round(samples)}`;
  if (format === 'time') {
    const text = formatClock(samples / sampleRate);
    return text.startsWith('0:') ? text.slice(2).replace(/^0(\d)/, '$1') : text;
  }
  return formatPosition(samples, sampleRate, format);
}

export interface Tick {
  /** Timeline position in samples (may be fractional for frame ticks). */
  sample: number;
  major: boolean;
  /** Text of a major tick. */
  label: string;
}

// Labels need this much room: the widest label (hh:mm:ss:ff or h:mm:ss.mmm) in the ruler's 10.5 px monospace.
export const MIN_LABEL_PX = 84;

const CLOCK_STEPS = [
  0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600,
  900, 1800, 3600, 7200,
];

/** 1, 2, 5 × 10^k up to far beyond an hour at 48 kHz. */
const SAMPLE_STEPS = Array.from({ length: 33 }, (_, i) => [1, 2, 5][i % 3]! * 10 ** Math.floor(i / 3));

/** Steps in frames for a frame rate: single frames, then seconds, minutes and hours. */
function frameSteps(nominal: number): number[] {
  const sec = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
  const frames = [1, 2, 5, 10].filter((f) => f < nominal);
  return [...frames, ...sec.map((s) => s * nominal)];
}

/**
 * The ruler's ticks between `from` and `to` (samples), major ticks at least `minLabelPx` apart at `samplesPerPixel`,
 * each with a minor tick halfway. Clock labels show milliseconds only when the step needs them.
 */
export function rulerTicks(
  from: number,
  to: number,
  samplesPerPixel: number,
  sampleRate: number,
  format: TimeFormat,
  minLabelPx = MIN_LABEL_PX,
): Tick[] {
  const minStepSamples = minLabelPx * samplesPerPixel;
  let stepSamples: number;
  let label: (sample: number) => string;
  if (format === 'time') {
    const step = CLOCK_STEPS.find((s) => s * sampleRate >= minStepSamples) ?? CLOCK_STEPS[CLOCK_STEPS.length - 1]!;
    stepSamples = step * sampleRate;
    const decimals = step >= 1 ? 0 : step >= 0.001 ? 3 : 4;
    label = (s) => formatClock(s / sampleRate, decimals);
  } else if (format === 'samples') {
    stepSamples = SAMPLE_STEPS.find((s) => s >= minStepSamples) ?? SAMPLE_STEPS[SAMPLE_STEPS.length - 1]!;
    label = (s) => String(Math.round(s));
  } else {
    const rate = FRAME_RATES[format];
    const perFrame = sampleRate / rate.fps;
    const steps = frameSteps(rate.nominal);
    const frames = steps.find((f) => f * perFrame >= minStepSamples) ?? steps[steps.length - 1]!;
    stepSamples = frames * perFrame;
    label = (s) => formatFrames(Math.round(s / perFrame), rate);
  }
  const out: Tick[] = [];
  const first = Math.max(0, Math.floor(from / stepSamples));
  for (let i = first; i * stepSamples <= to; i++) {
    const sample = i * stepSamples;
    out.push({ sample, major: true, label: label(sample) });
    const half = sample + stepSamples / 2;
    if (half <= to) out.push({ sample: half, major: false, label: '' });
  }
  return out;
}
