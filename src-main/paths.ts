// Where the application's own files are: the folder holding Retake's package.json (the repository in development,
// app.asar or resources/app in a packaged app) and its dist/ bundles; and RETAKE_HOME, the user's folder for settings,
// model packs and default projects (here so the engines can find their model packs without the studio).

import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** RETAKE_HOME when set (tests isolate themselves with it), else the platform's per-user data folder. */
export function retakeHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RETAKE_HOME) return path.resolve(env.RETAKE_HOME);
  const home = os.homedir();
  switch (process.platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Retake');
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Retake');
    default:
      return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'retake');
  }
}

let cached: string | null = null;

export function appRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'retake') return (cached = dir);
      } catch {
        /* keep looking */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('Cannot find the Retake application folder (no package.json named "retake" above this file).');
    dir = up;
  }
}

export function distDir(): string {
  return path.join(appRoot(), 'dist');
}

/** The bundled engine-host entry; `npm run build` makes it. */
export function engineHostEntry(): string {
  const file = path.join(distDir(), 'engine-host.mjs');
  if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run build" first.`);
  return file;
}

export function rendererDir(): string {
  return path.join(distDir(), 'renderer');
}
