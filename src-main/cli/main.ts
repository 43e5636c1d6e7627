// `retake`: the headless command line over the same engines and audio code as the app. The commands are a table
// (./commands.ts); the usage text is derived from it:
//   retake edit IN -o OUT --engine prosody|editx --task T [--option O] [--text …] [--new-text …] [--intensity X]
//               [--iterations N] [--seed S] [--format pcm16|pcm24|float32] [--pack DIR] [--provider P] [--overwrite] [--json]
//   retake clone [--pack DIR] --prompt IN --prompt-text … --text … -o OUT [--seed S] [--overwrite] [--json]
//   retake info [--json]
//   retake analyze IN [--json]
//   retake debug prompt --task T [--option O] --text … [--new-text …] [--audio-tokens …] [--pack DIR --ids]
//   retake debug tokens IN --pack DIR [--json] [--ids]
//   retake debug decode --pack DIR --codes FILE.json --prompt IN [--seed S] -o OUT.wav [--mel FILE.npy]
// Exit 0 on success; on bad input one line on stderr and a non-zero exit (2 for usage, 1 otherwise). An output that is
// the input file is refused unless --overwrite; file arguments that are not valid UTF-8 are read as bytes (./paths).

import { RetakeError } from '../contract/errors';
import { COMMANDS } from './commands';
import { findCommand, runCommand, usageText, UsageError } from './table';

/** Runs the CLI; returns the exit code. Output goes through the given writers (tests capture them). */
export async function run(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s + '\n'),
  err: (s: string) => void = (s) => process.stderr.write(s + '\n'),
  /** The raw bytes of `argv` when some are not valid UTF-8 (./paths rawArgs), so such file names can be opened. */
  raw: readonly Buffer[] | null = null,
): Promise<number> {
  const [cmd] = argv;
  try {
    if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
      out(usageText(COMMANDS));
      return 0;
    }
    if (cmd === undefined) {
      err(usageText(COMMANDS));
      return 2;
    }
    const { command, rest } = findCommand(COMMANDS, argv);
    await runCommand(command, rest, out, raw ? raw.slice(raw.length - rest.length) : null);
    return 0;
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
