// The CLI's command table: the usage text, parsing and dispatch all come from the table, so a new command (such as
// a `debug` subcommand in its own module) is one entry.

import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src-main/cli/commands';
import { run } from '../../../src-main/cli/main';
import { defineCommand, findCommand, runCommand, usageText, UsageError } from '../../../src-main/cli/table';

const sample = defineCommand({
  name: 'debug sample',
  args: 'IN',
  options: { pack: { type: 'string', usage: '--pack DIR' }, json: { type: 'boolean', usage: '[--json]' } },
  async run({ values, positionals, out }) {
    out(`${positionals[0]} ${values.pack} ${values.json === true}`);
  },
});

describe('command table', () => {
  it('derives the usage text, wrapping long synopses under the first argument', () => {
    const text = usageText(COMMANDS);
    expect(text.split('\n').slice(0, 5)).toEqual([
      'Usage:',
      '  retake edit IN -o OUT --engine prosody --task TASK [--option OPTION] [--text "transcript"]',
      '              [--new-text "text with [Tags]"] [--intensity 0..1] [--iterations N] [--seed S]',
      '              [--format pcm16|pcm24|float32] [--pack DIR] [--provider auto|cpu|gpu] [--variant auto|int4|int8|fp16|fp32]',
      '              [--max-new-ids N] [--overwrite] [--json]',
    ]);
    expect(text.split('\n').every((l) => l.length <= 120)).toBe(true);
    expect(usageText([...COMMANDS, sample]).split('\n').at(-1)).toBe('  retake debug sample IN --pack DIR [--json]');
    expect(text).toContain('  retake pack build --from DIR --out DIR [--variant fp16|fp32|int8|int4|int4-b32[,…]]');
    expect(text).toContain('  retake pack remove NAME');
  });

  it('dispatches one- and two-word names, and names what exists otherwise', async () => {
    const table = [...COMMANDS, sample];
    const { command, rest } = findCommand(table, ['debug', 'sample', 'a.wav', '--pack', 'p', '--json']);
    expect(command).toBe(sample);
    const lines: string[] = [];
    await runCommand(command, rest, (s) => lines.push(s));
    expect(lines).toEqual(['a.wav p true']);
    const debugSubs = table.filter((c) => c.name.startsWith('debug ')).map((c) => c.name.slice(6));
    expect(debugSubs).toContain('sample');
    expect(() => findCommand(table, ['debug'])).toThrow(new UsageError(`debug has subcommands: ${debugSubs.join(', ')}.`));
    expect(() => findCommand([sample], ['debug', 'x'])).toThrow(new UsageError('debug has one subcommand: sample.'));
    expect(() => findCommand(table, ['frob'])).toThrow(new UsageError('Unknown command "frob". Commands: edit, clone, info, analyze, pack, debug.'));
    await expect(runCommand(sample, ['a', '--nope'], () => {})).rejects.toThrow(/Unknown option '--nope'\.$/);
  });

  it('prints the usage on help (stdout, exit 0) and without a command (stderr, exit 2)', async () => {
    const out: string[] = [];
    const err: string[] = [];
    expect(await run(['help'], (s) => out.push(s), (s) => err.push(s))).toBe(0);
    expect(await run([], (s) => out.push(s), (s) => err.push(s))).toBe(2);
    expect(out).toEqual([usageText(COMMANDS)]);
    expect(err).toEqual([usageText(COMMANDS)]);
  });
});
