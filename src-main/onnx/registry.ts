// The sessions of one model pack, by stage name ('lm', and the tokenizer and decoder stages as they come): each opened
// on first `get` (concurrent gets share one open), all released when another pack is put in use or on `releaseAll`.
// Memory is logged per stage: the process's resident size when the stage opened and its peak (getrusage's maxRSS,
// which also sees the high-water mark inside a blocking run) while the stage was open.

import { RetakeError } from '../contract/errors';
import { openSession, type OnnxSession, type OpenSessionOptions } from './session';
import type { GraphSpec } from './spec';

/** How a stage opens: a graph file and its spec, or a function for stages that need more (variant files, checks). */
export type StageDefinition =
  | { file: string | Uint8Array; spec: GraphSpec; options?: OpenSessionOptions }
  | { open: () => Promise<OnnxSession> };

export interface StageStats {
  stage: string;
  provider: string;
  openMs: number;
  runs: number;
  /** Resident set size just before and just after the stage opened, in bytes. */
  rssBefore: number;
  rssAfterOpen: number;
  /** The process's peak resident size up to the stage's latest run (or its open), in bytes. */
  peakRss: number;
}

interface Open {
  promise: Promise<OnnxSession>;
  stats: StageStats | null;
}

const MB = 1024 * 1024;
const mb = (n: number) => `${Math.round(n / MB)} MB`;
/** process.resourceUsage().maxRSS is in kilobytes. */
const peakRssNow = () => process.resourceUsage().maxRSS * 1024;

export class SessionRegistry<Stage extends string = string> {
  private owner: string | null = null;
  private stages: Partial<Record<Stage, StageDefinition>> = {};
  private readonly open = new Map<Stage, Open>();
  private readonly log: (line: string) => void;

  constructor(opts: { log?: (line: string) => void } = {}) {
    this.log = opts.log ?? ((line) => console.error(line));
  }

  /** The pack (or other owner) whose stages `get` opens, e.g. its folder. */
  get current(): string | null {
    return this.owner;
  }

  /**
   * Puts a pack's stages in use. Another owner than the current one releases every open session first (a pack
   * switch); the same owner keeps them.
   */
  async use(owner: string, stages: Record<Stage, StageDefinition>): Promise<void> {
    if (this.owner !== owner) await this.releaseAll();
    this.owner = owner;
    this.stages = stages;
  }

  /** The stage's session, opened on first use. A failed open is forgotten, so the next get tries again. */
  get(stage: Stage): Promise<OnnxSession> {
    const have = this.open.get(stage);
    if (have) return have.promise;
    const def = this.stages[stage];
    if (!def || this.owner === null) {
      const known = Object.keys(this.stages);
      return Promise.reject(
        new RetakeError(
          'E_ENGINE_UNAVAILABLE',
          `The model pack ${this.owner ?? '(none in use)'} has no stage "${stage}"${known.length ? ` (it has ${known.join(', ')})` : ''}.`,
        ),
      );
    }
    const owner = this.owner;
    const entry: Open = { promise: Promise.resolve(null as unknown as OnnxSession), stats: null };
    entry.promise = (async () => {
      const rssBefore = process.memoryUsage.rss();
      const t0 = performance.now();
      const session = 'open' in def ? await def.open() : await openSession(def.file, def.spec, def.options);
      const stats: StageStats = {
        stage,
        provider: session.provider,
        openMs: performance.now() - t0,
        runs: 0,
        rssBefore,
        rssAfterOpen: process.memoryUsage.rss(),
        peakRss: peakRssNow(),
      };
      entry.stats = stats;
      session.afterRun = () => {
        stats.runs++;
        stats.peakRss = peakRssNow();
      };
      this.log(
        `onnx: ${owner} ${stage} opened in ${Math.round(stats.openMs)} ms, ${session.providerReason}; ` +
          `RSS ${mb(rssBefore)} → ${mb(stats.rssAfterOpen)}, peak ${mb(stats.peakRss)}`,
      );
      return session;
    })();
    this.open.set(stage, entry);
    entry.promise.catch(() => {
      if (this.open.get(stage) === entry) this.open.delete(stage);
    });
    return entry.promise;
  }

  /** Stages whose sessions are open (or opening). */
  opened(): Stage[] {
    return [...this.open.keys()];
  }

  stats(): StageStats[] {
    return [...this.open.values()].flatMap((o) => (o.stats ? [{ ...o.stats }] : []));
  }

  async release(stage: Stage): Promise<void> {
    const entry = this.open.get(stage);
    if (!entry) return;
    this.open.delete(stage);
    let session: OnnxSession;
    try {
      session = await entry.promise;
    } catch {
      return; // a session that failed to open holds nothing
    }
    await session.release();
    const s = entry.stats;
    if (s) this.log(`onnx: ${this.owner} ${stage} released after ${s.runs} runs; peak RSS while open ${mb(s.peakRss)}`);
  }

  async releaseAll(): Promise<void> {
    for (const stage of [...this.open.keys()]) await this.release(stage);
  }
}
