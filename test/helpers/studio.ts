// A studio core wired to real engine host processes (dist/engine-host.mjs as the audio host and the model host),
// isolated in a temp RETAKE_HOME.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { forkSpawner, type EngineHost } from '../../src-main/engines/host/client';
import { hostRoleArg } from '../../src-main/engines/host/protocol';
import { HostRouter } from '../../src-main/engines/host/router';
import { Studio } from '../../src-main/studio/studio';
import type { EventName, Events } from '../../src-main/contract';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const corpus = path.resolve(repoRoot, '..', 'shared', 'corpus');

export function corpusFile(name: string): string {
  const f = path.join(corpus, name);
  if (!existsSync(f)) throw new Error(`${f} is missing: the tests need ../shared/corpus beside the repository.`);
  return f;
}

export function hostEntry(): string {
  const f = path.join(repoRoot, 'dist', 'engine-host.mjs');
  if (!existsSync(f)) throw new Error(`${f} is missing: run "npm run build" before the integration tests.`);
  return f;
}

export interface TestStudio {
  studio: Studio;
  /** The model host: where the `test` engine runs (and so where the tests crash, hang and kill). */
  host: EngineHost;
  /** The audio host: imports, exports, the built-in engine. */
  audioHost: EngineHost;
  /** The one caller the studio uses. */
  hosts: HostRouter;
  /** Why either host restarted, in order. */
  restarts: string[];
  events: Array<{ event: EventName; payload: unknown }>;
  /** Resolves with the first event of that name matching the predicate (from now on). */
  next<E extends EventName>(event: E, pred?: (p: Events[E]) => boolean): Promise<Events[E]>;
  close(): Promise<void>;
}

export function makeStudio(
  home: string,
  opts: { analyze?: boolean; cancelGraceMs?: number; userHome?: string; env?: Record<string, string> } = {},
): TestStudio {
  const restarts: string[] = [];
  let studio: Studio | null = null;
  const env = { ...process.env, RETAKE_TEST_ENGINES: '1', RETAKE_HOME: home, ...opts.env };
  const hosts = new HostRouter((role) => forkSpawner(hostEntry(), env, [hostRoleArg(role)]), {
    cancelGraceMs: opts.cancelGraceMs ?? 1000,
    onRestart: (why) => {
      restarts.push(why);
      studio?.hostRestarted();
    },
  });
  studio = new Studio({ host: hosts, home, analyze: opts.analyze ?? false, ...(opts.userHome ? { userHome: opts.userHome } : {}) });
  const s = studio;
  const events: TestStudio['events'] = [];
  s.events.onAny((event, payload) => events.push({ event, payload }));
  return {
    studio: s,
    host: hosts.model,
    audioHost: hosts.audio,
    hosts,
    restarts,
    events,
    next(event, pred) {
      return new Promise((resolve) => {
        const off = s.events.on(event, (p) => {
          if (!pred || pred(p)) {
            off();
            resolve(p);
          }
        });
      });
    },
    async close() {
      await s.dispose();
      await hosts.dispose();
    },
  };
}
