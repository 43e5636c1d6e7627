// Which LM variant to run when the user has not chosen one ("auto"): the most precise variant of the pack whose
// memory fits the device's free memory next to the other EditX stages. Pure (numbers in, choice out); the free memory
// is measured by the caller (./memory.ts).

import type { LmComponent, LmVariant } from '../pack/manifest';
import { variantQualityProblem } from '../pack/quality';
import type { LmDevice } from './ort-lm';

/** Most precise first. On a GPU fp16 is the reference's own precision and fp32 only doubles the memory. */
const PREFERENCE: Record<LmDevice, readonly LmVariant['dtype'][]> = {
  cpu: ['fp32', 'fp16', 'int8', 'int4'],
  gpu: ['fp16', 'fp32', 'int8', 'int4'],
};

/**
 * Memory the other stages hold while the LM runs: vq02 0.63 GB (bench/tokenizer, fp32), vq06 0.52 GB (the published
 * ONNX), flow + HiFT ≈ 0.5 GB (the published checkpoints' fp32 size, until they are measured here), plus ≈ 0.25 GB
 * of onnxruntime and Node runtime (bench/lm --full-size: the int4 and int8 LMs' resident memory after load minus
 * their files' bytes and their 0.26 GB cache, 0.25 GB each), rounded up.
 */
export const OTHER_STAGES_BYTES = 2.0e9;

/** Bytes of KV cache per position and layer: keys and values, groups × headDim each. */
function kvBytes(lm: LmComponent, v: LmVariant, positions: number): number {
  const c = lm.config;
  return positions * c.numLayers * 2 * c.numGroups * c.headDim * (v.kvDtype === 'float16' ? 2 : 4);
}

/** The memory a variant needs: its files (weights are loaded or mapped whole) plus its cache at `maxTotalIds`. */
export function lmVariantBytes(lm: LmComponent, v: LmVariant, maxTotalIds = lm.generation.maxTotalIds): number {
  return v.files.reduce((s, f) => s + f.bytes, 0) + kvBytes(lm, v, maxTotalIds - 1);
}

export interface VariantCandidate {
  name: string;
  dtype: LmVariant['dtype'];
  bytes: number;
  /** Why it was passed over, or null for the chosen one and those after it. */
  skipped: string | null;
}

export interface VariantChoice {
  name: string;
  /** One sentence for the log and the Settings page. */
  reason: string;
  /** False when nothing fits and the smallest variant is returned anyway. */
  fits: boolean;
  candidates: VariantCandidate[];
}

const gb = (b: number): string => `${(b / 1e9).toFixed(1)} GB`;

/**
 * The default variant for `device` given `freeBytes` of free memory (RAM for the CPU, the GPU's own memory for a
 * GPU): the first variant in the device's order of precision whose bytes plus `reserveBytes` fit, variants with a
 * measured quality (or none needed) before quantized ones the pack builder could not measure. Variants of the
 * 'present' cache layout, quantized variants under the quality gate and (with `only`) variants not listed there (e.g.
 * not downloaded) are never chosen.
 */
export function chooseLmVariant(
  lm: LmComponent,
  device: LmDevice,
  freeBytes: number,
  opts: { maxTotalIds?: number; reserveBytes?: number; only?: readonly string[] } = {},
): VariantChoice {
  const reserve = opts.reserveBytes ?? OTHER_STAGES_BYTES;
  const usable = Object.entries(lm.variants).filter(
    ([name, v]) => v.kvIo === 'append' && !variantQualityProblem(name, v) && (!opts.only || opts.only.includes(name)),
  );
  const order = (d: LmVariant['dtype']): number => PREFERENCE[device].indexOf(d);
  // Variants whose quality was measured (or that need no gate) come before those the pack builder could not measure.
  const unmeasured = (v: LmVariant): number => (v.quantization && !v.quality ? 1 : 0);
  usable.sort(([an, a], [bn, b]) => unmeasured(a) - unmeasured(b) || order(a.dtype) - order(b.dtype) || an.localeCompare(bn));
  if (usable.length === 0) throw new Error('the pack has no usable LM variant');
  const candidates: VariantCandidate[] = usable.map(([name, v]) => ({
    name,
    dtype: v.dtype,
    bytes: lmVariantBytes(lm, v, opts.maxTotalIds),
    skipped: null,
  }));
  const where = device === 'gpu' ? 'on the GPU' : 'in RAM';
  for (const c of candidates) {
    if (c.bytes + reserve <= freeBytes) {
      return {
        name: c.name,
        fits: true,
        candidates,
        reason: `${c.name}: needs ${gb(c.bytes)} + ${gb(reserve)} for the other stages, ${gb(freeBytes)} free ${where}`,
      };
    }
    c.skipped = `needs ${gb(c.bytes)} + ${gb(reserve)}, ${gb(freeBytes)} free ${where}`;
  }
  const smallest = candidates.reduce((a, b) => (b.bytes < a.bytes ? b : a));
  smallest.skipped = null;
  return {
    name: smallest.name,
    fits: false,
    candidates,
    reason: `${smallest.name}: no variant fits ${gb(freeBytes)} free ${where} with ${gb(reserve)} for the other stages; the smallest (${gb(smallest.bytes)}) may run out of memory`,
  };
}
