// Entry of the `retake` command (bundled to dist/cli.mjs).

import { run } from './main';

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`retake: unexpected error: ${(e as Error)?.message ?? String(e)} [E_INTERNAL]\n`);
    process.exitCode = 1;
  },
);
