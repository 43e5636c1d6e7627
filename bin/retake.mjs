#!/usr/bin/env node
// `retake` / `npx retake`: runs the bundled CLI (dist/cli.mjs, made by `npm run build`, which `npm install` runs).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.mjs');
if (!existsSync(cli)) {
  process.stderr.write('retake: the command is not built yet; run "npm run build" in the Retake folder first.\n');
  process.exit(1);
}
await import(pathToFileURL(cli).href);
