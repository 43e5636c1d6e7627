// What the `retake pack …` commands share: RETAKE_HOME, the variant and template options, and progress lines on
// stderr (one per tenth, so a 7 GB build shows it is alive without flooding a log).

import { resolve } from 'node:path';
import { retakeHome } from '../studio/home';
import { UsageError } from './table';

/** The variants the pack builder and installer know: the float LMs and the weight-only quantized ones (int4: blocks
 *  of 128; int4-b32: blocks of 32 — models/templates/step1-3.5b, tools/export lm/weights.py). */
export const VARIANTS = ['fp16', 'fp32', 'int8', 'int4', 'int4-b32'] as const;

export function home(): string {
  return retakeHome();
}

/** "fp16", "int4", "fp32,int8" → the list; absent → undefined (every variant). */
export function parseVariants(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((x) => !(VARIANTS as readonly string[]).includes(x));
  if (list.length === 0 || bad.length > 0) throw new UsageError(`--variant must be one or more of ${VARIANTS.join(', ')}, comma-separated (got "${v}").`);
  return list;
}

/** --template DIR[,DIR…] → absolute folders. */
export function parseTemplates(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => resolve(s.trim())).filter(Boolean);
}

/** A progress callback writing "stage … 40%" to stderr at each new tenth (nothing with quiet). */
export function progressPrinter(quiet: boolean | undefined): (p: { stage: string; fraction: number }) => void {
  let last = -1;
  let lastStage = '';
  return (p) => {
    if (quiet) return;
    const tenth = Math.floor(p.fraction * 10);
    if (tenth !== last || (p.stage !== lastStage && tenth === last && p.fraction === 0)) {
      last = tenth;
      lastStage = p.stage;
      process.stderr.write(`${Math.round(p.fraction * 100)}% ${p.stage}\n`);
    }
  };
}

export function gb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** A pack argument: an existing folder (a path with a separator or a dot), else an installed pack's name. */
export function isPath(arg: string): boolean {
  return arg.includes('/') || arg.includes('\\') || arg.startsWith('.');
}
