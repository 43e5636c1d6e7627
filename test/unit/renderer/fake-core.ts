// A stand-in for the core behind the renderer's Client, for controller tests: it answers the methods a test gives
// handlers for, records every call in order, and pushes events. A call without a handler fails with the method's
// name, so a test never passes on a call it did not expect.

import type { Clip, CloneJob, EditJob, EventMessage, EventName, Events, MethodName, Params, ProjectInfo, Result, Take, Track } from '../../../src-main/contract';
import type { ImportSource } from '../../../src-main/contract/methods';
import { Client, ClientError, type ConnectionState, type Transport, type UploadOptions } from '../../../src-renderer/lib/client';

type Handlers = { [M in MethodName]?: (params: Params<M>) => Result<M> | Promise<Result<M>> };

export class FakeCore implements Transport {
  kind: 'web' | 'electron' = 'web';
  connection: ConnectionState = 'open';
  readonly calls: { method: string; params: unknown }[] = [];
  handlers: Handlers = {};
  private readonly eventListeners = new Set<(msg: EventMessage) => void>();
  private readonly connectionListeners = new Set<(s: ConnectionState) => void>();

  async call(method: string, params: unknown): Promise<unknown> {
    this.calls.push({ method, params });
    const h = this.handlers[method as MethodName] as ((p: unknown) => unknown) | undefined;
    if (!h) throw new ClientError('E_INTERNAL', `The fake core has no handler for ${method}.`);
    return h(params);
  }

  /** The methods called so far, in order. */
  methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const l of [...this.eventListeners]) l({ event, payload } as EventMessage);
  }

  setConnection(s: ConnectionState): void {
    this.connection = s;
    for (const l of [...this.connectionListeners]) l(s);
  }

  onEvent(cb: (msg: EventMessage) => void): () => void {
    this.eventListeners.add(cb);
    return () => this.eventListeners.delete(cb);
  }

  onConnection(cb: (state: ConnectionState) => void): () => void {
    this.connectionListeners.add(cb);
    return () => this.connectionListeners.delete(cb);
  }

  /** How files become import sources (by path, named after the file); unset, importing fails. */
  sourceFor: ((file: File, opts?: UploadOptions) => ImportSource | Promise<ImportSource>) | null = null;

  async importSource(file: File, opts?: UploadOptions): Promise<ImportSource> {
    if (!this.sourceFor) throw new ClientError('E_INTERNAL', 'The fake core does not import files.');
    return this.sourceFor(file, opts);
  }

  resolveUrl(url: string): string {
    return `http://fake${url}`;
  }

  dispose(): void {
    this.eventListeners.clear();
    this.connectionListeners.clear();
  }
}

export function fakeClient(): { core: FakeCore; client: Client } {
  const core = new FakeCore();
  return { core, client: new Client(core) };
}

/** Lets pending promise callbacks run (the controllers chain a few awaits per action). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

export const SR = 48_000;

export function clip(id: number, over: Partial<Clip> = {}): Clip {
  return {
    id,
    trackId: 1,
    name: `clip ${id}`,
    start: 0,
    inPoint: 0,
    outPoint: 2 * SR,
    gainDb: 0,
    activeTakeId: id * 10,
    takeLength: 4 * SR,
    media: { hash: `h${id}`, format: 'wav', sampleRate: SR, channels: 1, frames: 4 * SR, durationSec: 4, originalName: null, url: `/media/h${id}.wav` },
    transcript: null,
    ...over,
  };
}

export const PROJECT: ProjectInfo = {
  dir: '/p',
  name: 'p',
  sampleRate: SR,
  createdAt: '2026-01-01T00:00:00Z',
  schemaVersion: 1,
  settings: { regionLengthMode: 'fit', clipLengthMode: 'free' },
};

export function track(id: number): Track {
  return { id, name: `Track ${id}`, order: id, gainDb: 0, muted: false, solo: false };
}

/**
 * A core with one open project holding these tracks and clips: it answers project.current, timeline.get and the clip
 * edits (clips.move, moveMany, trim, split, copy, delete, deleteMany: one entry each, as the real core), and keeps the
 * clips in `clips`.
 */
export function fakeProject(tracks: Track[], clips: Clip[]): { core: FakeCore; client: Client; clips: Clip[] } {
  const { core, client } = fakeClient();
  const state = { clips: [...clips], nextId: 1000 };
  const find = (id: number): Clip => {
    const c = state.clips.find((x) => x.id === id);
    if (!c) throw new ClientError('E_NOT_FOUND', `No clip ${id}.`);
    return c;
  };
  const update = (id: number, change: Partial<Clip>): Clip => {
    const i = state.clips.indexOf(find(id));
    const next = { ...state.clips[i]!, ...change };
    state.clips[i] = next;
    return next;
  };
  core.handlers = {
    'project.current': () => PROJECT,
    'timeline.get': () => ({ project: PROJECT, tracks, clips: [...state.clips], overlaps: [] }),
    'clips.move': (p) => update(p.clipId, p.trackId === undefined ? { start: p.start } : { start: p.start, trackId: p.trackId }),
    'clips.moveMany': (p) => p.moves.map((m) => update(m.clipId, m.trackId === undefined ? { start: m.start } : { start: m.start, trackId: m.trackId })),
    'clips.trim': (p) => update(p.clipId, p.start === undefined ? { inPoint: p.inPoint, outPoint: p.outPoint } : { inPoint: p.inPoint, outPoint: p.outPoint, start: p.start }),
    'clips.split': (p) => {
      const c = find(p.clipId);
      const cut = c.inPoint + (p.at - c.start);
      const left = update(c.id, { outPoint: cut });
      const right: Clip = { ...c, id: state.nextId++, start: p.at, inPoint: cut };
      state.clips.push(right);
      return { left, right };
    },
    'clips.copy': (p) => {
      const src = p.clipIds.map(find);
      const first = Math.min(...src.map((c) => c.start));
      const made = src.map((c) => ({ ...c, id: state.nextId++, start: p.start + (c.start - first), trackId: p.trackId ?? c.trackId }));
      state.clips.push(...made);
      return made;
    },
    'clips.delete': (p) => {
      state.clips = state.clips.filter((c) => c.id !== p.clipId);
      return null;
    },
    'clips.deleteMany': (p) => {
      state.clips = state.clips.filter((c) => !p.clipIds.includes(c.id));
      return null;
    },
  };
  return {
    core,
    client,
    get clips() {
      return state.clips;
    },
  };
}

export function take(id: number, clipId: number, parentId: number | null, over: Partial<Take> = {}): Take {
  return {
    id,
    clipId,
    parentId,
    kind: parentId === null ? 'source' : 'edit',
    pending: false,
    name: `take ${id}`,
    starred: false,
    engine: null,
    engineVersion: null,
    packHash: null,
    task: null,
    option: null,
    iteration: null,
    seed: null,
    textBefore: null,
    textAfter: null,
    params: {},
    metrics: null,
    deltas: null,
    deltasVsSource: null,
    level: { lufs: null, vsParentLu: null, vsSourceLu: null },
    change: null,
    jobId: null,
    createdAt: '2026-01-01T00:00:00Z',
    media: { hash: `t${id}`, format: 'wav', sampleRate: SR, channels: 1, frames: SR, durationSec: 1, originalName: null, url: `/media/t${id}.wav` },
    ...over,
  };
}

export function job(id: number, clipId: number, over: Partial<EditJob> = {}): EditJob {
  return {
    kind: 'edit',
    id,
    clipId,
    inputTakeId: clipId * 10,
    engine: 'prosody',
    task: 'speed',
    option: 'faster',
    iterations: 1,
    seed: 1,
    params: {},
    range: null,
    lengthMode: 'free',
    status: 'running',
    progress: 0.5,
    stage: null,
    error: null,
    resultTakeIds: [],
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: null,
    finishedAt: null,
    ...over,
  };
}

export function cloneJob(id: number, clipId: number, over: Partial<CloneJob> = {}): CloneJob {
  const { kind: _kind, range: _range, lengthMode: _mode, ...common } = job(id, clipId);
  return { ...common, kind: 'clone', engine: 'editx', task: 'clone', option: null, iterations: 1, params: {}, ...over };
}
