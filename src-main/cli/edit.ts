// `retake edit IN -o OUT …`: one engine edit of a file through the one edit loop (src-main/engines/edit-loop.ts),
// in this process (no project, no host), written once at the end in the format asked for. `--pack DIR` and
// `--provider` choose EditX's model pack and execution providers (otherwise: engines/editx/locate.ts); `--json`
// prints one JSON object about the result (./edit-output.ts).

import { promises as fsp } from 'node:fs';
import { RetakeError } from '../contract/errors';
import { displayPath, type FilePath } from '../audio/file-read';
import { encodeWav } from '../audio/wav';
import { runEditLoop } from '../engines/edit-loop';
import { EngineRegistry } from '../engines/registry';
import { EDITX_OPTIONS, editxOptions, resultJson } from './edit-output';
import { dirOf, sameFile, withSuffix } from './paths';
import { defineCommand, UsageError } from './table';

function num(name: string, v: string | undefined, min: number, max: number, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (got "${v}").`);
  }
  return n;
}

/**
 * Fails before any work when the output cannot be written (a missing folder, or a folder in the file's place), or
 * when it is the input itself and `overwrite` was not given: the input would be replaced by the result.
 */
export async function checkOutput(file: FilePath, input?: FilePath, overwrite = false): Promise<void> {
  const dir = await fsp.stat(dirOf(file)).catch(() => null);
  if (!dir?.isDirectory()) throw new RetakeError('E_FILE_NOT_FOUND', `The output folder ${displayPath(dirOf(file))} does not exist.`);
  const st = await fsp.stat(file).catch(() => null);
  if (st?.isDirectory()) throw new RetakeError('E_IO', `The output ${displayPath(file)} is a folder; give a file name such as out.wav.`);
  if (input !== undefined && !overwrite && (await sameFile(file, input))) {
    throw new UsageError(`The output ${displayPath(file)} is the input file: writing it would replace the recording. Give another -o, or add --overwrite to replace it.`);
  }
}

/** Writes `bytes` as `file` through `file.part` and a rename, so a failure leaves no half-written output. */
export async function writeOutput(file: FilePath, bytes: Uint8Array): Promise<void> {
  const tmp = withSuffix(file, '.part');
  try {
    await fsp.writeFile(tmp, bytes);
    await fsp.rename(tmp, file);
  } catch (e) {
    throw new RetakeError('E_IO', `Could not write ${displayPath(file)}: ${(e as Error).message}.`);
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

export const editCommand = defineCommand({
  name: 'edit',
  args: 'IN',
  options: {
    output: { type: 'string', short: 'o', usage: '-o OUT' },
    engine: { type: 'string', default: 'prosody', usage: '--engine prosody' },
    task: { type: 'string', usage: '--task TASK' },
    option: { type: 'string', usage: '[--option OPTION]' },
    text: { type: 'string', usage: '[--text "transcript"]' },
    'new-text': { type: 'string', usage: '[--new-text "text with [Tags]"]' },
    intensity: { type: 'string', usage: '[--intensity 0..1]' },
    iterations: { type: 'string', usage: '[--iterations N]' },
    seed: { type: 'string', usage: '[--seed S]' },
    format: { type: 'string', default: 'float32', usage: '[--format pcm16|pcm24|float32]' },
    ...EDITX_OPTIONS,
    overwrite: { type: 'boolean', usage: '[--overwrite]' },
    json: { type: 'boolean', usage: '[--json]' },
    quiet: { type: 'boolean', short: 'q' },
  },
  async run({ values: v, positionals, out, path }) {
    const input = positionals[0];
    if (!input || positionals.length > 1) throw new UsageError('edit needs exactly one input file.');
    if (typeof v.output !== 'string') throw new UsageError('edit needs an output file: -o OUT.wav');
    if (typeof v.task !== 'string') throw new UsageError('edit needs --task.');
    const format = v.format as string;
    if (format !== 'pcm16' && format !== 'pcm24' && format !== 'float32') {
      throw new UsageError(`--format must be pcm16, pcm24 or float32 (got "${format}").`);
    }
    const inPath = path(input);
    const outPath = path(v.output);
    await checkOutput(outPath, inPath, !!v.overwrite);
    const iterations = num('iterations', v.iterations, 1, 10, true) ?? 1;
    const seed = num('seed', v.seed, 0, 0xffffffff, true) ?? 0;
    const intensity = num('intensity', v.intensity, 0, 1, false);
    const quiet = !!v.quiet || !!v.json;
    const registry = EngineRegistry.fromEnv(process.env, editxOptions(v, quiet));
    try {
      const engine = registry.get(v.engine as string);
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      const showProgress = !quiet && process.stderr.isTTY;
      const t0 = performance.now();
      const { audio, info } = await runEditLoop({
        engine,
        input: inPath,
        request: {
          task: v.task,
          ...(typeof v.option === 'string' ? { option: v.option } : {}),
          ...(typeof v.text === 'string' ? { text: v.text } : {}),
          ...(typeof v['new-text'] === 'string' ? { newText: v['new-text'] } : {}),
          ...(intensity !== undefined ? { intensity } : {}),
          seed,
        },
        iterations,
        signal: ac.signal,
        progress: (p, stage) => {
          if (showProgress) process.stderr.write(`\r${Math.round(p * 100)}% ${stage ?? ''}`.padEnd(60));
        },
      });
      if (showProgress) process.stderr.write('\r'.padEnd(61) + '\r');
      await writeOutput(outPath, encodeWav(audio, format));
      if (v.json) out(JSON.stringify(resultJson({ output: displayPath(outPath), engine: v.engine as string, audio, info, seed, iterations, t0 })));
      else if (!v.quiet) out(`wrote ${displayPath(outPath)} (${((performance.now() - t0) / 1000).toFixed(2)} s)`);
    } finally {
      await registry.dispose();
    }
  },
});
