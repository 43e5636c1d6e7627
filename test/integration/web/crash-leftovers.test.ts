// Crash leftovers (issue 12 item 6): the studio process (`npm run serve`, dist/web.mjs) killed with SIGKILL in the
// middle of an import of an upload and in the middle of an export. The kills leave an upload, temp copies and an
// `exports/*.part` behind; the next start of the same home and project removes them all, commits nothing of the
// interrupted import and serves no partial export.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from '../../helpers/tmp';
import { hostEntry, repoRoot } from '../../helpers/studio';
import { wavBytes } from '../../helpers/wav';

interface Serve {
  child: ChildProcess;
  port: number;
  token: string;
  exited: Promise<void>;
  ws: WebSocket;
  call: (method: string, params: unknown) => Promise<{ result?: unknown; error?: { code: string; message: string } }>;
  next: (event: string, pred?: (payload: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>;
}

async function serve(home: string): Promise<Serve> {
  hostEntry();
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'web.mjs'), '--project', path.join(home, 'p'), '--no-open', '--port', '0'], {
    env: { ...process.env, RETAKE_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('http://127.0.0.1:'));
      if (line) resolve(new URL(line.trim()));
    });
    child.on('exit', () => reject(new Error(`web shell exited early:\n${stderr}`)));
  });
  const port = Number(url.port);
  const token = url.searchParams.get('token')!;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`);
  ws.on('error', () => {});
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  let id = 0;
  const call: Serve['call'] = (method, params) =>
    new Promise((resolve) => {
      const my = ++id;
      const on = (d: WebSocket.RawData) => {
        const m = JSON.parse(d.toString()) as { id?: number };
        if (m.id === my) {
          ws.off('message', on);
          resolve(m as never);
        }
      };
      ws.on('message', on);
      ws.send(JSON.stringify({ id: my, method, params }));
    });
  const next: Serve['next'] = (event, pred = () => true) =>
    new Promise((resolve) => {
      const on = (d: WebSocket.RawData) => {
        const m = JSON.parse(d.toString()) as { event?: string; payload?: Record<string, unknown> };
        if (m.event === event && pred(m.payload!)) {
          ws.off('message', on);
          resolve(m.payload!);
        }
      };
      ws.on('message', on);
    });
  return { child, port, token, exited, ws, call, next };
}

function get(s: Serve, p: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: s.port, path: p, headers: { host: `127.0.0.1:${s.port}`, 'x-retake-token': s.token } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function upload(s: Serve, body: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: s.port, path: '/upload', method: 'POST', headers: { host: `127.0.0.1:${s.port}`, 'x-retake-token': s.token, 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve((JSON.parse(Buffer.concat(chunks).toString()) as { uploadId: string }).uploadId));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The shell's engine hosts (its child processes), which must be gone too before the leftovers are judged. */
function childrenOf(pid: number): number[] {
  return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
}

async function crash(s: Serve): Promise<void> {
  const hosts = childrenOf(s.child.pid!);
  s.child.kill('SIGKILL');
  await s.exited;
  // The hosts leave when their parent's channel closes; wait for them so that nothing is still writing.
  for (let i = 0; i < 200 && hosts.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
  expect(hosts.filter(alive), 'engine hosts still running after the crash').toEqual([]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Several minutes of a speech-like signal at 48 kHz stereo: long enough that importing and exporting take a while. */
function longWav(minutes: number): Uint8Array {
  const rate = 48000;
  const n = minutes * 60 * rate;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    x[i] = 0.3 * Math.sin(2 * Math.PI * 140 * t + 3 * Math.sin(2 * Math.PI * 0.5 * t)) * (0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t));
  }
  return wavBytes(x, rate);
}

const files = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

describe('crash leftovers', () => {
  it('a studio killed mid-import leaves an upload and temp files that the next start removes, with nothing imported', async () => {
    const home = tempDir('retake-crash-import-');
    const uploads = path.join(home, 'uploads');
    const mediaTmp = path.join(home, 'p', 'media', '.tmp');
    const a = await serve(home);
    const uploadId = await upload(a, longWav(4));
    const [mine] = files(uploads);
    expect(files(path.join(uploads, mine!))).toEqual([uploadId]);
    const importing = a.call('media.import', { source: { kind: 'upload', uploadId }, name: 'long.wav', importId: 'crash-import-1' });
    await a.next('import.progress', (p) => (p.fraction as number) > 0);
    await crash(a);
    void importing;
    // What the crash left: the upload, and the host's copy into the store's temp folder.
    expect(files(path.join(uploads, mine!))).toEqual([uploadId]);
    expect(files(mediaTmp).length).toBeGreaterThan(0);

    const b = await serve(home);
    // The dead shell's folder is gone; the new shell's own is empty.
    expect(files(uploads)).toHaveLength(1);
    expect(files(uploads)[0]).not.toBe(mine);
    expect(files(path.join(uploads, files(uploads)[0]!))).toEqual([]);
    expect(files(mediaTmp)).toEqual([]);
    const timeline = (await b.call('timeline.get', {})).result as { clips: unknown[] };
    expect(timeline.clips).toEqual([]);
    b.child.kill('SIGTERM');
    await b.exited;
  });

  it('a studio killed mid-export leaves exports/*.part, never served, removed on the next start', async () => {
    const home = tempDir('retake-crash-export-');
    const exportsDir = path.join(home, 'p', 'exports');
    const src = path.join(home, 'long.wav');
    writeFileSync(src, longWav(4));
    const a = await serve(home);
    const imported = await a.call('media.import', { source: { kind: 'path', path: src } });
    expect(imported.error).toBeUndefined();
    const job = await a.call('export.start', { scope: { kind: 'mix' }, encoding: 'flac-24', loudness: { preset: 'podcast' }, name: 'crash' });
    expect(job.error).toBeUndefined();
    // Wait until the render has written part of its file.
    for (let i = 0; i < 600 && !files(exportsDir).some((f) => f.endsWith('.part')); i++) await new Promise((r) => setTimeout(r, 50));
    const part = files(exportsDir).find((f) => f.endsWith('.part'));
    expect(part, `no .part in exports/ (${files(exportsDir).join(', ')})`).toBeDefined();
    // While it is being written it is not served.
    expect((await get(a, `/exports/${encodeURIComponent(part!)}`)).status).toBe(404);
    await crash(a);
    expect(files(exportsDir)).toContain(part);

    const b = await serve(home);
    expect(files(exportsDir).filter((f) => f.endsWith('.part'))).toEqual([]);
    expect((await get(b, `/exports/${encodeURIComponent(part!)}`)).status).toBe(404);
    // The export never finished: its final name does not exist either.
    expect((await get(b, `/exports/${encodeURIComponent(part!.replace(/\.part$/, ''))}`)).status).toBe(404);
    b.child.kill('SIGTERM');
    await b.exited;
  });
});
