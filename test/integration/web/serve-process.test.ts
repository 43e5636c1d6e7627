// The web shell as `npm run serve` starts it (dist/web.mjs): stdout carries exactly one line, the URL with its token,
// even while media are imported and edited; SIGTERM ends it cleanly.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from '../../helpers/tmp';
import { corpusFile, hostEntry, repoRoot } from '../../helpers/studio';

describe('web shell process', () => {
  it('prints only its URL on stdout and exits 0 on SIGTERM', async () => {
    hostEntry();
    const home = tempDir('retake-serve-');
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'web.mjs'), '--project', path.join(home, 'p'), '--no-open', '--port', '0'], {
      env: { ...process.env, RETAKE_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const line = stdout.split('\n').find((l) => l.startsWith('http://127.0.0.1:'));
        if (line) resolve(line.trim());
      });
      child.on('exit', () => reject(new Error(`web shell exited early:\n${stderr}`)));
    });
    const u = new URL(url);
    const ws = new WebSocket(`ws://127.0.0.1:${u.port}/ws?token=${u.searchParams.get('token')}`);
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    let id = 0;
    const call = (method: string, params: unknown) =>
      new Promise<{ result?: { clip?: { id: number }; id?: number }; error?: { message: string } }>((resolve) => {
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
    const imported = await call('media.import', { source: { kind: 'path', path: corpusFile('speed_prompt.wav') } });
    expect(imported.error).toBeUndefined();
    const finished = new Promise<string>((resolve) =>
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as { event?: string; payload?: { job: { status: string } } };
        if (m.event === 'job.finished') resolve(m.payload!.job.status);
      }),
    );
    const job = await call('jobs.submit', { clipId: imported.result!.clip!.id, engine: 'prosody', task: 'speed', option: 'faster' });
    expect(job.error).toBeUndefined();
    expect(await finished).toBe('done');
    ws.close();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toBe(`${url}\n`);
  });
});
