// Model packs and the runtime settings, for the Models page and Settings: the installed packs (listed by the audio
// host, which reads their manifests), installs and checks as app jobs (./jobs/app-queue.ts; the work runs in the
// audio host: copying, converting and hashing gigabytes), removal (refused while a job works on the pack), the
// execution-provider and LM variant settings that the model sessions read, what those sessions chose and why, and adding
// onnxruntime's CUDA provider the way `npm run setup:gpu` does, where this installation can.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  RetakeError,
  type AppSettings,
  type ExecutionProvider,
  type GpuSetupResult,
  type ModelJob,
  type ModelsState,
  type ParsedParams,
  type ProvidersInfo,
} from '../../contract';
import { appRoot } from '../../paths';
import type { StudioContext } from '../context';
import { AppJobQueue } from './jobs/app-queue';
import type { AppJobKind } from './jobs/kinds';

const PackSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('folder'), path: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('download'), model: z.string().min(1) }).strict(),
]);
const InstallSpec = z.object({ source: PackSource, name: z.string().optional(), variants: z.array(z.string()).optional() }).strict();
type InstallSpec = z.infer<typeof InstallSpec>;
const VerifySpec = z.object({ name: z.string().min(1) }).strict();
type VerifySpec = z.infer<typeof VerifySpec>;

// A GPU provider download (NuGet, ~1 GB) on a slow line; the script's own limit is the same.
const GPU_SETUP_TIMEOUT_MS = 15 * 60 * 1000;
const GPU_COMMAND = 'npm run setup:gpu';

export class ModelsService {
  readonly queue: AppJobQueue;

  constructor(
    private readonly ctx: StudioContext,
    /** Called when the installed packs changed (an install or check ended, a pack was removed). */
    private readonly packsChanged: () => void = () => {},
  ) {
    this.queue = new AppJobQueue(ctx);
    this.queue.register(this.installKind());
    this.queue.register(this.verifyKind());
  }

  private installKind(): AppJobKind<InstallSpec> {
    return {
      name: 'models.install',
      spec: InstallSpec,
      subject: (s) => ({
        kind: 'install',
        name: s.name ?? (s.source.kind === 'folder' ? path.basename(s.source.path) : s.source.model),
        source: s.source.kind === 'folder' ? s.source.path : `download:${s.source.model}`,
      }),
      run: async (r) => {
        await this.ctx.host.call(
          'packInstall',
          { home: this.ctx.home, source: r.spec.source, ...(r.spec.name ? { name: r.spec.name } : {}), ...(r.spec.variants ? { variants: r.spec.variants } : {}) },
          { signal: r.signal, onProgress: (v, stage) => r.progress(v, stage) },
        );
        this.packsChanged();
      },
    };
  }

  private verifyKind(): AppJobKind<VerifySpec> {
    return {
      name: 'models.verify',
      spec: VerifySpec,
      subject: (s) => ({ kind: 'verify', name: s.name, source: null }),
      run: async (r) => {
        try {
          await this.ctx.host.call('packVerify', { home: this.ctx.home, name: r.spec.name }, { signal: r.signal, onProgress: (v, stage) => r.progress(v, stage) });
        } finally {
          // A check that finds a damaged file changes the pack's status as much as one that passes.
          this.packsChanged();
        }
      },
    };
  }

  async list(): Promise<ModelsState> {
    const r = await this.ctx.host.call('packs', { home: this.ctx.home });
    return { dir: r.dir, packs: r.packs, jobs: this.queue.list(), catalogue: r.catalogue };
  }

  install(p: ParsedParams<'models.install'>): ModelJob {
    const source = p.source.kind === 'folder' ? { kind: 'folder' as const, path: this.userPath(p.source.path) } : p.source;
    if (p.name) this.refuseBusy(p.name, 'install');
    return this.queue.enqueue('models.install', { source, ...(p.name ? { name: p.name } : {}), ...(p.variant ? { variants: [p.variant] } : {}) });
  }

  verify(name: string): ModelJob {
    this.refuseBusy(name, 'check');
    return this.queue.enqueue('models.verify', { name });
  }

  async remove(name: string): Promise<void> {
    this.refuseBusy(name, 'remove');
    // The model host's sessions keep the pack's files open, and Windows cannot delete open files.
    await this.ctx.host.call('packRelease', { home: this.ctx.home, name });
    await this.ctx.host.call('packRemove', { home: this.ctx.home, name });
    this.ctx.events.emit('models.changed', {});
    this.packsChanged();
  }

  cancel(jobId: number): ModelJob {
    return this.queue.cancel(jobId);
  }

  private refuseBusy(name: string, what: string): void {
    const busy = this.queue.active().find((j) => j.name === name);
    if (busy) {
      throw new RetakeError('E_JOB_ACTIVE', `Cannot ${what} ${name}: it is being ${busy.kind === 'install' ? 'installed' : 'checked'} (job ${busy.id}); wait or cancel it.`);
    }
  }

  /** A folder typed in the web shell: ~ and relative paths from the user's home. */
  private userPath(p: string): string {
    if (p === '~') return this.ctx.userHome;
    if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(this.ctx.userHome, p.slice(2));
    return path.isAbsolute(p) ? path.normalize(p) : path.join(this.ctx.userHome, p);
  }

  // ---------------------------------------------------------------- settings and providers

  settings(): AppSettings {
    return { executionProvider: this.ctx.settings.executionProvider, lmVariant: this.ctx.settings.lmVariant() };
  }

  setSettings(p: ParsedParams<'settings.set'>): AppSettings {
    if (p.executionProvider !== undefined) this.ctx.settings.executionProvider = p.executionProvider as ExecutionProvider;
    if (p.lmVariant !== undefined) this.ctx.settings.setLmVariant(p.lmVariant);
    this.ctx.events.emit('settings.changed', {});
    return this.settings();
  }

  async providers(): Promise<ProvidersInfo> {
    const r = await this.ctx.host.call('providers', { setting: this.ctx.settings.executionProvider });
    return { ...r, gpuSetup: gpuSetupPlan() };
  }

  /** Runs scripts/setup-runtimes.mjs --gpu (what `npm run setup:gpu` runs) where this installation has it. */
  async setupGpu(): Promise<GpuSetupResult> {
    const plan = gpuSetupPlan();
    if (!plan.inApp) return { ok: false, message: plan.note };
    const script = path.join(appRoot(), 'scripts', 'setup-runtimes.mjs');
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      // In Electron, execPath is the app itself; ELECTRON_RUN_AS_NODE makes it run the script as Node would.
      const child = spawn(process.execPath, [script, '--gpu'], {
        cwd: appRoot(),
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: GPU_SETUP_TIMEOUT_MS,
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', (e) => resolve({ code: null, text: `${text}${e.message}` }));
      child.on('close', (code) => resolve({ code, text }));
    });
    const lines = out.text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('retake setup:'));
    const after = await this.ctx.host.call('providers', { setting: this.ctx.settings.executionProvider });
    const cuda = after.options.find((o) => o.id === 'cuda');
    const ok = out.code === 0 && cuda?.available === true;
    this.ctx.events.emit('settings.changed', {});
    return {
      ok,
      message: lines.join(' ') || (ok ? 'The CUDA provider is installed.' : `The setup script ended with ${out.code ?? 'an error'}: ${out.text.trim().split('\n').at(-1) ?? ''}`),
    };
  }
}

/** Whether this installation can add the CUDA provider itself: the setup script ships only with a source checkout. */
export function gpuSetupPlan(platform: string = process.platform, arch: string = process.arch): ProvidersInfo['gpuSetup'] {
  if (!((platform === 'linux' || platform === 'win32') && arch === 'x64')) {
    return { inApp: false, command: GPU_COMMAND, note: `onnxruntime has no CUDA provider for ${platform} ${arch}; the CPU${platform === 'win32' ? ' or DirectML' : platform === 'darwin' ? ' or CoreML' : ''} runs the models.` };
  }
  const script = path.join(appRoot(), 'scripts', 'setup-runtimes.mjs');
  if (!existsSync(script)) {
    return {
      inApp: false,
      command: GPU_COMMAND,
      note: 'This installed copy of Retake cannot add onnxruntime\'s CUDA provider itself. Install a Retake build that includes it, or run "npm run setup:gpu" in a Retake source folder.',
    };
  }
  return { inApp: true, command: GPU_COMMAND, note: 'Downloads onnxruntime\'s CUDA provider (about 1 GB, from NuGet) into this installation, as "npm run setup:gpu" does.' };
}
