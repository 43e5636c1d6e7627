// `retake clone --prompt IN --prompt-text "…" --text "…" -o OUT`: speaks new text in the voice of a recorded prompt with
// the EditX engine (its `clone` task: the prompt is the input, its transcript the text, the new line the new text),
// through the one edit loop in this process, written once at the end. `--pack DIR` / `--provider` as for `retake edit`.

import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { RetakeError } from '../contract/errors';
import { encodeWav } from '../audio/wav';
import { runEditLoop } from '../engines/edit-loop';
import { EngineRegistry } from '../engines/registry';
import { checkOutput } from './edit';
import { EDITX_OPTIONS, editxOptions, resultJson } from './edit-output';
import { defineCommand, UsageError } from './table';

export const cloneCommand = defineCommand({
  name: 'clone',
  options: {
    ...EDITX_OPTIONS,
    prompt: { type: 'string', usage: '--prompt IN' },
    'prompt-text': { type: 'string', usage: '--prompt-text "what the prompt says"' },
    text: { type: 'string', usage: '--text "the new line"' },
    output: { type: 'string', short: 'o', usage: '-o OUT' },
    seed: { type: 'string', usage: '[--seed S]' },
    format: { type: 'string', default: 'float32', usage: '[--format pcm16|pcm24|float32]' },
    json: { type: 'boolean', usage: '[--json]' },
    quiet: { type: 'boolean', short: 'q' },
  },
  async run({ values: v, positionals, out }) {
    if (positionals.length > 0) throw new UsageError('clone takes no positional arguments; give the voice prompt with --prompt IN.');
    if (typeof v.prompt !== 'string') throw new UsageError('clone needs the voice prompt: --prompt IN.');
    if (typeof v['prompt-text'] !== 'string' || !v['prompt-text'].trim()) {
      throw new UsageError('clone needs the transcript of the prompt: --prompt-text "…".');
    }
    if (typeof v.text !== 'string' || !v.text.trim()) throw new UsageError('clone needs the line to speak: --text "…".');
    if (typeof v.output !== 'string') throw new UsageError('clone needs an output file: -o OUT.wav');
    const format = v.format as string;
    if (format !== 'pcm16' && format !== 'pcm24' && format !== 'float32') {
      throw new UsageError(`--format must be pcm16, pcm24 or float32 (got "${format}").`);
    }
    let seed = 0;
    if (v.seed !== undefined) {
      seed = Number(v.seed);
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UsageError(`--seed must be an integer from 0 to ${0xffffffff} (got "${v.seed}").`);
    }
    const outPath = path.resolve(v.output);
    await checkOutput(outPath);
    const quiet = !!v.quiet || !!v.json;
    const registry = EngineRegistry.fromEnv(process.env, editxOptions(v, quiet));
    try {
      const engine = registry.get('editx');
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      const showProgress = !quiet && process.stderr.isTTY;
      const t0 = performance.now();
      const { audio, info } = await runEditLoop({
        engine,
        input: path.resolve(v.prompt),
        request: { task: 'clone', text: v['prompt-text'], newText: v.text, seed },
        signal: ac.signal,
        progress: (p, stage) => {
          if (showProgress) process.stderr.write(`\r${Math.round(p * 100)}% ${stage ?? ''}`.padEnd(60));
        },
      });
      if (showProgress) process.stderr.write('\r'.padEnd(61) + '\r');
      const tmp = `${outPath}.part`;
      try {
        await fsp.writeFile(tmp, encodeWav(audio, format));
        await fsp.rename(tmp, outPath);
      } catch (e) {
        throw new RetakeError('E_IO', `Could not write ${outPath}: ${(e as Error).message}.`);
      } finally {
        await fsp.rm(tmp, { force: true });
      }
      if (v.json) out(JSON.stringify(resultJson({ output: outPath, engine: 'editx', audio, info, seed, iterations: 1, t0 })));
      else if (!v.quiet) out(`wrote ${outPath} (${((performance.now() - t0) / 1000).toFixed(2)} s)`);
    } finally {
      await registry.dispose();
    }
  },
});
