// The renderer's typed client over one transport (WebSocket in the web shell, the preload bridge in Electron).
// Method names, params, results and event payloads all come from the contract, imported as types only, so the
// renderer bundle never carries zod.

import type { ErrorCode, EventMessage, EventName, Events, MethodName, Params, Result } from '../../src-main/contract';
import type { ImportSource } from '../../src-main/contract/methods';
import { t } from './i18n.svelte';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface UploadOptions {
  /** Fraction of the file sent (0..1), where the transport uploads. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** What the client needs from a shell. */
export interface Transport {
  readonly kind: 'web' | 'electron';
  /** Resolves with the result, rejects with a ClientError. */
  call(method: string, params: unknown): Promise<unknown>;
  onEvent(cb: (msg: EventMessage) => void): () => void;
  onConnection(cb: (state: ConnectionState) => void): () => void;
  readonly connection: ConnectionState;
  /** Makes a File available to the core (upload or local path) and says how `media.import` should refer to it. */
  importSource(file: File, opts?: UploadOptions): Promise<ImportSource>;
  /** A media or download URL as the page must use it. */
  resolveUrl(url: string): string;
  dispose(): void;
}

/** A failed call: `code` is a contract error code (E_IO for transport failures). */
export class ClientError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'ClientError';
    this.code = code;
    this.details = details;
  }
}

/** Any rejection reason as a ClientError (bridge rejections are plain `{code, message}` objects). */
export function toClientError(e: unknown): ClientError {
  if (e instanceof ClientError) return e;
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const o = e as { code: unknown; message: unknown; details?: unknown };
    if (typeof o.code === 'string' && /^E_[A-Z_]+$/.test(o.code)) {
      return new ClientError(o.code as ErrorCode, String(o.message), o.details);
    }
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new ClientError('E_INTERNAL', t('error.unexpected', { message: msg }));
}

type Listener = (payload: never) => void;

export class Client {
  readonly transport: Transport;
  private listeners = new Map<EventName, Set<Listener>>();
  private unsubscribeTransport: () => void;

  constructor(transport: Transport) {
    this.transport = transport;
    this.unsubscribeTransport = transport.onEvent((msg) => this.dispatch(msg));
  }

  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    try {
      return (await this.transport.call(method, params)) as Result<M>;
    } catch (e) {
      throw toClientError(e);
    }
  }

  /** Subscribes to one event; returns the unsubscribe. */
  on<E extends EventName>(event: E, cb: (payload: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const l = cb as Listener;
    set.add(l);
    return () => {
      set.delete(l);
    };
  }

  onConnection(cb: (state: ConnectionState) => void): () => void {
    return this.transport.onConnection(cb);
  }

  get connection(): ConnectionState {
    return this.transport.connection;
  }

  resolveUrl(url: string): string {
    return this.transport.resolveUrl(url);
  }

  /** Makes files available to the core one after the other (uploads, or paths); progress is over all their bytes. */
  async importSources(files: readonly File[], opts: UploadOptions = {}): Promise<ImportSource[]> {
    const total = files.reduce((n, f) => n + f.size, 0) || 1;
    let done = 0;
    const out: ImportSource[] = [];
    for (const file of files) {
      const o: UploadOptions = {};
      if (opts.signal) o.signal = opts.signal;
      const report = opts.onProgress;
      if (report) o.onProgress = (f) => report((done + f * file.size) / total);
      try {
        out.push(await this.transport.importSource(file, o));
      } catch (e) {
        throw toClientError(e);
      }
      done += file.size;
      report?.(done / total);
    }
    return out;
  }

  private dispatch(msg: EventMessage): void {
    const set = this.listeners.get(msg.event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as (p: unknown) => void)(msg.payload);
      } catch (e) {
        console.error(`Listener for ${msg.event} failed`, e);
      }
    }
  }

  dispose(): void {
    this.unsubscribeTransport();
    this.listeners.clear();
    this.transport.dispose();
  }
}
