// Packs and inputs for the EditX engine's tests on the tiny random pack. Its language model is random, so a run goes
// on until the length limit: the copies used here lower lm.generation.maxTotalIds to keep runs to a few hundred ids.

import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyPackCopy } from '../editx-lm/tiny-pack';

/** Prompt plus output ids for the tests' runs: the speed_prompt clip's edit prompt is ~530 ids on the tiny tokenizer. */
export const TEST_MAX_TOTAL_IDS = 800;

/** 41.67 tokens per second: 5 tokens per group of 3 token frames = 6 mel frames of 480 samples at 24 kHz. */
export const SECONDS_PER_GROUP = 0.12;

/** A copy of the tiny pack (links to its files) with a short generation limit and `mutate` applied to the manifest. */
export function testPack(dir: string, mutate: (m: Record<string, any>) => void = () => {}, omit: string[] = []): string {
  return tinyPackCopy(
    dir,
    (m) => {
      m.components.lm.generation.maxTotalIds = TEST_MAX_TOTAL_IDS;
      mutate(m);
    },
    omit,
  );
}

/** Replaces a linked file of a pack copy by a real copy changed by `change` (same or other size). */
export function alterFile(packDir: string, file: string, change: (b: Buffer) => Buffer): void {
  const path = join(packDir, file);
  const bytes = readFileSync(path);
  rmSync(path);
  writeFileSync(path, change(Buffer.from(bytes)));
}

/** A real copy of a linked file (so its modification time is its own). */
export function unlinkCopy(packDir: string, file: string, from: string): void {
  const path = join(packDir, file);
  rmSync(path);
  copyFileSync(join(from, file), path);
}

/** |tokens − 41.67 · seconds| within one group of 5: output length follows the generated audio tokens. */
export function lengthMatchesTokens(seconds: number, tokens: number): boolean {
  return Math.abs(tokens - seconds * (5 / SECONDS_PER_GROUP)) <= 5 + 1e-6;
}
