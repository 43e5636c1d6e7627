// The quality gate of weight-only quantized LM variants, on the app's side: the exporter measures each int8/int4
// variant against fp32 and records it in the manifest (tools/export/retake_export/lm/quality.py); a variant whose
// recorded top-1 agreement is under the gate is refused when it is asked for, whatever the pack says about itself.

import { RetakeError } from '../../../contract/errors';
import type { LmVariant } from './manifest';

/**
 * Least share of positions where a quantized variant's top-1 id must equal fp32's, per weight type. The exporter's
 * MIN_TOP1_AGREEMENT (tools/export/retake_export/lm/quality.py); why these values: tools/export/README.md "Quality
 * gate": int8 must be nearly lossless even where fp32's choices are near-ties; int4's bar separates honest 4-bit
 * noise (which on random-weight models already loses most near-tie choices) from broken weights.
 */
export const MIN_TOP1_AGREEMENT = { int8: 0.9, int4: 0.25 } as const;

/**
 * Why a variant must not be used, or null. Variants without a quantization (fp32, fp16) have no gate.
 *
 * A variant the pack builder could not measure (`qualityNotMeasured`: no fp32 reference or no memory for it) is
 * usable: its bytes are those of the exporter's quantizer (test/integration/pack-build/quantized.test.ts), and the
 * exporter's measurements of the same schemes pass the gate on the tiny and the full-size models, so what it has not
 * measured is these particular weights, not the method; refusing it would leave the machines that cannot hold fp32 —
 * those int4 is for — without an LM. "auto" prefers measured variants (../lm/variant-choice.ts) and the Models page
 * and `retake pack verify` say it was not measured (variantQualityNote).
 */
export function variantQualityProblem(name: string, v: LmVariant): string | null {
  if (!v.quantization) return null;
  const q = v.quality;
  if (!q && v.qualityNotMeasured) return null;
  if (!q) return `LM variant "${name}" (${v.dtype}) has no recorded quality measurement`;
  const min = MIN_TOP1_AGREEMENT[v.dtype as keyof typeof MIN_TOP1_AGREEMENT];
  if (!(q.top1Agreement >= min)) {
    return (
      `LM variant "${name}" (${v.dtype}) agrees with fp32 on the top-1 id at only ${(100 * q.top1Agreement).toFixed(1)} % ` +
      `of ${q.positions} positions; Retake needs at least ${100 * min} % for ${v.dtype}`
    );
  }
  return null;
}

export function assertVariantQuality(name: string, v: LmVariant, where: string): void {
  const problem = variantQualityProblem(name, v);
  if (problem) {
    throw new RetakeError('E_ENGINE_UNAVAILABLE', `${problem} (${where}). Choose another variant or re-export the pack.`, {
      variant: name,
    });
  }
}

/** A usable variant's caveat for the Models page and `retake pack verify`: its quality was not measured, and why. */
export function variantQualityNote(name: string, v: LmVariant): string | null {
  if (!v.quantization || v.quality || !v.qualityNotMeasured) return null;
  return `LM variant "${name}" (${v.dtype}): quality gate not measured (${v.qualityNotMeasured})`;
}
