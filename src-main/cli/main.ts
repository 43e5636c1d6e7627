// `retake`: the headless command line over the same engines and audio code as the app.
//   retake edit IN -o OUT --engine prosody --task T [--option O] [--text …] [--new-text …] [--intensity X]
//               [--iterations N] [--seed S] [--format pcm16|pcm24|float32]
//   retake info [--json]
//   retake analyze IN [--json]
//   retake debug prompt --task T [--option O] --text … [--new-text …] [--audio-tokens …] [--pack DIR [--ids]]
//                       [--profile 2025-12|2026]
// Exit 0 on success; on bad input one line on stderr and a non-zero exit (2 for usage, 1 otherwise).

import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RetakeError } from '../contract/errors';
import { decodeFile } from '../audio/decode';
import { encodeWav } from '../audio/wav';
import { analyze } from '../audio/analysis';
import { formatMetrics } from '../audio/analysis/format';
import { EngineRegistry, checkEditRequest, checkInputLength } from '../engines/registry';
import { durationSeconds, type AudioData } from '../audio/types';
import { isPromptProfile, PROMPT_PROFILES } from '../engines/editx/pack/manifest';
import { debugPrompt } from './debug-prompt';

class UsageError extends Error {}

const USAGE = `Usage:
  retake edit IN -o OUT --engine prosody --task TASK [--option OPTION] [--text "transcript"]
              [--new-text "text with [Tags]"] [--intensity 0..1] [--iterations N] [--seed S]
              [--format pcm16|pcm24|float32]
  retake info [--json]
  retake analyze IN [--json]
  retake debug prompt --task TASK [--option O] --text "…" [--new-text "…"] [--audio-tokens "…"] [--pack DIR [--ids]]
                      [--profile 2025-12|2026]`;

function num(name: string, v: string | undefined, min: number, max: number, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (got "${v}").`);
  }
  return n;
}

function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify.*$/s, '.'));
  }
}

async function cmdEdit(argv: string[], out: (s: string) => void): Promise<void> {
  const { values: v, positionals } = parse(argv, {
    output: { type: 'string', short: 'o' },
    engine: { type: 'string', default: 'prosody' },
    task: { type: 'string' },
    option: { type: 'string' },
    text: { type: 'string' },
    'new-text': { type: 'string' },
    intensity: { type: 'string' },
    iterations: { type: 'string' },
    seed: { type: 'string' },
    format: { type: 'string', default: 'float32' },
    quiet: { type: 'boolean', short: 'q' },
  });
  const input = positionals[0];
  if (!input || positionals.length > 1) throw new UsageError('edit needs exactly one input file.');
  if (typeof v.output !== 'string') throw new UsageError('edit needs an output file: -o OUT.wav');
  if (typeof v.task !== 'string') throw new UsageError('edit needs --task.');
  const format = v.format as string;
  if (format !== 'pcm16' && format !== 'pcm24' && format !== 'float32') {
    throw new UsageError(`--format must be pcm16, pcm24 or float32 (got "${format}").`);
  }
  const outPath = path.resolve(v.output);
  await checkOutput(outPath);
  const iterations = num('iterations', v.iterations as string | undefined, 1, 10, true) ?? 1;
  const seed = num('seed', v.seed as string | undefined, 0, 0xffffffff, true) ?? 0;
  const intensity = num('intensity', v.intensity as string | undefined, 0, 1, false);
  const registry = EngineRegistry.fromEnv();
  try {
    const engine = registry.get(v.engine as string);
    const caps = engine.capabilities();
    const base = {
      task: v.task,
      ...(typeof v.option === 'string' ? { option: v.option } : {}),
      ...(typeof v.text === 'string' ? { text: v.text } : {}),
      ...(typeof v['new-text'] === 'string' ? { newText: v['new-text'] } : {}),
      ...(intensity !== undefined ? { intensity } : {}),
    };
    checkEditRequest(caps, base);
    let audio: AudioData = await decodeFile(path.resolve(input));
    checkInputLength(caps, durationSeconds(audio));
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    const showProgress = !v.quiet && process.stderr.isTTY;
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) {
      const r = await engine.edit(audio, { ...base, seed: (seed + i) >>> 0, iteration: i }, {
        signal: ac.signal,
        progress: (p, stage) => {
          if (showProgress) process.stderr.write(`\r${Math.round(((i + p) / iterations) * 100)}% ${stage ?? ''}`.padEnd(60));
        },
      });
      audio = r.audio;
    }
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
    if (!v.quiet) out(`wrote ${outPath} (${((performance.now() - t0) / 1000).toFixed(2)} s)`);
  } finally {
    await registry.dispose();
  }
}

/** Fails before any work when the output cannot be written: a missing folder, or a folder in the file's place. */
async function checkOutput(file: string): Promise<void> {
  const dir = await fsp.stat(path.dirname(file)).catch(() => null);
  if (!dir?.isDirectory()) throw new RetakeError('E_FILE_NOT_FOUND', `The output folder ${path.dirname(file)} does not exist.`);
  const st = await fsp.stat(file).catch(() => null);
  if (st?.isDirectory()) throw new RetakeError('E_IO', `The output ${file} is a folder; give a file name such as out.wav.`);
}

async function cmdInfo(argv: string[], out: (s: string) => void): Promise<void> {
  const { values } = parse(argv, { json: { type: 'boolean' } });
  const registry = EngineRegistry.fromEnv();
  try {
    const engines = registry.capabilities().map((c) => ({
      id: c.id,
      name: c.name,
      version: c.version,
      available: c.available,
      ...(c.unavailableReason ? { unavailableReason: c.unavailableReason } : {}),
      description: c.description,
      tasks: Object.fromEntries(Object.entries(c.tasks).map(([t, info]) => [t, info.options])),
      needs: Object.fromEntries(
        Object.entries(c.tasks)
          .filter(([, i]) => i.needsText || i.needsNewText)
          .map(([t, i]) => [t, [...(i.needsText ? ['text'] : []), ...(i.needsNewText ? ['newText'] : [])]]),
      ),
      maxInputSeconds: c.maxInputSeconds,
    }));
    if (values.json) out(JSON.stringify({ engines }));
    else {
      for (const e of engines) {
        out(`${e.id} — ${e.name} ${e.version}${e.available ? '' : ` (unavailable: ${e.unavailableReason ?? 'unknown'})`}`);
        out(`  ${e.description}`);
        for (const [t, opts] of Object.entries(e.tasks)) out(`  ${t}${opts.length ? `: ${opts.join(', ')}` : ''}`);
      }
    }
  } finally {
    await registry.dispose();
  }
}

async function cmdAnalyze(argv: string[], out: (s: string) => void): Promise<void> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
  const input = positionals[0];
  if (!input || positionals.length > 1) throw new UsageError('analyze needs exactly one input file.');
  const metrics = await analyze(await decodeFile(path.resolve(input)));
  out(values.json ? JSON.stringify(metrics) : formatMetrics(metrics));
}

async function cmdDebug(argv: string[], out: (s: string) => void): Promise<void> {
  if (argv[0] !== 'prompt') throw new UsageError('debug has one subcommand: prompt.');
  const { values: v } = parse(argv.slice(1), {
    task: { type: 'string' },
    option: { type: 'string' },
    text: { type: 'string' },
    'new-text': { type: 'string' },
    'audio-tokens': { type: 'string' },
    pack: { type: 'string' },
    ids: { type: 'boolean' },
    profile: { type: 'string' },
  });
  if (typeof v.task !== 'string') throw new UsageError('debug prompt needs --task.');
  const profile = v.profile;
  if (profile !== undefined && !isPromptProfile(profile)) {
    throw new UsageError(`--profile must be one of ${PROMPT_PROFILES.join(', ')} (got "${String(profile)}").`);
  }
  if (v.ids && typeof v.pack !== 'string') throw new UsageError('--ids needs --pack DIR (the tokenizer comes from the pack).');
  const text = await debugPrompt({
      task: v.task,
      text: typeof v.text === 'string' ? v.text : '',
      ...(typeof v.option === 'string' ? { option: v.option } : {}),
      ...(typeof v['new-text'] === 'string' ? { newText: v['new-text'] } : {}),
      ...(typeof v['audio-tokens'] === 'string' ? { audioTokens: v['audio-tokens'] } : {}),
      ...(typeof v.pack === 'string' ? { pack: v.pack } : {}),
      ...(v.ids ? { ids: true } : {}),
      ...(profile !== undefined ? { profile } : {}),
  });
  // The prompt text ends with its own newline; `out` adds one, so print it byte-exact.
  out(text.endsWith('\n') ? text.slice(0, -1) : text);
}

/** Runs the CLI; returns the exit code. Output goes through the given writers (tests capture them). */
export async function run(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s + '\n'),
  err: (s: string) => void = (s) => process.stderr.write(s + '\n'),
): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'edit':
        await cmdEdit(rest, out);
        return 0;
      case 'info':
        await cmdInfo(rest, out);
        return 0;
      case 'analyze':
        await cmdAnalyze(rest, out);
        return 0;
      case 'debug':
        await cmdDebug(rest, out);
        return 0;
      case '--help':
      case '-h':
      case 'help':
        out(USAGE);
        return 0;
      case undefined:
        err(USAGE);
        return 2;
      default:
        throw new UsageError(`Unknown command "${cmd}". Commands: edit, info, analyze, debug.`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`retake: ${e.message}`);
      return 2;
    }
    if (e instanceof RetakeError) {
      err(`retake: ${e.message} [${e.code}]`);
      return 1;
    }
    if ((e as Error)?.name === 'AbortError') {
      err('retake: cancelled.');
      return 130;
    }
    err(`retake: unexpected error: ${(e as Error)?.message ?? String(e)} [E_INTERNAL]`);
    return 1;
  }
}
