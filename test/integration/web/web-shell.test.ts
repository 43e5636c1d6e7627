// The web shell's guarantees: loopback only, token on every request and WebSocket, Host and Origin checked, media
// and export routes that cannot leave their folders, uploads imported by id, contract calls and events over WS.
import http from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWebShell, type WebShell } from '../../../src-main/shells/web/server';
import { tempDir } from '../../helpers/tmp';
import { corpusFile, makeStudio, type TestStudio } from '../../helpers/studio';

const home = tempDir('retake-web-');
const rendererDir = path.join(home, 'renderer');
let t: TestStudio;
let shell: WebShell;

function request(
  p: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: shell.port, path: p, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${shell.port}`, ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function connect(query: string, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/ws${query}`, origin ? { origin } : {});
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function callWs(ws: WebSocket, method: string, params: unknown, id: number): Promise<{ result?: unknown; error?: { code: string } }> {
  return new Promise((resolve) => {
    const on = (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString()) as { id?: number };
      if (msg.id === id) {
        ws.off('message', on);
        resolve(msg as { result?: unknown; error?: { code: string } });
      }
    };
    ws.on('message', on);
    ws.send(JSON.stringify({ id, method, params }));
  });
}

beforeAll(async () => {
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Retake</title>');
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(home, 'secret.txt'), 'top secret');
  t = makeStudio(home);
  await t.studio.call('project.create', { dir: path.join(home, 'project') });
  shell = await startWebShell({ studio: t.studio, rendererDir });
});
afterAll(async () => {
  await shell.close();
  await t.close();
});

describe('web shell', () => {
  it('prints a loopback URL with its token', () => {
    expect(shell.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  });

  it('requires the token on every request, and sets a strict cookie on the first page load', async () => {
    expect((await request('/')).status).toBe(401);
    expect((await request('/?token=wrong')).status).toBe(401);
    expect((await request('/assets/app.js')).status).toBe(401);
    const page = await request(`/?token=${shell.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const c = cookie.split(';')[0]!;
    expect((await request('/assets/app.js', { headers: { cookie: c } })).status).toBe(200);
    expect((await request('/assets/app.js', { headers: { 'x-retake-token': shell.token } })).status).toBe(200);
  });

  it('refuses a wrong token of the right length over HTTP, the header, the cookie and the WebSocket', async () => {
    // Same length as the real token, differing in one character at the start, the middle or the end: a check that only
    // compares lengths (or a prefix) lets these through.
    const flip = (i: number) => shell.token.slice(0, i) + (shell.token[i] === '0' ? '1' : '0') + shell.token.slice(i + 1);
    const wrong = [0, shell.token.length >> 1, shell.token.length - 1].map(flip);
    const cookieName = `retake_token_${shell.port}`;
    for (const w of [...wrong, shell.token.toUpperCase(), shell.token.slice(0, -1), `${shell.token}0`]) {
      expect(w).not.toBe(shell.token);
      expect((await request(`/assets/app.js?token=${w}`)).status, w).toBe(401);
      expect((await request('/assets/app.js', { headers: { 'x-retake-token': w } })).status, w).toBe(401);
      expect((await request('/assets/app.js', { headers: { cookie: `${cookieName}=${w}` } })).status, w).toBe(401);
      await expect(connect(`?token=${w}`), w).rejects.toThrow(/401/);
      await expect(
        new Promise((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/ws`, { headers: { cookie: `${cookieName}=${w}` } });
          ws.once('open', () => {
            ws.close();
            resolve('open');
          });
          ws.once('error', reject);
          ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
        }),
        w,
      ).rejects.toThrow(/401/);
    }
    // The right token through each channel is accepted, so the refusals above are about the token alone.
    expect((await request(`/assets/app.js?token=${shell.token}`)).status).toBe(200);
    expect((await request('/assets/app.js', { headers: { cookie: `other=1; ${cookieName}=${shell.token}` } })).status).toBe(200);
    // A cookie for another port (another Retake) does not count.
    expect((await request('/assets/app.js', { headers: { cookie: `retake_token_1=${shell.token}` } })).status).toBe(401);
    (await connect(`?token=${shell.token}`)).close();
    const viaCookie = new WebSocket(`ws://127.0.0.1:${shell.port}/ws`, { headers: { cookie: `${cookieName}=${shell.token}` } });
    await new Promise((resolve, reject) => {
      viaCookie.once('open', resolve);
      viaCookie.once('error', reject);
    });
    viaCookie.close();
  });

  it('checks Host and Origin', async () => {
    const q = `/?token=${shell.token}`;
    expect((await request(q, { headers: { host: `evil.example:${shell.port}` } })).status).toBe(403);
    expect((await request(q, { headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await request(q, { headers: { origin: `http://127.0.0.1:${shell.port}` } })).status).toBe(200);
    await expect(connect(`?token=${shell.token}`, 'http://evil.example')).rejects.toThrow(/403/);
    await expect(connect('?token=nope')).rejects.toThrow(/401/);
  });

  it('serves nothing outside the renderer, media store and exports folders', async () => {
    const h = { 'x-retake-token': shell.token };
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/exports/..%2fproject.sqlite', `/media/${'a'.repeat(64)}.wav`, '/media/../project/project.sqlite']) {
      const r = await request(p, { headers: h });
      expect(r.status, p).toBe(404);
      expect(r.body.toString()).not.toContain('top secret');
    }
  });

  it('answers a malformed %-escape with 400 and no internal message, and never serves a partial export', async () => {
    const h = { 'x-retake-token': shell.token };
    for (const p of ['/%zz', '/assets/%E9.js', '/%', '/exports/%zz.wav', '/exports/mix%ZZ.wav']) {
      const r = await request(p, { headers: h });
      expect(r.status, p).toBe(400);
      const body = JSON.parse(r.body.toString()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('E_VALIDATION');
      expect(body.error.message).not.toMatch(/URI|malformed URI|at |\.ts|\.mjs/);
    }
    const dir = t.studio.exportsDir()!;
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'take 1.wav.part'), 'half a file');
    writeFileSync(path.join(dir, 'take 1.json.part'), '{"half":');
    writeFileSync(path.join(dir, 'take 1.wav'), 'a whole file');
    for (const p of ['/exports/take%201.wav.part', '/exports/take%201.json.part', '/exports/take%201.WAV.PART']) {
      const r = await request(p, { headers: h });
      expect(r.status, p).toBe(404);
      expect(r.body.toString()).not.toContain('half');
    }
    const whole = await request('/exports/take%201.wav', { headers: h });
    expect([whole.status, whole.body.toString()]).toEqual([200, 'a whole file']);
  });

  it('answers contract calls over the WebSocket and forwards events', async () => {
    const ws = await connect(`?token=${shell.token}`, `http://127.0.0.1:${shell.port}`);
    const engines = await callWs(ws, 'engines.list', {}, 1);
    expect((engines.result as Array<{ id: string }>).map((e) => e.id)).toContain('prosody');
    expect((await callWs(ws, 'clips.move', { clipId: -1 }, 2)).error?.code).toBe('E_VALIDATION');
    expect((await callWs(ws, 'no.such', {}, 3)).error?.code).toBe('E_VALIDATION');

    // Upload the raw bytes, then import by id; the timeline.changed event reaches the socket.
    const bytes = readFileSync(corpusFile('speed_prompt.wav'));
    const up = await request('/upload', { method: 'POST', headers: { 'x-retake-token': shell.token, 'content-type': 'application/octet-stream' }, body: bytes });
    expect(up.status).toBe(200);
    const { uploadId } = JSON.parse(up.body.toString()) as { uploadId: string };
    const changed = new Promise<void>((resolve) =>
      ws.on('message', (d) => {
        if ((JSON.parse(d.toString()) as { event?: string }).event === 'timeline.changed') resolve();
      }),
    );
    const imported = await callWs(ws, 'media.import', { source: { kind: 'upload', uploadId }, name: 'speed_prompt.wav' }, 4);
    const media = (imported.result as { media: { url: string; hash: string } }).media;
    await changed;
    expect(media.url).toBe(`/media/${media.hash}.wav`);
    // An upload is imported once: its file is gone afterwards.
    expect(shell.resolveUpload(uploadId)).toBeNull();
    expect((await callWs(ws, 'media.import', { source: { kind: 'upload', uploadId } }, 5)).error?.code).toBe('E_NOT_FOUND');

    // The media route serves it, with byte ranges.
    const full = await request(media.url, { headers: { 'x-retake-token': shell.token } });
    expect(full.status).toBe(200);
    expect(full.headers['content-type']).toBe('audio/wav');
    expect(Buffer.compare(full.body, bytes)).toBe(0);
    const part = await request(media.url, { headers: { 'x-retake-token': shell.token, range: 'bytes=0-3' } });
    expect(part.status).toBe(206);
    expect(part.body.toString()).toBe('RIFF');
    ws.close();
  });

  it('refuses uploads without the token', async () => {
    const r = await request('/upload', { method: 'POST', body: Buffer.from('x') });
    expect(r.status).toBe(401);
  });
});
