// Web-shell transport: JSON frames over one WebSocket (`/ws?token=`), reconnected with backoff, and file uploads by
// `POST /upload` (with progress). The per-run token is read from the address once, kept in memory and removed from the address bar.

import type { EventMessage } from '../../src-main/contract';
import type { ImportSource } from '../../src-main/contract/methods';
import { ClientError, toClientError, type ConnectionState, type Transport, type UploadOptions } from './client';
import { t } from './i18n.svelte';

// Reconnect delays: quick first retry (a restarting shell is back within a second), capped so a dead server is
// polled gently.
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 5000;

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: ClientError) => void;
}

/** The parts of `location` and `history` the token handling needs (injected, so it runs outside a page too). */
export interface AddressBar {
  readonly search: string;
  readonly pathname: string;
  readonly hash: string;
}
export interface HistoryLike {
  readonly state: unknown;
  replaceState(data: unknown, unused: string, url: string): void;
}

/** Takes the token out of the page address (keeping it only in memory). */
export function takeTokenFromLocation(loc: AddressBar, hist: HistoryLike): string | null {
  const params = new URLSearchParams(loc.search);
  const token = params.get('token');
  if (token !== null) {
    params.delete('token');
    const rest = params.toString();
    hist.replaceState(hist.state, '', `${loc.pathname}${rest ? `?${rest}` : ''}${loc.hash}`);
  }
  return token;
}

export class WebTransport implements Transport {
  readonly kind = 'web' as const;
  private readonly token: string | null;
  private readonly base: URL;
  private ws: WebSocket | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private outbox: string[] = [];
  private eventListeners = new Set<(msg: EventMessage) => void>();
  private connListeners = new Set<(s: ConnectionState) => void>();
  private state: ConnectionState = 'connecting';
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private disposed = false;

  /** `base` is the page's own URL: the WebSocket goes to the same host. */
  constructor(token: string | null, base: URL) {
    this.token = token;
    this.base = base;
    this.connect();
  }

  get connection(): ConnectionState {
    return this.state;
  }

  private withToken(path: string): string {
    if (!this.token) return path;
    return `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(this.token)}`;
  }

  private setState(s: ConnectionState): void {
    if (this.state === s) return;
    this.state = s;
    for (const cb of [...this.connListeners]) cb(s);
  }

  private connect(): void {
    if (this.disposed) return;
    const proto = this.base.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${this.base.host}${this.withToken('/ws')}`);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setState('open');
      const queued = this.outbox;
      this.outbox = [];
      for (const frame of queued) ws.send(frame);
    };
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.failPending(t('error.connectionLost'));
      if (this.disposed) return;
      this.setState('closed');
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
      this.attempt++;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.setState('connecting');
        this.connect();
      }, delay);
    };
  }

  private failPending(message: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(new ClientError('E_IO', `${p.method}: ${message}`));
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      console.error('Ignoring a frame that is not JSON');
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    const m = msg as Record<string, unknown>;
    if (typeof m.event === 'string') {
      for (const cb of [...this.eventListeners]) cb(m as unknown as EventMessage);
      return;
    }
    if (typeof m.id !== 'number') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if ('error' in m && m.error) p.reject(toClientError(m.error));
    else p.resolve(m.result ?? null);
  }

  call(method: string, params: unknown): Promise<unknown> {
    if (this.disposed) return Promise.reject(new ClientError('E_IO', t('error.shuttingDown')));
    const id = this.nextId++;
    const frame = JSON.stringify({ id, method, params: params ?? {} });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
      else this.outbox.push(frame);
    });
  }

  onEvent(cb: (msg: EventMessage) => void): () => void {
    this.eventListeners.add(cb);
    return () => {
      this.eventListeners.delete(cb);
    };
  }

  onConnection(cb: (state: ConnectionState) => void): () => void {
    this.connListeners.add(cb);
    return () => {
      this.connListeners.delete(cb);
    };
  }

  /** Uploads by XMLHttpRequest, whose upload progress fetch does not report (the import's progress bar shows it). */
  importSource(file: File, opts: UploadOptions = {}): Promise<ImportSource> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', this.withToken('/upload'));
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.setRequestHeader('X-File-Name', encodeURIComponent(file.name || 'audio'));
      xhr.responseType = 'text';
      if (opts.onProgress) {
        const report = opts.onProgress;
        xhr.upload.onprogress = (e) => {
          if (e.lengthComputable && e.total > 0) report(e.loaded / e.total);
        };
      }
      const onAbort = () => xhr.abort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => opts.signal?.removeEventListener('abort', onAbort);
      xhr.onabort = () => {
        done();
        reject(new ClientError('E_CANCELLED', t('error.uploadCancelled', { name: file.name })));
      };
      xhr.onerror = () => {
        done();
        reject(new ClientError('E_IO', t('error.uploadFailed', { name: file.name, reason: t('error.network') })));
      };
      xhr.onload = () => {
        done();
        let body: unknown = null;
        try {
          body = JSON.parse(String(xhr.responseText));
        } catch {
          // handled below: a reply without JSON is reported by status
        }
        const b = (body ?? {}) as { uploadId?: unknown; error?: unknown };
        if (xhr.status >= 200 && xhr.status < 300 && typeof b.uploadId === 'string') {
          resolve({ kind: 'upload', uploadId: b.uploadId });
          return;
        }
        if (b.error) {
          reject(toClientError(b.error));
          return;
        }
        const code = xhr.status === 401 || xhr.status === 403 ? 'E_AUTH' : 'E_IO';
        reject(new ClientError(code, t('error.uploadHttp', { name: file.name, status: xhr.status })));
      };
      if (opts.signal?.aborted) {
        xhr.abort();
        return;
      }
      xhr.send(file);
    });
  }

  resolveUrl(url: string): string {
    // Same-origin paths get the token too: the auth cookie covers them, but an explicit token also works where the
    // cookie was not set (e.g. a reload in a browser that blocks it).
    return url.startsWith('/') ? this.withToken(url) : url;
  }

  dispose(): void {
    this.disposed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const ws = this.ws;
    this.ws = null;
    ws?.close();
    this.failPending(t('error.shuttingDown'));
    this.eventListeners.clear();
    this.connListeners.clear();
  }
}
