// Entry of the `retake` command (bundled to dist/cli.mjs).

import { run } from './main';
import { rawArgs } from './paths';

const args = process.argv.slice(2);
run(args, undefined, undefined, rawArgs(args)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`retake: unexpected error: ${(e as Error)?.message ?? String(e)} [E_INTERNAL]\n`);
    process.exitCode = 1;
  },
);
