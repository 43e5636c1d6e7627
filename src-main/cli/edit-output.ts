// What `retake edit` and `retake clone` share: the EditX options (--pack, --provider) and the one JSON object
// `--json` prints about a written result.

import { durationSeconds, type AudioData } from '../audio/types';
import type { EditxEngineOptions } from '../engines/editx/engine';
import { EDITX_PROVIDERS, type EditxProvider } from '../engines/editx/locate';
import { UsageError } from './table';

/** The EditX options a command declares. */
export const EDITX_OPTIONS = {
  pack: { type: 'string', usage: '[--pack DIR]' },
  provider: { type: 'string', usage: '[--provider auto|cpu|gpu]' },
  'max-new-ids': { type: 'string', usage: '[--max-new-ids N]' },
} as const;

/** The EditX engine's options from the command line; `quiet` drops its session log lines. */
export function editxOptions(
  v: { pack?: string | undefined; provider?: string | undefined; 'max-new-ids'?: string | undefined },
  quiet: boolean,
): Partial<EditxEngineOptions> {
  const provider = v.provider;
  if (provider !== undefined && !(EDITX_PROVIDERS as readonly string[]).includes(provider)) {
    throw new UsageError(`--provider must be ${EDITX_PROVIDERS.join(', ')} (got "${provider}").`);
  }
  let maxNewIds: number | undefined;
  if (v['max-new-ids'] !== undefined) {
    maxNewIds = Number(v['max-new-ids']);
    if (!Number.isInteger(maxNewIds) || maxNewIds < 1) throw new UsageError(`--max-new-ids must be a positive integer (got "${v['max-new-ids']}").`);
  }
  return {
    ...(v.pack !== undefined ? { pack: v.pack } : {}),
    ...(provider !== undefined ? { provider: provider as EditxProvider } : {}),
    ...(maxNewIds !== undefined ? { maxNewIds } : {}),
    ...(quiet ? { log: () => {} } : {}),
  };
}

export interface ResultJson {
  output: string;
  engine: string;
  /** Length of the written audio. */
  seconds: number;
  sampleRate: number;
  channels: number;
  /** Audio tokens the model generated for the written (last) iteration; null for engines without tokens. */
  tokens: number | null;
  /** The first iteration's seed (iteration i ran with seed + i). */
  seed: number;
  iterations: number;
  /** Wall time of the whole command. */
  elapsedSeconds: number;
  /** The engine's facts about the last iteration (EditX: pack, profile, providers, token counts, stage timings). */
  info: Record<string, unknown>;
}

export function resultJson(a: {
  output: string;
  engine: string;
  audio: AudioData;
  info: Record<string, unknown>;
  seed: number;
  iterations: number;
  t0: number;
}): ResultJson {
  const tokens = (a.info.tokens as { audio?: unknown } | undefined)?.audio;
  return {
    output: a.output,
    engine: a.engine,
    seconds: durationSeconds(a.audio),
    sampleRate: a.audio.sampleRate,
    channels: a.audio.channels.length,
    tokens: typeof tokens === 'number' ? tokens : null,
    seed: a.seed,
    iterations: a.iterations,
    elapsedSeconds: (performance.now() - a.t0) / 1000,
    info: a.info,
  };
}
