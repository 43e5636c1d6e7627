// Model packs through the studio's contract with real engine hosts: installs and checks are app jobs (no project
// needed) with monotonic progress, cancel and crash handling; packs are listed with size, status and reasons; a
// removal is refused while a job works on the pack; installing a complete pack makes the engine picker offer EditX; a
// download is served by a local HTTP server; the execution provider setting persists and the providers are reported
// with their reasons.

import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelJob } from '../../../src-main/contract';
import { RetakeError } from '../../../src-main/contract/errors';
import { tempDir } from '../../helpers/tmp';
import { makeStudio, type TestStudio } from '../../helpers/studio';
import { TINY_PACK } from '../editx-lm/tiny-pack';
import {
  FLOW_TEMPLATE,
  HIFT_TEMPLATE,
  PUBLISHED,
  PUBLISHED_TOKENIZER,
  PYTHON_PACK,
  TEMPLATE,
  VQ02_TEMPLATE,
  requirePackBuildFixtures,
} from '../pack-build/fixtures';

const root = tempDir('retake-studio-models-');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const TOKENIZER_FUNASR = 'dengcunqin/speech_paraformer-large_asr_nat-zh-cantonese-en-16k-vocab8501-online';

// The hosts read the catalogue and templates from RETAKE_MODELS_DIR: one tiny model whose template is the tiny one.
const modelsDir = path.join(root, 'app-models');
let server: Server;

beforeAll(async () => {
  requirePackBuildFixtures();
  mkdirSync(path.join(modelsDir, 'templates'), { recursive: true });
  for (const t of [TEMPLATE, VQ02_TEMPLATE, FLOW_TEMPLATE, HIFT_TEMPLATE]) cpSync(t, path.join(modelsDir, 'templates', path.basename(t)), { recursive: true });
  const tok = readFileSync(path.join(PUBLISHED, 'tokenizer.model'));
  const templates = (id: string) => ({ templates: { fp16: id, fp32: id } });
  writeFileSync(
    path.join(modelsDir, 'catalogue.json'),
    JSON.stringify({
      format: 'retake-model-catalogue',
      formatVersion: 1,
      models: [
        {
          id: 'tiny-editx',
          title: 'Tiny Step1',
          source: { kind: 'huggingface', repo: 'test/tiny-editx', revision: 'main' },
          folder: 'tiny-editx',
          files: [
            { path: 'config.json' },
            { path: 'model.safetensors.index.json', shardIndex: true },
            { path: 'tokenizer.model', sha256: sha(tok), bytes: tok.length },
            { path: 'tokenizer_config.json' },
            { path: 'CosyVoice-300M-25Hz/cosyvoice.yaml', part: 'flow' },
            { path: 'CosyVoice-300M-25Hz/flow.pt', part: 'flow' },
            { path: 'CosyVoice-300M-25Hz/campplus.onnx', part: 'flow' },
            { path: 'CosyVoice-300M-25Hz/hift.pt', part: 'hift' },
          ],
          tensors: { lm: 21, flow: 155, hift: 246 },
          parts: {
            lm: templates('step1-tiny'),
            flow: templates('flow-tiny'),
            hift: templates('hift-tiny'),
            tokenizer: { ...templates('vq02-tiny'), from: 'tiny-tokenizer' },
          },
        },
        {
          id: 'tiny-tokenizer',
          title: 'Tiny tokenizer',
          source: { kind: 'huggingface', repo: 'test/tiny-tokenizer', revision: 'main' },
          folder: 'Step-Audio-Tokenizer',
          files: [
            ...['model.pt', 'config.yaml', 'am.mvn'].map((f) => ({ path: `${TOKENIZER_FUNASR}/${f}`, part: 'tokenizer' })),
            { path: 'linguistic_tokenizer.npy', part: 'tokenizer' },
            { path: 'speech_tokenizer_v1.onnx', part: 'tokenizer' },
          ],
          tensors: { vq02: 54 },
          parts: { tokenizer: templates('vq02-tiny') },
        },
      ],
    }),
  );
  process.env.RETAKE_MODELS_DIR = modelsDir;
  server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    const m = /^\/test\/(tiny-editx|tiny-tokenizer)\/resolve\/main\/(.+)$/.exec(url);
    if (!m) return void res.writeHead(404).end();
    const f = path.join(m[1] === 'tiny-editx' ? PUBLISHED : PUBLISHED_TOKENIZER, m[2]!);
    if (!existsSync(f)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': String(readFileSync(f).length) }).end(readFileSync(f));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  process.env.RETAKE_MODEL_MIRROR = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

let t: TestStudio;
let home: string;
beforeAll(() => {
  home = path.join(root, 'home');
  t = makeStudio(home);
});
afterAll(() => t?.close());

/** Resolves with the job once it has ended, and records every progress value seen for it. */
function ended(id: number, progress: number[] = []): Promise<ModelJob> {
  return new Promise((resolve) => {
    const off = t.studio.events.on('models.job', ({ job }) => {
      if (job.id !== id) return;
      progress.push(job.progress);
      if (['done', 'failed', 'cancelled'].includes(job.status)) {
        off();
        resolve(job);
      }
    });
  });
}

async function failure(p: Promise<unknown>): Promise<RetakeError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(RetakeError);
  return e as RetakeError;
}

describe('models through the studio', () => {
  it('lists nothing installed and the catalogue, without a project', async () => {
    const s = await t.studio.call('models.list', {});
    expect(s).toMatchObject({ dir: path.join(home, 'models'), packs: [], jobs: [] });
    expect(s.catalogue).toEqual([
      { id: 'tiny-editx', title: 'Tiny Step1', repo: 'test/tiny-editx', buildable: true, variants: ['fp16', 'fp32'] },
      { id: 'tiny-tokenizer', title: 'Tiny tokenizer', repo: 'test/tiny-tokenizer', buildable: true, variants: ['fp16', 'fp32'] },
    ]);
  });

  it('the engine picker offers EditX once a complete pack is installed through the Models page, and not after its removal', async () => {
    const editx = async () => (await t.studio.call('engines.list', {})).find((e) => e.id === 'editx')!;
    // Nothing is installed: EditX is listed, unavailable, saying what to do.
    expect(await editx()).toMatchObject({ available: false, unavailableReason: expect.stringMatching(/No EditX model pack is installed/) });
    const changed = t.next('engines.changed');
    const job = await t.studio.call('models.install', { source: { kind: 'folder', path: TINY_PACK }, name: 'tiny-full' });
    expect((await ended(job.id)).status).toBe('done');
    await changed;
    const offered = await editx();
    expect(offered.available, offered.unavailableReason).toBe(true);
    expect(offered.description).toMatch(/Model pack "/);
    const removed = t.next('engines.changed');
    await t.studio.call('models.remove', { name: 'tiny-full' });
    await removed;
    expect((await editx()).available).toBe(false);
  });

  it('installs published files as a job: queued, running with rising progress, done; the pack is listed ready', async () => {
    const job = await t.studio.call('models.install', { source: { kind: 'folder', path: PUBLISHED }, name: 'tiny', variant: 'fp16' });
    expect(job).toMatchObject({ kind: 'install', name: 'tiny', status: 'queued', source: PUBLISHED });
    const progress: number[] = [];
    const end = await ended(job.id, progress);
    expect(end.status, JSON.stringify(end.error)).toBe('done');
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1]!)).toBe(true);
    const s = await t.studio.call('models.list', {});
    expect(s.packs.map((p) => [p.name, p.status, p.origin, p.variants])).toEqual([['tiny', 'ready', 'retake pack build', ['fp16']]]);
    expect(s.packs[0]!.bytes).toBeGreaterThan(19e6);
    expect(s.jobs[0]).toMatchObject({ id: job.id, status: 'done', progress: 1 });
  });

  it('copies a ready pack, checks it, refuses a removal while a job works on it, then removes it', async () => {
    const job = await t.studio.call('models.install', { source: { kind: 'folder', path: PYTHON_PACK }, name: 'py' });
    expect((await ended(job.id)).status).toBe('done');
    const check = await t.studio.call('models.verify', { name: 'py' });
    const e = await failure(t.studio.call('models.remove', { name: 'py' }));
    expect(e.code).toBe('E_JOB_ACTIVE');
    expect(e.message).toMatch(/Cannot remove py: it is being checked/);
    expect((await ended(check.id)).status).toBe('done');
    const listed = (await t.studio.call('models.list', {})).packs.find((p) => p.name === 'py')!;
    expect(listed.verified?.ok).toBe(true);
    await t.studio.call('models.remove', { name: 'py' });
    expect((await t.studio.call('models.list', {})).packs.map((p) => p.name)).toEqual(['tiny']);
  });

  it('a failing install fails its job with the reason; a cancelled one leaves nothing behind', async () => {
    const bad = await t.studio.call('models.install', { source: { kind: 'folder', path: path.join(root, 'nowhere') } });
    const end = await ended(bad.id);
    expect(end.status).toBe('failed');
    expect(end.error?.code).toBe('E_FILE_NOT_FOUND');

    const job = await t.studio.call('models.install', { source: { kind: 'folder', path: PUBLISHED }, name: 'gone' });
    const off = t.studio.events.on('models.job', ({ job: j }) => {
      if (j.id === job.id && j.progress > 0.2) void t.studio.call('models.cancel', { jobId: job.id });
    });
    const end2 = await ended(job.id);
    off();
    expect(end2.status).toBe('cancelled');
    expect(readdirSync(path.join(home, 'models')).filter((f) => f.includes('gone'))).toEqual([]);
  });

  it('downloads a catalogue model and builds it', async () => {
    const job = await t.studio.call('models.install', { source: { kind: 'download', model: 'tiny-editx' }, name: 'fetched', variant: 'fp32' });
    expect(job.source).toBe('download:tiny-editx');
    const stages: string[] = [];
    const off = t.studio.events.on('models.job', ({ job: j }) => void (j.id === job.id && j.stage && stages.push(j.stage)));
    const end = await ended(job.id);
    off();
    expect(end.status, JSON.stringify(end.error)).toBe('done');
    expect(stages.some((s) => s.startsWith('downloading'))).toBe(true);
    expect(stages).toContain('writing lm.fp32.onnx.data');
    const fetched = (await t.studio.call('models.list', {})).packs.find((p) => p.name === 'fetched');
    expect(fetched?.status).toBe('ready');
    // Both repositories were fetched (the tokenizer's into its folder inside the EditX one): every part is built.
    expect(stages).toContain('writing vq02.onnx.data');
    expect([...(fetched?.components ?? [])].sort()).toEqual(['flow', 'lm', 'speakerEncoder', 'textTokenizer', 'vocoder', 'vq02', 'vq06']);
    expect(existsSync(path.join(home, 'models', '.downloads', 'tiny-editx'))).toBe(false);
  });

  it('keeps the execution provider setting and reports the providers with their reasons', async () => {
    expect(await t.studio.call('settings.get', {})).toEqual({ executionProvider: 'cpu', lmVariant: 'auto' });
    expect(await t.studio.call('settings.set', { executionProvider: 'cuda' })).toEqual({ executionProvider: 'cuda', lmVariant: 'auto' });
    expect(JSON.parse(readFileSync(path.join(home, 'settings.json'), 'utf8')).executionProvider).toBe('cuda');
    const p = await t.studio.call('runtime.providers', {});
    expect(p.setting).toBe('cuda');
    expect(p.platform).toBe('linux x64');
    const cuda = p.options.find((o) => o.id === 'cuda')!;
    // onnxruntime-node's CUDA provider is not installed on the build machines: say so and how to add it.
    expect([cuda.available, cuda.reason]).toEqual([false, 'onnxruntime\'s CUDA provider is not installed ("npm run setup:gpu", or the button below).']);
    expect(p.options.find((o) => o.id === 'directml')).toMatchObject({ available: false, reason: 'DirectML exists on Windows only.' });
    expect(p.gpuSetup).toMatchObject({ inApp: true, command: 'npm run setup:gpu' });
    await expect(t.studio.call('settings.set', { executionProvider: 'tpu' as never })).rejects.toMatchObject({ code: 'E_VALIDATION' });
  });

  it('the GPU setup button runs the setup script and reports what it said', async () => {
    process.env.RETAKE_SKIP_DOWNLOADS = '1';
    try {
      const r = await t.studio.call('runtime.setupGpu', {});
      expect(r).toEqual({ ok: false, message: 'retake setup: downloads skipped (RETAKE_SKIP_DOWNLOADS=1).' });
    } finally {
      delete process.env.RETAKE_SKIP_DOWNLOADS;
    }
  });
});

describe('model jobs after a crash of the app', () => {
  it('a job the journal shows running is reported as interrupted on the next start', async () => {
    const h = path.join(root, 'crashed');
    mkdirSync(h, { recursive: true });
    const running: ModelJob = {
      id: 7,
      kind: 'install',
      name: 'big',
      source: '/somewhere',
      status: 'running',
      progress: 0.4,
      stage: 'writing lm.fp16.onnx.data',
      error: null,
      createdAt: new Date().toISOString(),
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    writeFileSync(path.join(h, 'model-jobs.json'), JSON.stringify([running]));
    mkdirSync(path.join(h, 'models', '.big.partial-00aa11bb'), { recursive: true });
    const s2 = makeStudio(h);
    try {
      const st = await s2.studio.call('models.list', {});
      expect(st.jobs[0]).toMatchObject({ id: 7, status: 'failed', error: { code: 'E_ENGINE_CRASHED' } });
      expect(st.jobs[0]!.error!.message).toMatch(/^Interrupted: Retake stopped/);
      expect(st.packs).toMatchObject([{ name: 'big', status: 'interrupted' }]);
      const next = await s2.studio.call('models.verify', { name: 'nosuch' });
      expect(next.id).toBe(8);
    } finally {
      await s2.close();
    }
  });
});
