// `retake debug tokens IN --pack DIR [--json] [--ids]`: the EditX audio tokens of a file, as the engine computes them
// (the 16 kHz preprocessing, vq02 and vq06 from the pack, the 2:3 interleave). Prints the counts — vq02, vq06, groups,
// interleaved length, seconds of tokenizer input — and with --ids the codes and the LM ids; a take at another rate
// than 16 kHz is resampled and the output says from what.

import path from 'node:path';
import { decodeFile } from '../audio/decode';
import { durationSeconds } from '../audio/types';
import { loadPack } from '../engines/editx/pack/load';
import { AUDIO_FEATURES_FRONT_END } from '../engines/editx/tokenizer/front-end';
import { AudioTokenizer, type TokenizerFrontEnd } from '../engines/editx/tokenizer/tokenize';
import { defineCommand, UsageError } from './table';

export interface DebugTokensArgs {
  input: string;
  pack: string;
  json?: boolean;
  ids?: boolean;
}

export interface DebugTokensReport {
  file: string;
  /** Seconds of the file as decoded. */
  inputSeconds: number;
  sampleRate: number;
  /** The file's rate when it was resampled to 16 kHz, null when it was 16 kHz. */
  resampledFrom: number | null;
  /** Seconds of tokenizer input (trimmed, with the reference's length rule). */
  seconds: number;
  vq02: number;
  vq06: number;
  groups: number;
  interleaved: number;
  /** The pack's vq06 model is the tiny random stand-in. */
  vq06StandIn: boolean;
  ids?: { vq02: number[]; vq06: number[]; codes: number[]; lm: number[] };
}

export async function debugTokensReport(args: DebugTokensArgs, frontEnd: TokenizerFrontEnd = AUDIO_FEATURES_FRONT_END): Promise<DebugTokensReport> {
  const file = path.resolve(args.input);
  const audio = await decodeFile(file);
  const pack = await loadPack(args.pack, { variants: [] });
  const tok = await AudioTokenizer.open(pack, frontEnd);
  try {
    const t = await tok.tokenize(audio);
    return {
      file,
      inputSeconds: durationSeconds(audio),
      sampleRate: audio.sampleRate,
      resampledFrom: t.resampledFrom,
      seconds: t.seconds,
      vq02: t.vq02.length,
      vq06: t.vq06.length,
      groups: t.groups,
      interleaved: t.codes.length,
      vq06StandIn: tok.vq06.component.standIn,
      ...(args.ids ? { ids: { vq02: Array.from(t.vq02), vq06: Array.from(t.vq06), codes: t.codes, lm: t.ids } } : {}),
    };
  } finally {
    await tok.release();
  }
}

export async function debugTokens(args: DebugTokensArgs): Promise<string> {
  const r = await debugTokensReport(args);
  if (args.json) return JSON.stringify(r);
  const lines = [
    `${r.file}: ${r.inputSeconds.toFixed(2)} s at ${r.sampleRate} Hz${r.resampledFrom !== null ? ` (resampled from ${r.resampledFrom} Hz to 16 kHz)` : ''}`,
    `tokenizer input ${r.seconds.toFixed(2)} s: vq02 ${r.vq02}, vq06 ${r.vq06}${r.vq06StandIn ? ' (stand-in model)' : ''}, ` +
      `${r.groups} groups, ${r.interleaved} interleaved tokens`,
  ];
  if (r.ids) {
    lines.push(`vq02: ${r.ids.vq02.join(' ')}`, `vq06: ${r.ids.vq06.join(' ')}`, `lm ids: ${r.ids.lm.join(' ')}`);
  }
  return lines.join('\n');
}

export const debugTokensCommand = defineCommand({
  name: 'debug tokens',
  args: 'IN',
  options: {
    pack: { type: 'string', usage: '--pack DIR' },
    json: { type: 'boolean', usage: '[--json]' },
    ids: { type: 'boolean', usage: '[--ids]' },
  },
  async run({ values: v, positionals, out }) {
    if (positionals.length !== 1) throw new UsageError('debug tokens needs exactly one input file.');
    if (typeof v.pack !== 'string') throw new UsageError('debug tokens needs --pack DIR (the tokenizers come from the pack).');
    out(await debugTokens({ input: positionals[0]!, pack: v.pack, json: v.json === true, ids: v.ids === true }));
  },
});
