// Byte ranges on the web shell's media and export routes (so long media start playing at once): one range → 206 with
// Content-Range, open-ended and suffix forms, past the end → 416, several ranges or a stale If-Range → the whole file,
// HEAD without a body; and the shell's checks (token, Host, the hash-named path) still apply to ranged requests.
import http from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebShell, type WebShell } from '../../../src-main/shells/web/server';
import { makeStudio, type TestStudio } from '../../helpers/studio';
import { tempDir } from '../../helpers/tmp';
import { sine, wavBytes } from '../../helpers/wav';

const home = tempDir('retake-ranges-');
let t: TestStudio;
let shell: WebShell;
let url = '';
let hash = '';
let bytes: Buffer;

function request(
  p: string,
  opts: { method?: string; headers?: Record<string, string>; token?: boolean } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { host: `127.0.0.1:${shell.port}`, ...(opts.token === false ? {} : { 'x-retake-token': shell.token }), ...opts.headers };
    const req = http.request({ host: '127.0.0.1', port: shell.port, path: p, method: opts.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const rendererDir = path.join(home, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Retake</title>');
  t = makeStudio(home);
  await t.studio.call('project.create', { dir: path.join(home, 'project') });
  const file = path.join(home, 'tone.wav');
  writeFileSync(file, wavBytes(sine(330, 3, 48000), 48000));
  bytes = readFileSync(file);
  const r = await t.studio.call('media.import', { source: { kind: 'path', path: file } });
  url = r.media.url;
  hash = r.media.hash;
  shell = await startWebShell({ studio: t.studio, rendererDir });
});
afterAll(async () => {
  await shell.close();
  await t.close();
});

describe('web shell: byte ranges', () => {
  const size = () => bytes.length;

  it('serves the whole file with Accept-Ranges, its length and a strong ETag (the hash)', async () => {
    const r = await request(url);
    expect(r.status).toBe(200);
    expect(r.headers).toMatchObject({ 'accept-ranges': 'bytes', 'content-length': String(size()), etag: `"${hash}"`, 'content-type': 'audio/wav' });
    expect(Buffer.compare(r.body, bytes)).toBe(0);
  });

  it('answers one range with 206 and Content-Range: closed, open-ended (as media elements ask) and suffix', async () => {
    const cases: Array<[string, number, number]> = [
      ['bytes=100-199', 100, 199],
      ['bytes=0-', 0, size() - 1],
      ['bytes=200000-', 200000, size() - 1],
      ['bytes=-44', size() - 44, size() - 1],
      ['bytes=250000-99999999', 250000, size() - 1],
    ];
    for (const [range, start, end] of cases) {
      const r = await request(url, { headers: { range } });
      expect([range, r.status, r.headers['content-range'], r.headers['content-length']]).toEqual([range, 206, `bytes ${start}-${end}/${size()}`, String(end - start + 1)]);
      expect(Buffer.compare(r.body, bytes.subarray(start, end + 1))).toBe(0);
      expect(r.headers['content-type']).toBe('audio/wav');
    }
  });

  it('refuses a range past the end with 416 and the size', async () => {
    for (const range of [`bytes=${size()}-`, `bytes=${size() + 10}-${size() + 20}`, 'bytes=-0']) {
      const r = await request(url, { headers: { range } });
      expect([range, r.status, r.headers['content-range'], r.body.length]).toEqual([range, 416, `bytes */${size()}`, 0]);
    }
  });

  it('answers several ranges, malformed ranges and a stale If-Range with the whole file', async () => {
    const cases: Array<Record<string, string>> = [{ range: 'bytes=0-3,10-13' }, { range: 'bytes=9-3' }, { range: 'lines=1-2' }, { range: 'bytes=0-3', 'if-range': '"another"' }];
    for (const headers of cases) {
      const r = await request(url, { headers });
      expect([headers, r.status]).toEqual([headers, 200]);
      expect(Buffer.compare(r.body, bytes)).toBe(0);
    }
    const fresh = await request(url, { headers: { range: 'bytes=0-3', 'if-range': `"${hash}"` } });
    expect([fresh.status, fresh.body.toString()]).toEqual([206, 'RIFF']);
  });

  it('answers HEAD with the same status and headers and no body', async () => {
    const part = await request(url, { method: 'HEAD', headers: { range: 'bytes=10-19' } });
    expect([part.status, part.headers['content-range'], part.headers['content-length'], part.body.length]).toEqual([206, `bytes 10-19/${size()}`, '10', 0]);
    const whole = await request(url, { method: 'HEAD' });
    expect([whole.status, whole.headers['content-length'], whole.headers['accept-ranges'], whole.body.length]).toEqual([200, String(size()), 'bytes', 0]);
  });

  it('serves exports with ranges too', async () => {
    const dir = t.studio.exportsDir()!;
    mkdirSync(dir, { recursive: true });
    const data = Buffer.from('0123456789abcdef');
    writeFileSync(path.join(dir, 'mix.wav'), data);
    const r = await request('/exports/mix.wav', { headers: { range: 'bytes=4-7' } });
    expect([r.status, r.body.toString(), r.headers['content-range']]).toEqual([206, '4567', 'bytes 4-7/16']);
    expect(r.headers['content-disposition']).toMatch(/attachment/);
  });

  it('keeps the access checks and the hash-named paths for ranged requests', async () => {
    expect((await request(url, { token: false, headers: { range: 'bytes=0-3' } })).status).toBe(401);
    expect((await request(url, { headers: { range: 'bytes=0-3', host: `evil.example:${shell.port}` } })).status).toBe(403);
    expect((await request(`/media/${'0'.repeat(64)}.wav`, { headers: { range: 'bytes=0-3' } })).status).toBe(404);
    expect((await request('/media/../../tone.wav', { headers: { range: 'bytes=0-3' } })).status).toBe(404);
    expect((await request('/exports/..%2Fsecret', { headers: { range: 'bytes=0-3' } })).status).toBe(404);
  });
});
