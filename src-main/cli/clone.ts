// `retake clone --prompt IN --prompt-text "…" --text "…" -o OUT`: speaks new text in the voice of a recorded prompt with
// the EditX engine (its `clone` task: the prompt is the input, its transcript the text, the new line the new text),
// through the one edit loop in this process, written once at the end. `--pack DIR` / `--provider` as for `retake edit`.

import { displayPath } from '../audio/file-read';
import { encodeWav } from '../audio/wav';
import { runEditLoop } from '../engines/edit-loop';
import { EngineRegistry } from '../engines/registry';
import { checkOutput, writeOutput } from './edit';
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
    overwrite: { type: 'boolean', usage: '[--overwrite]' },
    json: { type: 'boolean', usage: '[--json]' },
    quiet: { type: 'boolean', short: 'q' },
  },
  async run({ values: v, positionals, out, path }) {
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
    const promptPath = path(v.prompt);
    const outPath = path(v.output);
    await checkOutput(outPath, promptPath, !!v.overwrite);
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
        input: promptPath,
        request: { task: 'clone', text: v['prompt-text'], newText: v.text, seed },
        signal: ac.signal,
        progress: (p, stage) => {
          if (showProgress) process.stderr.write(`\r${Math.round(p * 100)}% ${stage ?? ''}`.padEnd(60));
        },
      });
      if (showProgress) process.stderr.write('\r'.padEnd(61) + '\r');
      await writeOutput(outPath, encodeWav(audio, format));
      if (v.json) out(JSON.stringify(resultJson({ output: displayPath(outPath), engine: 'editx', audio, info, seed, iterations: 1, t0 })));
      else if (!v.quiet) out(`wrote ${displayPath(outPath)} (${((performance.now() - t0) / 1000).toFixed(2)} s)`);
    } finally {
      await registry.dispose();
    }
  },
});
