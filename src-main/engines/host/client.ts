// The studio core's side of the engine host: spawns the host process, sends calls, routes progress, and survives
// the host. A host that exits while calls are pending fails them with E_ENGINE_CRASHED and is respawned; a call
// that does not stop within the grace time after cancel gets the host killed and respawned.

import { fork } from 'node:child_process';
import { RetakeError, fromErrorPayload } from '../../contract/errors';
import type { CallArgs, HostMessage, HostRequest, HostResults } from './protocol';

/** One running host process, whatever started it (child_process.fork, Electron's utilityProcess). */
export interface HostChannel {
  readonly pid: number | undefined;
  send(msg: HostRequest): void;
  onMessage(cb: (msg: HostMessage) => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export type HostSpawner = () => HostChannel;

/** A host started with child_process.fork (the web shell, CLI and tests). */
export function forkSpawner(entry: string, env: NodeJS.ProcessEnv = process.env): HostSpawner {
  return () => {
    const child = fork(entry, [], {
      serialization: 'advanced',
      // The host's stdout goes to our stderr: a shell's stdout carries only what the shell prints (the URL line).
      stdio: ['ignore', 2, 2, 'ipc'],
      env,
    });
    // A send to a child that is dying fails asynchronously (EPIPE); its exit is handled through 'exit'.
    child.on('error', () => {});
    return {
      get pid() {
        return child.pid;
      },
      send: (msg) => {
        if (child.connected) child.send(msg, (err) => void err);
      },
      onMessage: (cb) => child.on('message', (m) => cb(m as HostMessage)),
      onExit: (cb) => child.on('exit', (code, signal) => cb(code, signal)),
      kill: () => {
        child.kill('SIGKILL');
      },
    };
  };
}

interface Pending {
  type: HostRequest['type'];
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  onProgress?: (value: number, stage: string | null) => void;
  cancelTimer?: NodeJS.Timeout;
  cancelled: boolean;
}

export interface EngineHostOptions {
  /** How long a cancelled call may take to stop before the host is killed. */
  cancelGraceMs?: number;
  /** Called after the host was restarted (crash or kill). */
  onRestart?: (reason: string) => void;
  /** Give up respawning after this many exits within `crashWindowMs`. */
  maxCrashes?: number;
  crashWindowMs?: number;
}

export class EngineHost {
  private channel: HostChannel | null = null;
  private ready: Promise<void> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  private crashes: number[] = [];
  private killReason: string | null = null;
  private readonly opts: Required<Omit<EngineHostOptions, 'onRestart'>> & Pick<EngineHostOptions, 'onRestart'>;

  constructor(
    private readonly spawner: HostSpawner,
    opts: EngineHostOptions = {},
  ) {
    this.opts = { cancelGraceMs: 3000, maxCrashes: 5, crashWindowMs: 60_000, ...opts };
  }

  get pid(): number | undefined {
    return this.channel?.pid;
  }

  /** Starts the host if it is not running and waits until it says it is ready. */
  start(): Promise<void> {
    if (this.disposed) return Promise.reject(new RetakeError('E_ENGINE_UNAVAILABLE', 'The engine host was shut down.'));
    if (this.ready) return this.ready;
    const recent = this.crashes.filter((t) => Date.now() - t < this.opts.crashWindowMs);
    if (recent.length >= this.opts.maxCrashes) {
      return Promise.reject(
        new RetakeError(
          'E_ENGINE_UNAVAILABLE',
          `The engine process crashed ${recent.length} times in a row and was not restarted again. Restart Retake; if it keeps happening, report it with the log.`,
        ),
      );
    }
    const ch = this.spawner();
    this.channel = ch;
    this.ready = new Promise<void>((resolve, reject) => {
      let isReady = false;
      ch.onMessage((msg) => {
        if (msg.type === 'ready') {
          isReady = true;
          resolve();
          return;
        }
        this.route(msg);
      });
      ch.onExit((code, signal) => {
        if (!isReady) reject(new RetakeError('E_ENGINE_UNAVAILABLE', `The engine process failed to start (exit ${code ?? signal}).`));
        this.onExit(ch, code, signal);
      });
    });
    return this.ready;
  }

  private route(msg: HostMessage): void {
    if (msg.type === 'ready') return;
    const p = this.pending.get(msg.callId);
    if (!p) return;
    if (msg.type === 'progress') {
      p.onProgress?.(msg.value, msg.stage);
      return;
    }
    this.pending.delete(msg.callId);
    if (p.cancelTimer) clearTimeout(p.cancelTimer);
    if (msg.type === 'result') p.resolve(msg.result);
    else p.reject(fromErrorPayload(msg.error));
  }

  private onExit(ch: HostChannel, code: number | null, signal: string | null): void {
    if (this.channel !== ch) return;
    this.channel = null;
    this.ready = null;
    const killed = this.killReason;
    this.killReason = null;
    if (!killed && !this.disposed) this.crashes.push(Date.now());
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      if (p.cancelTimer) clearTimeout(p.cancelTimer);
      if (p.cancelled) p.reject(new RetakeError('E_CANCELLED', 'Cancelled.'));
      else if (this.disposed) p.reject(new RetakeError('E_ENGINE_UNAVAILABLE', 'Retake is shutting down; the engine process was stopped.'));
      else if (killed) p.reject(new RetakeError('E_ENGINE_CRASHED', `The engine process was restarted (${killed}) while this ran.`));
      else
        p.reject(
          new RetakeError(
            'E_ENGINE_CRASHED',
            `The engine process stopped unexpectedly (${how}) while running this ${p.type}. It has been restarted; your project is intact. Try again, and report it if it repeats.`,
          ),
        );
    }
    if (!this.disposed) {
      this.opts.onRestart?.(killed ?? `crashed with ${how}`);
      // Respawn eagerly so the next job does not pay the start-up; a failure surfaces on the next call.
      this.start().catch(() => {});
    }
  }

  /** Sends one call; resolves with its result, rejects with a RetakeError. */
  async call<T extends Exclude<HostRequest['type'], 'cancel'>>(
    type: T,
    args: CallArgs<T>,
    opts: { onProgress?: (value: number, stage: string | null) => void; signal?: AbortSignal } = {},
  ): Promise<HostResults[T]> {
    opts.signal?.throwIfAborted();
    await this.start();
    // Aborted while the host was (re)starting: the abort listener below would never fire.
    opts.signal?.throwIfAborted();
    const ch = this.channel;
    if (!ch) throw new RetakeError('E_ENGINE_UNAVAILABLE', 'The engine process is not running.');
    const callId = this.nextId++;
    const promise = new Promise<HostResults[T]>((resolve, reject) => {
      this.pending.set(callId, {
        type,
        resolve: resolve as (v: unknown) => void,
        reject,
        cancelled: false,
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      });
    });
    const onAbort = () => this.cancel(callId);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    ch.send({ type, callId, ...args } as HostRequest);
    try {
      return await promise;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Asks the host to stop a call; kills and respawns the host if the call does not end within the grace time. */
  private cancel(callId: number): void {
    const p = this.pending.get(callId);
    const ch = this.channel;
    if (!p || !ch || p.cancelled) return;
    p.cancelled = true;
    ch.send({ type: 'cancel', callId });
    p.cancelTimer = setTimeout(() => {
      if (this.pending.has(callId) && this.channel === ch) {
        this.killReason = 'a cancelled job did not stop in time';
        ch.kill();
      }
    }, this.opts.cancelGraceMs);
  }

  /** Test hook: makes the host exit abruptly. */
  crashForTest(): void {
    this.channel?.send({ type: 'crash', callId: 0 });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const ch = this.channel;
    if (!ch) return;
    await new Promise<void>((resolve) => {
      ch.onExit(() => resolve());
      ch.kill();
    });
  }
}
