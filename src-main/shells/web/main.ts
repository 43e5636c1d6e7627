// `npm run serve [-- --project DIR] [--no-open] [--port N]`: the studio core behind the web shell on 127.0.0.1.
// Prints one line starting with http://127.0.0.1: that holds the URL with its token.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { forkSpawner } from '../../engines/host/client';
import { hostRoleArg } from '../../engines/host/protocol';
import { HostRouter } from '../../engines/host/router';
import { engineHostEntry, rendererDir } from '../../paths';
import { defaultProjectDir, retakeHome } from '../../studio/home';
import { Studio } from '../../studio/studio';
import { RetakeError, toErrorPayload } from '../../contract/errors';
import { startWebShell, type WebShell } from './server';

interface Args {
  project: string | null;
  open: boolean;
  port: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { project: null, open: true, port: 0 };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--no-open') a.open = false;
    else if (x === '--project' || x === '--port') {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${x} needs a value.`);
      if (x === '--project') a.project = v;
      else {
        a.port = Number(v);
        if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new Error(`--port must be a port number (got ${v}).`);
      }
    } else if (x.startsWith('--project=')) a.project = x.slice('--project='.length);
    else if (x.startsWith('--port=')) a.port = Number(x.slice('--port='.length));
    else throw new Error(`Unknown argument ${x}. Usage: retake-serve [--project DIR] [--no-open] [--port N]`);
  }
  return a;
}

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => console.error(`Could not open a browser; open ${url} yourself.`));
    child.unref();
  } catch {
    console.error(`Could not open a browser; open ${url} yourself.`);
  }
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const home = retakeHome();
  let studio: Studio | null = null;
  const entry = engineHostEntry();
  // The audio host and the model host: same entry, one process each.
  const host = new HostRouter((role) => forkSpawner(entry, process.env, [hostRoleArg(role)]), {
    onRestart: () => studio?.hostRestarted(),
  });
  let shell: WebShell | null = null;
  studio = new Studio({ host, home });
  await host.start();
  await studio.openOrCreate(path.resolve(args.project ?? defaultProjectDir(home)));
  shell = await startWebShell({ studio, rendererDir: rendererDir(), port: args.port, uploadsRoot: path.join(home, 'uploads') });
  console.log(shell.url);
  if (args.open) openBrowser(shell.url);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await shell?.close();
    await studio?.dispose();
    await host.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main(process.argv.slice(2)).catch((e: unknown) => {
  // Our own errors and argument errors are sentences already; anything else is reported as unexpected.
  const msg = e instanceof RetakeError || e instanceof Error ? e.message : toErrorPayload(e).message;
  console.error(`retake serve: ${msg}`);
  process.exit(1);
});
