// The shape of a `retake` command and what is derived from the table of them (./commands.ts): argument parsing
// (node:util parseArgs with the command's options, strict), the usage text (each command's positionals and the usage
// tokens of its options, wrapped at USAGE_WIDTH), and dispatch by name, including two-word names such as
// `debug prompt`. A command lives in its own module and exports `defineCommand({...})`; one line in the table adds it.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { FilePath } from '../audio/file-read';
import { argPath } from './paths';

/** A usage mistake: printed as one line with exit code 2. */
export class UsageError extends Error {}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
  /** How the usage text shows it, e.g. '[--seed S]'; absent: not shown (e.g. --quiet). */
  usage?: string;
}

type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

export interface CommandContext<O extends Record<string, OptionSpec>> {
  values: OptionValues<O>;
  positionals: string[];
  /** Writes one line to stdout. */
  out: (s: string) => void;
  /** The absolute path a file argument names (a Buffer for a name that is not UTF-8: ./paths). */
  path: (value: string) => FilePath;
}

export interface Command<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** One word, or two for a subcommand ('debug prompt'). */
  name: string;
  /** Positional arguments as the usage text shows them, e.g. 'IN'. */
  args?: string;
  options: O;
  run(ctx: CommandContext<O>): Promise<void>;
}

/** Keeps a command's option names and types for its `run` (values are typed by the options declared). */
export function defineCommand<const O extends Record<string, OptionSpec>>(c: Command<O>): Command {
  return c as unknown as Command;
}

/** Longest line of the usage text before a command's tokens wrap onto an indented line. */
const USAGE_WIDTH = 120;

/** The usage text: one entry per command, its tokens wrapped and aligned under the first argument. */
export function usageText(commands: readonly Command[]): string {
  const lines = ['Usage:'];
  for (const c of commands) {
    const head = `  retake ${c.name}`;
    const tokens = [
      ...(c.args ? [c.args] : []),
      ...Object.values(c.options).flatMap((o) => (o.usage ? [o.usage] : [])),
    ];
    let line = head;
    for (const t of tokens) {
      if (line.length + 1 + t.length > USAGE_WIDTH && line.trim() !== '') {
        lines.push(line);
        line = ' '.repeat(head.length);
      }
      line += ` ${t}`;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** The command `argv` names and the arguments after its name; a UsageError naming what exists otherwise. */
export function findCommand(commands: readonly Command[], argv: readonly string[]): { command: Command; rest: string[] } {
  const [first, second] = argv;
  const two = commands.find((c) => c.name === `${first} ${second}`);
  if (two) return { command: two, rest: argv.slice(2) };
  const one = commands.find((c) => c.name === first);
  if (one) return { command: one, rest: argv.slice(1) };
  const subs = commands.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name.slice(String(first).length + 1));
  if (subs.length === 1) throw new UsageError(`${first} has one subcommand: ${subs[0]}.`);
  if (subs.length > 1) throw new UsageError(`${first} has subcommands: ${subs.join(', ')}.`);
  const names = [...new Set(commands.map((c) => c.name.split(' ')[0]!))];
  throw new UsageError(`Unknown command "${first}". Commands: ${names.join(', ')}.`);
}

/** Parses a command's arguments strictly and runs it. `raw`: the arguments' bytes when some are not UTF-8 (./paths). */
export async function runCommand(command: Command, argv: string[], out: (s: string) => void, raw: readonly Buffer[] | null = null): Promise<void> {
  const options = Object.fromEntries(
    Object.entries(command.options).map(([k, o]) => [
      k,
      { type: o.type, ...(o.short !== undefined ? { short: o.short } : {}), ...(o.default !== undefined ? { default: o.default } : {}) },
    ]),
  ) as NonNullable<ParseArgsConfig['options']>;
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify.*$/s, '.'));
  }
  await command.run({ values: parsed.values as CommandContext<Record<string, OptionSpec>>['values'], positionals: parsed.positionals, out, path: (v) => argPath(v, raw) });
}
