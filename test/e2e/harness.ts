// End-to-end harness: the real web shell (dist/web.mjs) as a child process in a temp RETAKE_HOME, and Debian's
// Chromium driven by playwright-core. Everything started here is stopped by close().

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type Page } from 'playwright-core';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const resultsDir = path.join(repoRoot, 'test-results');

export function corpusFile(name: string): string {
  const f = path.resolve(repoRoot, '..', 'shared', 'corpus', name);
  if (!existsSync(f)) throw new Error(`${f} is missing: the end-to-end tests need ../shared/corpus beside the repository.`);
  return f;
}

function webShellEntry(): string {
  const f = path.join(repoRoot, 'dist', 'web.mjs');
  if (!existsSync(f)) throw new Error(`${f} is missing: run "npm run build" before the end-to-end tests.`);
  return f;
}

function chromiumPath(): string {
  const exe = process.env.RETAKE_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(exe)) {
    throw new Error(
      `Chromium was not found at ${exe}: install Debian's chromium (apt-get install chromium) or set RETAKE_CHROMIUM to a Chromium executable.`,
    );
  }
  return exe;
}

export interface WebShellProcess {
  url: string;
  home: string;
  project: string;
  /** Everything the shell wrote to stderr so far (for failure messages). */
  stderr(): string;
  close(): Promise<void>;
}

/**
 * Starts `node dist/web.mjs --project <tmp> --no-open --port 0` and resolves with the URL it prints; `env` adds to its
 * environment (e.g. RETAKE_EDITX_PACK), which its engine hosts inherit.
 */
export async function startWebShell(opts: { env?: Record<string, string> } = {}): Promise<WebShellProcess> {
  const entry = webShellEntry();
  const home = mkdtempSync(path.join(os.tmpdir(), 'retake-e2e-'));
  const project = path.join(home, 'project');
  const child: ChildProcess = spawn(process.execPath, [entry, '--project', project, '--no-open', '--port', '0'], {
    cwd: repoRoot,
    env: { ...process.env, RETAKE_HOME: home, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('http://127.0.0.1:')) {
        lines.close();
        resolve(line.trim());
      }
    });
    void exited.then((code) => reject(new Error(`The web shell exited (code ${code}) before printing its URL:\n${err}`)));
  }).catch(async (e: unknown) => {
    child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
    throw e;
  });

  return {
    url,
    home,
    project,
    stderr: () => err,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Waits until exactly `n` elements match (DOM state, no timers of our own). */
export async function waitForCount(page: Page, selector: string, n: number): Promise<void> {
  // Runs in the page (a function, not a string: the page's CSP forbids eval). This file is type-checked without
  // the DOM library, hence the narrow cast.
  type Doc = { querySelectorAll(s: string): { length: number } };
  await page.waitForFunction(
    ([sel, count]) => (globalThis as unknown as { document: Doc }).document.querySelectorAll(sel).length === count,
    [selector, n] as [string, number],
  );
}

/** Collects uncaught page errors, so a test can assert the page never threw. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
  return errors;
}

/** The page globals dropFile uses (this file is type-checked without the DOM library). */
interface DropGlobals {
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (bits: unknown[], name: string, options: { type: string }) => unknown;
  DragEvent: new (type: string, init: Record<string, unknown>) => unknown;
  atob(data: string): string;
  document: { elementFromPoint(x: number, y: number): { dispatchEvent(e: unknown): boolean } | null };
}

/** Drops a file at a point of the page, as the OS would at the end of a drag (dragenter, dragover, drop). */
export async function dropFile(page: Page, file: string, at: { x: number; y: number }): Promise<void> {
  const b64 = readFileSync(file).toString('base64');
  await page.evaluate(
    ({ b64, name, x, y }) => {
      const g = globalThis as unknown as DropGlobals;
      const bytes = Uint8Array.from(g.atob(b64), (c) => c.charCodeAt(0));
      const dt = new g.DataTransfer();
      dt.items.add(new g.File([bytes], name, { type: 'audio/wav' }));
      const target = g.document.elementFromPoint(x, y);
      if (!target) throw new Error(`Nothing to drop onto at ${x},${y}.`);
      for (const type of ['dragenter', 'dragover', 'drop']) {
        target.dispatchEvent(new g.DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt, clientX: x, clientY: y }));
      }
    },
    { b64, name: path.basename(file), x: at.x, y: at.y },
  );
}
