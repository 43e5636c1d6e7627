// Display formatting: times, sizes, and the free-form take metrics (known keys get units and translated labels, the
// rest key: value).

import { t, tn, type MessageKey } from './i18n.svelte';

export function formatTime(sec: number, withMillis = true): string {
  if (!Number.isFinite(sec) || sec < 0) sec = 0;
  const m = Math.floor(sec / 60);
  const s = sec - m * 60;
  const whole = Math.floor(s);
  const base = `${m}:${String(whole).padStart(2, '0')}`;
  if (!withMillis) return base;
  return `${base}.${String(Math.floor((s - whole) * 1000)).padStart(3, '0')}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

export interface MetricItem {
  key: string;
  label: string;
  value: string;
  /** Change against the parent take, when the take carries one. */
  delta?: string;
  /** Direction of the change, for colouring. */
  trend?: 'up' | 'down' | 'same';
}

/** A signed change with a real minus sign; a change that rounds to zero reads ±0. */
export function signed(d: number, digits: number, unit: string): string {
  const text = Math.abs(d).toFixed(digits);
  const zero = Number(text) === 0;
  return `${zero ? '±' : d > 0 ? '+' : '−'}${text}${unit}`;
}

/** A fixed-point number with a typographic minus. */
export function fixed(v: number, digits: number): string {
  return v.toFixed(digits).replace('-', '−');
}

/** A ratio as a factor (×1.25); a factor that rounds to 1 reads ×1.00. */
export function factor(r: number): string {
  return `×${r.toFixed(2)}`;
}

type DeltaSource =
  /** deltas[key] is child − parent, shown with `digits` and `unit` after multiplying by `scale`. */
  | { key: string; kind: 'diff'; digits: number; unit: string; scale?: number }
  /** deltas[key] is child / parent. */
  | { key: string; kind: 'ratio' };

interface Known {
  /** Catalogue key of the label. */
  label: MessageKey;
  value: (v: number) => string;
  /** Where the change against the parent is found; the first present wins. */
  deltas: DeltaSource[];
  /** Shown on the take row; the others go under "more". */
  primary: boolean;
}

// The studio's analysis (src-main/audio/analysis/metrics.ts) stores these metrics and, against the parent take,
// differences for log-scale quantities (st, LU, dB) and ratios for durations and rates. A delta under the metric's
// own name is read as a plain difference.
const KNOWN: Record<string, Known> = {
  f0MedianHz: {
    label: 'metric.f0',
    value: (v) => `${fixed(v, 0)} Hz`,
    deltas: [
      { key: 'f0MedianSt', kind: 'diff', digits: 1, unit: ' st' },
      { key: 'f0MedianHz', kind: 'diff', digits: 0, unit: ' Hz' },
    ],
    primary: true,
  },
  loudnessLufs: {
    label: 'metric.loudness',
    value: (v) => `${fixed(v, 1)} LUFS`,
    deltas: [
      { key: 'loudnessLu', kind: 'diff', digits: 1, unit: ' LU' },
      { key: 'loudnessLufs', kind: 'diff', digits: 1, unit: ' LU' },
    ],
    primary: true,
  },
  durationSec: {
    label: 'metric.length',
    value: (v) => `${fixed(v, 2)} s`,
    deltas: [
      { key: 'durationRatio', kind: 'ratio' },
      { key: 'durationSec', kind: 'diff', digits: 2, unit: ' s' },
    ],
    primary: true,
  },
  speechSec: {
    label: 'metric.speech',
    value: (v) => `${fixed(v, 2)} s`,
    deltas: [
      { key: 'speechSecRatio', kind: 'ratio' },
      { key: 'speechSec', kind: 'diff', digits: 2, unit: ' s' },
    ],
    primary: true,
  },
  voicedRatio: {
    label: 'metric.voiced',
    value: (v) => `${fixed(v * 100, 0)}%`,
    deltas: [{ key: 'voicedRatio', kind: 'diff', digits: 0, unit: ' pts', scale: 100 }],
    primary: true,
  },
  speakingRateSyllPerSec: {
    label: 'metric.rate',
    value: (v) => `${fixed(v, 1)} syll/s`,
    deltas: [
      { key: 'speakingRateRatio', kind: 'ratio' },
      { key: 'speakingRateSyllPerSec', kind: 'diff', digits: 1, unit: ' syll/s' },
    ],
    primary: true,
  },
  f0RangeSt: {
    label: 'metric.f0Range',
    value: (v) => `${fixed(v, 1)} st`,
    deltas: [{ key: 'f0RangeSt', kind: 'diff', digits: 1, unit: ' st' }],
    primary: false,
  },
  loudnessRangeLu: { label: 'metric.loudnessRange', value: (v) => `${fixed(v, 1)} LU`, deltas: [], primary: false },
  truePeakDbtp: {
    label: 'metric.truePeak',
    value: (v) => `${fixed(v, 1)} dBTP`,
    deltas: [{ key: 'truePeakDb', kind: 'diff', digits: 1, unit: ' dB' }],
    primary: false,
  },
  samplePeakDbfs: { label: 'metric.samplePeak', value: (v) => `${fixed(v, 1)} dBFS`, deltas: [], primary: false },
};

/** Bookkeeping of the analysis, not a property of the take worth showing. */
const HIDDEN = new Set(['analysisVersion', 'sampleRate', 'channels', 'f0MedianSt']);
/** Deltas that repeat another delta in a different form. */
const REDUNDANT_DELTAS = new Set(['f0RangeRatio', 'voicedRatioRatio']);

function plain(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || v === null) return String(v);
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export interface MetricsSummary {
  /** The headline metrics for the take row (known keys, with their change against the parent). */
  primary: MetricItem[];
  /** Everything else worth reading: other known metrics, then unknown keys as `key: value`. */
  more: MetricItem[];
}

export function summarizeMetrics(
  metrics: Record<string, unknown> | null | undefined,
  deltas: Record<string, unknown> | null | undefined,
): MetricsSummary {
  const m = metrics ?? {};
  const d = deltas ?? {};
  const primary: MetricItem[] = [];
  const more: MetricItem[] = [];
  const usedMetrics = new Set<string>(HIDDEN);
  const usedDeltas = new Set<string>(REDUNDANT_DELTAS);

  for (const [key, k] of Object.entries(KNOWN)) {
    const v = m[key];
    const src = k.deltas.find((s) => num(d[s.key]));
    if (!num(v) && !src) continue;
    usedMetrics.add(key);
    const item: MetricItem = { key, label: t(k.label), value: num(v) ? k.value(v) : '—' };
    if (src) {
      usedDeltas.add(src.key);
      const dv = d[src.key] as number;
      if (src.kind === 'ratio') {
        item.delta = factor(dv);
        item.trend = item.delta === '×1.00' ? 'same' : dv > 1 ? 'up' : 'down';
      } else {
        item.delta = signed(dv * (src.scale ?? 1), src.digits, src.unit);
        item.trend = item.delta.startsWith('±') ? 'same' : dv > 0 ? 'up' : 'down';
      }
    }
    (k.primary ? primary : more).push(item);
  }
  for (const [key, v] of Object.entries(m)) {
    if (usedMetrics.has(key) || v === null || v === undefined) continue;
    if (Array.isArray(v)) {
      more.push({ key, label: key, value: tn('metric.items_one', v.length) });
      continue;
    }
    const item: MetricItem = { key, label: key, value: plain(v) };
    if (key in d && !usedDeltas.has(key)) {
      usedDeltas.add(key);
      item.delta = plain(d[key]);
    }
    more.push(item);
  }
  for (const [key, v] of Object.entries(d)) {
    if (usedDeltas.has(key) || v === null || v === undefined) continue;
    more.push({ key: `Δ${key}`, label: `Δ ${key}`, value: plain(v) });
  }
  // With no known metric at all, the plain list is the summary.
  return primary.length ? { primary, more } : { primary: more, more: [] };
}

/**
 * How far a take fell short of the loudness its engine aimed for (LU), when the engine says so: the built-in engine
 * reports it when limiting under -1 dBTP kept the output quieter than the input plus the preset's change.
 */
export function loudnessShortfall(params: Record<string, unknown>): number | null {
  const info = params.engineInfo as { loudness?: { shortfallLu?: unknown } } | undefined;
  const v = info?.loudness?.shortfallLu;
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}
