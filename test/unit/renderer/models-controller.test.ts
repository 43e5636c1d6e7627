// The Models page's controller over a fake core: opening lists packs, jobs, catalogue and settings; job events move
// progress forward and a finished job re-reads the list; install, download, cancel, verify and remove call the
// contract; a refused call becomes a toast; the provider setting and the GPU setup button; the LM variant setting
// (saved through settings.set, the pack it offers and what auto picks for the provider's device); the toasts name
// the failed action in the UI language.

import { describe, expect, it } from 'vitest';
import type { ModelJob, ModelPack, ProvidersInfo } from '../../../src-main/contract';
import { ErrorsController } from '../../../src-renderer/lib/errors.svelte';
import { i18n } from '../../../src-renderer/lib/i18n.svelte';
import { formatBytes, latestJobs, ModelsController, pickAuto } from '../../../src-renderer/lib/models.svelte';
import { ClientError } from '../../../src-renderer/lib/client';
import { fakeClient, settle } from './fake-core';

const pack = (name: string, over: Partial<ModelPack> = {}): ModelPack => ({
  name,
  dir: `/retake-home/models/${name}`,
  bytes: 7_100_000_000,
  status: 'ready',
  reason: null,
  description: null,
  components: ['lm', 'textTokenizer'],
  variants: ['fp16'],
  origin: 'retake pack build',
  verified: null,
  lm: null,
  ...over,
});

const lm: NonNullable<ModelPack['lm']> = {
  variants: [
    { name: 'fp32', dtype: 'fp32', bytes: 14_400_000_000, agreement: null, problem: null, note: null },
    { name: 'int8', dtype: 'int8', bytes: 3_900_000_000, agreement: { top1: 0.98, positions: 256 }, problem: null, note: null },
    { name: 'int4', dtype: 'int4', bytes: 2_100_000_000, agreement: { top1: 0.1, positions: 256 }, problem: 'LM variant "int4" (int4) agrees with fp32 on the top-1 id at only 10.0 %', note: null },
  ],
  auto: [
    { device: 'cpu', variant: 'int8', reason: 'int8: needs 3.9 GB + 2.0 GB for the other stages, 7.0 GB free in RAM', fits: true },
    { device: 'gpu', variant: 'int8', reason: 'int8: needs 3.9 GB + 2.0 GB for the other stages, 6.5 GB free on the GPU', fits: true },
  ],
};

const job = (id: number, over: Partial<ModelJob> = {}): ModelJob => ({
  id,
  kind: 'install',
  name: 'editx',
  source: '/dl',
  status: 'running',
  progress: 0.1,
  stage: 'writing lm.fp16.onnx.data',
  error: null,
  createdAt: '2026-12-07T00:00:00Z',
  startedAt: '2026-12-07T00:00:00Z',
  finishedAt: null,
  ...over,
});

const providers: ProvidersInfo = {
  setting: 'cpu',
  platform: 'linux x64',
  options: [
    { id: 'auto', label: 'Automatic', available: true, reason: null },
    { id: 'cpu', label: 'CPU', available: true, reason: null },
    { id: 'cuda', label: 'CUDA', available: false, reason: 'not installed' },
  ],
  sessions: [],
  gpuSetup: { inApp: true, command: 'npm run setup:gpu', note: 'downloads it' },
};

function setup() {
  const { core, client } = fakeClient();
  const errors = new ErrorsController();
  let packs = [pack('old', { status: 'unusable', reason: 'lm.fp16.onnx.data is damaged' })];
  core.handlers = {
    'models.list': () => ({ dir: '/retake-home/models', packs, jobs: [job(1, { status: 'done', progress: 1, name: 'old' })], catalogue: [] }),
    'settings.get': () => ({ executionProvider: 'cpu', lmVariant: 'auto' }),
    'runtime.providers': () => providers,
  };
  const models = new ModelsController(client, errors);
  return { core, models, errors, setPacks: (p: ModelPack[]) => (packs = p) };
}

describe('ModelsController', () => {
  it('opens with the packs (and why one is unusable), the jobs and the settings', async () => {
    const { core, models } = setup();
    await models.open();
    expect(models.isOpen).toBe(true);
    expect(models.packs.map((p) => [p.name, p.status, p.reason])).toEqual([['old', 'unusable', 'lm.fp16.onnx.data is damaged']]);
    expect(models.setting).toBe('cpu');
    expect(models.providers?.options.find((o) => o.id === 'cuda')?.reason).toBe('not installed');
    expect(core.methods().sort()).toEqual(['models.list', 'runtime.providers', 'settings.get']);
  });

  it('installs from a folder, follows progress by events, and re-reads the list when the job ends', async () => {
    const { core, models, setPacks } = setup();
    await models.open();
    core.handlers['models.install'] = () => job(2, { status: 'queued', progress: 0, name: 'editx' });
    await models.install('/downloads/Step-Audio-EditX', 'editx');
    expect(core.calls.at(-1)).toEqual({ method: 'models.install', params: { source: { kind: 'folder', path: '/downloads/Step-Audio-EditX' }, name: 'editx' } });
    expect(models.active.map((j) => j.id)).toEqual([2]);
    core.emit('models.job', { job: job(2, { progress: 0.5 }) });
    expect(latestJobs(models.jobs).get('editx')?.progress).toBe(0.5);
    setPacks([pack('editx')]);
    core.emit('models.job', { job: job(2, { status: 'done', progress: 1 }) });
    core.emit('models.changed', {});
    await settle();
    expect(models.active).toEqual([]);
    expect(models.packs.map((p) => p.name)).toEqual(['editx']);
  });

  it('downloads, cancels, checks and removes through the contract', async () => {
    const { core, models } = setup();
    await models.open();
    core.handlers['models.install'] = () => job(3, { status: 'queued', source: 'download:step-audio-editx' });
    core.handlers['models.cancel'] = (p) => job(p.jobId, { status: 'cancelled' });
    core.handlers['models.verify'] = (p) => job(4, { kind: 'verify', name: p.name, status: 'queued', source: null });
    core.handlers['models.remove'] = () => null;
    await models.download('step-audio-editx');
    await models.cancel(3);
    expect(models.jobs.find((j) => j.id === 3)?.status).toBe('cancelled');
    await models.verify('old');
    await models.remove('old');
    expect(core.calls.slice(-5).map((c) => [c.method, c.params])).toEqual([
      ['models.install', { source: { kind: 'download', model: 'step-audio-editx' } }],
      ['models.cancel', { jobId: 3 }],
      ['models.verify', { name: 'old' }],
      ['models.remove', { name: 'old' }],
      ['models.list', {}],
    ]);
  });

  it('shows a refused call as a toast with its code', async () => {
    const { core, models, errors } = setup();
    core.handlers['models.remove'] = () => {
      throw new ClientError('E_JOB_ACTIVE', 'Cannot remove old: it is being checked (job 4); wait or cancel it.');
    };
    await models.remove('old');
    expect(errors.entries.map((e) => [e.code, e.message])).toEqual([['E_JOB_ACTIVE', 'Cannot remove old: it is being checked (job 4); wait or cancel it.']]);
  });

  it('names the failed action in the UI language and keeps the core\'s message as it arrived', async () => {
    const { core, models, errors } = setup();
    core.handlers['models.verify'] = () => {
      throw new ClientError('E_NOT_FOUND', 'No model pack named old.');
    };
    await models.verify('old');
    i18n.setLocale('zh-CN');
    try {
      await models.verify('old');
    } finally {
      i18n.setLocale(null);
    }
    expect(errors.entries.map((e) => [e.context, e.message])).toEqual([
      ['Check the model pack', 'No model pack named old.'],
      ['检查模型包', 'No model pack named old.'],
    ]);
  });

  it('saves the provider setting and runs the GPU setup, then reads the providers again', async () => {
    const { core, models } = setup();
    await models.open();
    core.handlers['settings.set'] = (p) => ({ executionProvider: p.executionProvider ?? 'cpu', lmVariant: 'auto' });
    core.handlers['runtime.setupGpu'] = () => ({ ok: false, message: 'retake setup: CUDA provider could not be downloaded (offline).' });
    await models.setProvider('auto');
    expect(models.setting).toBe('auto');
    const done = models.setupGpu();
    expect(models.gpuSetup.running).toBe(true);
    await done;
    expect(models.gpuSetup).toEqual({ running: false, result: { ok: false, message: 'retake setup: CUDA provider could not be downloaded (offline).' } });
    expect(core.methods().slice(-3)).toEqual(['runtime.setupGpu', 'settings.get', 'runtime.providers']);
  });

  it('saves the LM variant setting and offers the first ready pack with an LM', async () => {
    const { core, models, setPacks } = setup();
    setPacks([pack('broken', { status: 'unusable', reason: 'damaged', lm }), pack('vocoder-only'), pack('editx', { lm })]);
    await models.open();
    expect(models.lmVariant).toBe('auto');
    expect(models.lmPack?.name).toBe('editx');
    let saved = 'auto';
    core.handlers['settings.set'] = (p) => {
      saved = p.lmVariant ?? saved;
      return { executionProvider: 'cpu', lmVariant: saved };
    };
    await models.setLmVariant('int8');
    expect(core.calls.at(-1)).toEqual({ method: 'settings.set', params: { lmVariant: 'int8' } });
    expect(models.lmVariant).toBe('int8');
    // Another window changed it: the settings event reads it again.
    core.handlers['settings.get'] = () => ({ executionProvider: 'cpu', lmVariant: 'fp32' });
    core.emit('settings.changed', {});
    await settle();
    expect(models.lmVariant).toBe('fp32');
  });

  it('refuses a bad variant name with a toast and keeps the setting', async () => {
    const { core, models, errors } = setup();
    await models.open();
    core.handlers['settings.set'] = () => {
      throw new ClientError('E_VALIDATION', 'lmVariant: is not an LM variant name (auto, int4, int8, fp16, fp32, …)');
    };
    await models.setLmVariant('INT 8');
    expect(models.lmVariant).toBe('auto');
    expect(errors.entries.map((e) => e.code)).toEqual(['E_VALIDATION']);
  });

  it("shows auto's choice for the device the provider setting asks for", () => {
    const p = pack('editx', { lm });
    expect(pickAuto(p, 'cpu')?.reason).toContain('free in RAM');
    expect(pickAuto(p, 'auto')?.reason).toContain('free on the GPU');
    expect(pickAuto(pack('editx', { lm: { ...lm, auto: lm.auto.slice(0, 1) } }), 'cuda')?.device).toBe('cpu');
    expect(pickAuto(pack('editx', { lm: { ...lm, auto: [] } }), 'cpu')).toBeNull();
    expect(pickAuto(null, 'cpu')).toBeNull();
  });

  it('formats sizes', () => {
    expect([formatBytes(7_059_000_000), formatBytes(19_529_728), formatBytes(48_000)]).toEqual(['7.06 GB', '19.5 MB', '48 kB']);
  });
});
