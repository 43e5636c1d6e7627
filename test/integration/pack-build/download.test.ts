// Downloading a model's published files against a local HTTP server that serves the tiny model in the published
// layout the way Hugging Face does (resolve URLs, Range requests, the sha256 of LFS files in X-Linked-Etag): a
// transfer that breaks off resumes with a Range request and ends with the right bytes; a corrupted file is refused
// by its sha256, deleted, and named; files completed earlier are not fetched again; the result builds into a pack.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import type { CatalogueModel } from '../../../src-main/engines/editx/pack/catalogue';
import { downloadModel, downloadTmp } from '../../../src-main/engines/editx/pack/download';
import { installPack } from '../../../src-main/engines/editx/pack/installed';
import { loadPack } from '../../../src-main/engines/editx/pack/load';
import { tempDir } from '../../helpers/tmp';
import { PUBLISHED, TEMPLATE, requirePackBuildFixtures } from './fixtures';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const root = tempDir('retake-download-');
let n = 0;
const fresh = () => join(root, `d${n++}`);

interface Served {
  /** Requests seen: path and Range header. */
  log: { path: string; range: string | null; status: number }[];
  /** Paths whose next response breaks off after this many bytes. */
  breakAfter: Map<string, number>;
  /** Paths served with one byte changed. */
  corrupt: Set<string>;
  missing: Set<string>;
}

const served: Served = { log: [], breakAfter: new Map(), corrupt: new Set(), missing: new Set() };
let server: Server;
let base = '';
const PREFIX = '/test/tiny-editx/resolve/main/';

beforeAll(async () => {
  requirePackBuildFixtures();
  server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '').slice(PREFIX.length));
    const file = join(PUBLISHED, path);
    if (!req.url?.startsWith(PREFIX) || !existsSync(file) || served.missing.has(path)) {
      served.log.push({ path, range: req.headers.range ?? null, status: 404 });
      res.writeHead(404).end();
      return;
    }
    let body = readFileSync(file);
    const lfs = path.endsWith('.safetensors') ? { 'x-linked-etag': `"${sha(body)}"` } : {};
    if (served.corrupt.has(path)) {
      body = Buffer.from(body);
      body[body.length >> 1]! ^= 0xff;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    if (start >= body.length && m) {
      served.log.push({ path, range: req.headers.range ?? null, status: 416 });
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    const status = m ? 206 : 200;
    served.log.push({ path, range: req.headers.range ?? null, status });
    res.writeHead(status, {
      'content-length': String(body.length - start),
      ...(m ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
      ...lfs,
    });
    const cut = served.breakAfter.get(path);
    if (cut !== undefined) {
      served.breakAfter.delete(path);
      res.write(body.subarray(start, start + cut), () => res.destroy());
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

function tinyModel(): CatalogueModel {
  const tok = readFileSync(join(PUBLISHED, 'tokenizer.model'));
  return {
    id: 'tiny-editx',
    title: 'Tiny Step1 for tests',
    source: { kind: 'huggingface', repo: 'test/tiny-editx', revision: 'main' },
    folder: 'tiny-editx',
    files: [
      { path: 'config.json' },
      { path: 'model.safetensors.index.json', shardIndex: true },
      { path: 'tokenizer.model', sha256: sha(tok), bytes: tok.length },
      { path: 'tokenizer_config.json' },
      { path: 'CosyVoice-300M-25Hz/cosyvoice.yaml', part: 'decoder' },
      { path: 'CosyVoice-300M-25Hz/hift.pt', part: 'decoder' },
      { path: 'CosyVoice-300M-25Hz/flow.pt', part: 'decoder' },
      { path: 'CosyVoice-300M-25Hz/campplus.onnx', part: 'decoder' },
    ],
    tensors: { lm: 21, flow: 155, hift: 246 },
    parts: { lm: { templates: { fp16: 'step1-tiny', fp32: 'step1-tiny' } } },
  };
}

async function failure(p: Promise<unknown>): Promise<RetakeError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(RetakeError);
  return e as RetakeError;
}

describe('downloading the published files', () => {
  it('resumes an interrupted transfer with a Range request and ends with the published bytes', async () => {
    served.log = [];
    const shard = 'model-00001-of-00002.safetensors';
    served.breakAfter.set(shard, 3_000_000);
    const dest = fresh();
    const progress: number[] = [];
    const r = await downloadModel(tinyModel(), { dest, baseUrl: base, retryDelayMs: 10, onProgress: (p) => progress.push(p.bytesDone) });
    const published = readdirSync(PUBLISHED, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(published.length).toBeGreaterThan(5);
    for (const e of published) {
      const f = relative(PUBLISHED, join(e.parentPath, e.name));
      expect(readFileSync(join(dest, f)).equals(readFileSync(join(PUBLISHED, f))), f).toBe(true);
    }
    const shardRequests = served.log.filter((l) => l.path === shard);
    // The resume starts where the partial file ends: at most the 3,000,000 bytes sent (what was still in flight when
    // the connection broke may be lost, as on a real network), never from 0.
    expect(shardRequests.map((l) => l.status)).toEqual([200, 206]);
    expect(shardRequests[0]!.range).toBeNull();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(shardRequests[1]!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(3_000_000);
    expect(r.files.find((f) => f.path === 'tokenizer.model')?.checked).toBe('catalogue');
    expect(r.files.find((f) => f.path === shard)).toMatchObject({ checked: 'server', sha256: sha(readFileSync(join(PUBLISHED, shard))) });
    expect(r.files.map((f) => f.path)).toContain('model-00002-of-00002.safetensors');
    expect(progress.at(-1)).toBe(r.files.reduce((s, f) => s + f.bytes, 0));
    expect(existsSync(downloadTmp(dest))).toBe(false);

    // What was downloaded builds into a pack that opens.
    const home = fresh();
    const installed = await installPack(home, { from: dest, templates: [TEMPLATE], variants: ['fp16'], name: 'tiny' });
    expect(installed.pack.status).toBe('ready');
    await loadPack(installed.pack.dir, { verify: 'sha256' });
  });

  it('refuses a corrupted file by its sha256, deletes it, and fetches only what is missing the next time', async () => {
    served.log = [];
    served.corrupt.add('tokenizer.model');
    const dest = fresh();
    const e = await failure(downloadModel(tinyModel(), { dest, baseUrl: base, retryDelayMs: 10 }));
    expect(e.code).toBe('E_MODEL_INVALID');
    expect(e.message).toMatch(new RegExp(`^tokenizer\\.model arrived damaged: sha256 [0-9a-f]{64} \\(\\d+ bytes\\), expected ${tinyModel().files[2]!.sha256}`));
    expect(existsSync(join(downloadTmp(dest), 'tokenizer.model.part'))).toBe(false);
    expect(existsSync(join(downloadTmp(dest), 'config.json'))).toBe(true);
    expect(existsSync(dest)).toBe(false);

    served.corrupt.clear();
    served.log = [];
    await downloadModel(tinyModel(), { dest, baseUrl: base, retryDelayMs: 10 });
    expect(served.log.map((l) => l.path)).not.toContain('config.json');
    expect(served.log.map((l) => l.path)).toContain('tokenizer.model');
    expect(readFileSync(join(dest, 'tokenizer.model')).equals(readFileSync(join(PUBLISHED, 'tokenizer.model')))).toBe(true);
  });

  it('refuses a shard whose bytes differ from the sha256 the server states for it', async () => {
    served.corrupt.add('model-00002-of-00002.safetensors');
    try {
      const e = await failure(downloadModel(tinyModel(), { dest: fresh(), baseUrl: base, retryDelayMs: 10 }));
      expect(e.message).toMatch(/^model-00002-of-00002\.safetensors arrived damaged/);
    } finally {
      served.corrupt.clear();
    }
  });

  it('names a file the server does not have, and gives up on a connection that keeps breaking', async () => {
    served.missing.add('tokenizer_config.json');
    try {
      const e = await failure(downloadModel(tinyModel(), { dest: fresh(), baseUrl: base, retryDelayMs: 10 }));
      expect(e.code).toBe('E_NETWORK');
      expect(e.message).toMatch(/test\/tiny-editx\/resolve\/main\/tokenizer_config\.json is not there \(404\)/);
    } finally {
      served.missing.clear();
    }
    const dest = fresh();
    const model = tinyModel();
    model.files = [{ path: 'config.json' }];
    let breaks = 0;
    const breaker = setInterval(() => {
      if (!served.breakAfter.has('config.json') && breaks < 10) {
        served.breakAfter.set('config.json', 10);
        breaks++;
      }
    }, 1);
    served.breakAfter.set('config.json', 10);
    try {
      const e = await failure(downloadModel(model, { dest, baseUrl: base, retryDelayMs: 5, attempts: 2 }));
      expect(e.code).toBe('E_NETWORK');
      expect(e.message).toMatch(/kept breaking off \(2 attempts\)/);
    } finally {
      clearInterval(breaker);
      served.breakAfter.clear();
    }
  });

  it('stops when cancelled and resumes later', async () => {
    const dest = fresh();
    const ac = new AbortController();
    served.breakAfter.clear();
    const e = await failure(
      downloadModel(tinyModel(), {
        dest,
        baseUrl: base,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.bytesDone > 1_000_000) ac.abort();
        },
      }),
    );
    expect(e.code).toBe('E_CANCELLED');
    await downloadModel(tinyModel(), { dest, baseUrl: base });
    expect(readFileSync(join(dest, 'model-00002-of-00002.safetensors')).equals(readFileSync(join(PUBLISHED, 'model-00002-of-00002.safetensors')))).toBe(true);
  });
});
