// The studio core's side of one engine host process: spawns it, sends calls, routes progress and finished
// iterations, and survives the host. A host that exits while calls are pending fails them with E_ENGINE_CRASHED and
// is respawned; a call that does not stop within the grace time after cancel gets the host killed and respawned.
// After maxCrashes crashes within crashWindowMs it rests: calls fail saying in how many seconds it starts again, and
// the first call after that starts it.
// `HostCaller` is what the studio sees; ./router gives it one caller over the audio and model hosts.

import { fork } from 'node:child_process';
import { RetakeError, fromErrorPayload } from '../../contract/errors';
import type { CallArgs, HostCallType, HostMessage, HostRequest, HostResults, IterationReport, PeaksReport } from './protocol';

/** One running host process, whatever started it (child_process.fork, Electron's utilityProcess). */
export interface HostChannel {
  readonly pid: number | undefined;
  send(msg: HostRequest): void;
  onMessage(cb: (msg: HostMessage) => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export type HostSpawner = () => HostChannel;

/** Options of one call. */
export interface CallOptions<T extends HostCallType = HostCallType> {
  onProgress?: (value: number, stage: string | null) => void;
  signal?: AbortSignal;
  /**
   * Each written iteration of an edit given `outputs` (one per iteration), in order, as soon as the host has written
   * it (the single-`output` form reports none: its result is its one iteration). A returned promise is awaited
   * before the call resolves; if it rejects, the call rejects with that error once the host has answered.
   */
  onIteration?: T extends 'edit' ? (report: IterationReport) => void | Promise<void> : never;
  /** The waveform of a file an inspect given `streamPeaks` decodes, piece by piece, before the call resolves. */
  onPeaks?: T extends 'inspect' ? (report: PeaksReport) => void : never;
}

/** What the studio calls: one engine host, or the router over the audio and model hosts. */
export interface HostCaller {
  call<T extends HostCallType>(type: T, args: CallArgs<T>, opts?: CallOptions<T>): Promise<HostResults[T]>;
}

/** A host started with child_process.fork (the web shell, CLI and tests); `args` name its role. */
export function forkSpawner(entry: string, env: NodeJS.ProcessEnv = process.env, args: readonly string[] = []): HostSpawner {
  return () => {
    const child = fork(entry, [...args], {
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
  onIteration?: (report: IterationReport) => void | Promise<void>;
  onPeaks?: (report: PeaksReport) => void;
  /** What onIteration returned, settled before the call ends. */
  iterations: Promise<unknown>[];
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

export class EngineHost implements HostCaller {
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
    const now = Date.now();
    const recent = this.crashes.filter((t) => now - t < this.opts.crashWindowMs);
    this.crashes = recent;
    if (recent.length >= this.opts.maxCrashes) {
      // It starts again for the first call once fewer than maxCrashes crashes lie within the window.
      const retryAt = recent[recent.length - this.opts.maxCrashes]! + this.opts.crashWindowMs;
      const wait = Math.max(1, Math.ceil((retryAt - now) / 1000));
      return Promise.reject(
        new RetakeError(
          'E_ENGINE_UNAVAILABLE',
          `The engine process crashed ${recent.length} times within ${Math.round(this.opts.crashWindowMs / 1000)} s, so Retake lets it rest: ` +
            `it starts it again for the first request in ${wait} s or later (your project is intact). If it keeps crashing, report it with the log.`,
          { retryInSeconds: wait },
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
    if (msg.type === 'peaks') {
      const { type: _type, callId: _id, ...report } = msg;
      try {
        p.onPeaks?.(report);
      } catch (e) {
        // A waveform preview that cannot be shown must not fail the import (nor escape into the message handler).
        console.error('Engine host: a waveform update was not delivered:', e);
      }
      return;
    }
    if (msg.type === 'iteration') {
      if (p.onIteration) {
        const { index, output, peaksOut, result } = msg;
        try {
          p.iterations.push(Promise.resolve(p.onIteration({ index, output, peaksOut, result })));
        } catch (e) {
          p.iterations.push(Promise.reject(e));
        }
      }
      return;
    }
    this.pending.delete(msg.callId);
    if (p.cancelTimer) clearTimeout(p.cancelTimer);
    const settle = msg.type === 'result' ? () => p.resolve(msg.result) : () => p.reject(fromErrorPayload(msg.error));
    if (p.iterations.length === 0) settle();
    else {
      // The caller's iteration handlers finish first; the first of them that failed decides the outcome.
      void Promise.all(p.iterations).then(settle, (e: unknown) => p.reject(e));
    }
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
  async call<T extends HostCallType>(type: T, args: CallArgs<T>, opts: CallOptions<T> = {}): Promise<HostResults[T]> {
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
        iterations: [],
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        ...(opts.onIteration ? { onIteration: opts.onIteration as (r: IterationReport) => void | Promise<void> } : {}),
        ...(opts.onPeaks ? { onPeaks: opts.onPeaks as (r: PeaksReport) => void } : {}),
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
