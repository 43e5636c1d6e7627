// The Models page and the runtime settings: installed packs (size, status, why one is unusable), model jobs with
// their progress (from `models.job` events), installing from a folder or downloading a published model, cancel,
// check, remove; the execution-provider setting, what this machine offers and what the sessions chose, and the GPU
// setup button; the EditX LM variant setting (auto or a variant of the installed pack, with each one's size and
// recorded agreement with fp32, and what auto picks and why). The page is an overlay any screen can open; this controller holds everything it shows.

import type {
  CatalogueEntry,
  ExecutionProvider,
  FolderListing,
  GpuSetupResult,
  ModelJob,
  ModelPack,
  ModelsState,
  ProvidersInfo,
} from '../../src-main/contract';
import type { Client } from './client';
import { Disposables } from './disposables';
import type { ErrorsController } from './errors.svelte';
import { t } from './i18n.svelte';

/** A job as the page shows it: the latest per pack name. */
export function latestJobs(jobs: readonly ModelJob[]): Map<string, ModelJob> {
  const out = new Map<string, ModelJob>();
  for (const j of jobs) if (!out.has(j.name) || out.get(j.name)!.id < j.id) out.set(j.name, j);
  return out;
}

export function isActive(j: ModelJob | undefined): boolean {
  return j !== undefined && (j.status === 'queued' || j.status === 'running');
}

/** "7.06 GB", "19.5 MB". */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return `${Math.round(n / 1e3)} kB`;
}

/** The "auto" choice to show: the GPU's where the provider may use one and its free memory is known, else the CPU's. */
export function pickAuto(pack: ModelPack | null, provider: ExecutionProvider): NonNullable<ModelPack['lm']>['auto'][number] | null {
  const auto = pack?.lm?.auto ?? [];
  return (provider !== 'cpu' ? auto.find((a) => a.device === 'gpu') : undefined) ?? auto.find((a) => a.device === 'cpu') ?? null;
}

export class ModelsController {
  isOpen = $state(false);
  dir = $state('');
  packs = $state.raw<ModelPack[]>([]);
  jobs = $state.raw<ModelJob[]>([]);
  catalogue = $state.raw<CatalogueEntry[]>([]);
  providers = $state.raw<ProvidersInfo | null>(null);
  setting = $state<ExecutionProvider>('cpu');
  /** "auto" or an LM variant name (settings.json `{"editx": {"variant": …}}`). */
  lmVariant = $state('auto');
  gpuSetup = $state<{ running: boolean; result: GpuSetupResult | null }>({ running: false, result: null });
  /** The folder picker (web shell and desktop alike, through files.browse). */
  browsing = $state.raw<FolderListing | null>(null);
  active = $derived(this.jobs.filter((j) => isActive(j)));
  /** The pack whose LM variants the setting offers: the first ready one with an LM, as the engine picks an installed pack. */
  lmPack = $derived(this.packs.find((p) => p.status === 'ready' && p.lm !== null) ?? null);
  /** What "auto" picks on the device the provider setting asks for (the GPU's when known and not set to the CPU). */
  lmAuto = $derived(pickAuto(this.lmPack, this.setting));
  private readonly client: Client;
  private readonly errors: ErrorsController;
  private readonly owner = new Disposables();

  constructor(client: Client, errors: ErrorsController) {
    this.client = client;
    this.errors = errors;
    this.owner.add(client.on('models.job', ({ job }) => this.merge(job)));
    this.owner.add(client.on('models.changed', () => void (this.isOpen && this.errors.guard(t('ctx.listModels'), () => this.refresh()))));
    this.owner.add(client.on('settings.changed', () => void (this.isOpen && this.errors.guard(t('ctx.readSettings'), () => this.loadSettings()))));
  }

  async open(): Promise<void> {
    this.isOpen = true;
    await this.errors.guard(t('ctx.listModels'), async () => {
      await Promise.all([this.refresh(), this.loadSettings()]);
    });
  }

  close(): void {
    this.isOpen = false;
    this.browsing = null;
  }

  async refresh(): Promise<void> {
    const s: ModelsState = await this.client.call('models.list', {});
    this.dir = s.dir;
    this.packs = s.packs;
    this.catalogue = s.catalogue;
    // Events may have brought newer states of the jobs than the list: keep the furthest.
    const byId = new Map(this.jobs.map((j) => [j.id, j]));
    this.jobs = s.jobs.map((j) => {
      const mine = byId.get(j.id);
      return mine && isActive(j) && mine.progress > j.progress ? mine : j;
    });
  }

  async loadSettings(): Promise<void> {
    const [settings, providers] = await Promise.all([this.client.call('settings.get', {}), this.client.call('runtime.providers', {})]);
    this.setting = settings.executionProvider;
    this.lmVariant = settings.lmVariant;
    this.providers = providers;
  }

  /** A job's latest state from an event; a finished job makes the list be read again. */
  private merge(job: ModelJob): void {
    const i = this.jobs.findIndex((j) => j.id === job.id);
    this.jobs = i < 0 ? [job, ...this.jobs] : this.jobs.map((j) => (j.id === job.id ? job : j));
  }

  install(path: string, name?: string): Promise<void> {
    return this.run(t('ctx.installPack'), () =>
      this.client.call('models.install', { source: { kind: 'folder', path }, ...(name ? { name } : {}) }),
    );
  }

  download(model: string): Promise<void> {
    return this.run(t('ctx.downloadModel'), () => this.client.call('models.install', { source: { kind: 'download', model } }));
  }

  verify(name: string): Promise<void> {
    return this.run(t('ctx.verifyPack'), () => this.client.call('models.verify', { name }));
  }

  async cancel(jobId: number): Promise<void> {
    await this.errors.guard(t('ctx.cancelJob'), async () => this.merge(await this.client.call('models.cancel', { jobId })));
  }

  async remove(name: string): Promise<void> {
    await this.errors.guard(t('ctx.removePack'), async () => {
      await this.client.call('models.remove', { name });
      await this.refresh();
    });
  }

  private async run(context: string, start: () => Promise<ModelJob>): Promise<void> {
    await this.errors.guard(context, async () => this.merge(await start()));
  }

  async setProvider(v: ExecutionProvider): Promise<void> {
    await this.errors.guard(t('ctx.saveSetting'), async () => {
      this.setting = (await this.client.call('settings.set', { executionProvider: v })).executionProvider;
    });
  }

  async setLmVariant(v: string): Promise<void> {
    await this.errors.guard(t('ctx.saveSetting'), async () => {
      this.lmVariant = (await this.client.call('settings.set', { lmVariant: v })).lmVariant;
    });
  }

  async setupGpu(): Promise<void> {
    this.gpuSetup = { running: true, result: null };
    const result = await this.errors.guard(t('ctx.setupGpu'), () => this.client.call('runtime.setupGpu', {}));
    this.gpuSetup = { running: false, result: result ?? null };
    await this.errors.guard(t('ctx.readSettings'), () => this.loadSettings());
  }

  async browse(dir?: string): Promise<void> {
    await this.errors.guard(t('ctx.browseFolders'), async () => {
      this.browsing = await this.client.call('files.browse', dir ? { dir } : {});
    });
  }

  closeBrowser(): void {
    this.browsing = null;
  }

  dispose(): void {
    this.owner.dispose();
  }
}
