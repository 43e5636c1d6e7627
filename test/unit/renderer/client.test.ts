// The renderer's client and web transport against a fake WebSocket: call/reply matching, errors as codes, events,
// queued calls while connecting, reconnect with backoff after a drop, the token kept out of the address bar, uploads.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Client, ClientError, type Transport } from '../../../src-renderer/lib/client';
import { takeTokenFromLocation, WebTransport } from '../../../src-renderer/lib/transport-web';

class FakeWebSocket {
  static OPEN = 1;
  static all: FakeWebSocket[] = [];
  readyState = 0;
  sent: Array<{ id: number; method: string; params: unknown }> = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeWebSocket.all.push(this);
  }
  send(frame: string) {
    this.sent.push(JSON.parse(frame));
  }
  close() {
    this.drop();
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  push(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.();
  }
}

const base = new URL('http://127.0.0.1:4567/');

describe('web transport and client', () => {
  beforeEach(() => {
    FakeWebSocket.all = [];
    vi.stubGlobal('WebSocket', FakeWebSocket);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('connects with the token, queues calls until open, and matches replies by id', async () => {
    const t = new WebTransport('tok en', base);
    const client = new Client(t);
    const ws = FakeWebSocket.all[0]!;
    expect(ws.url).toBe('ws://127.0.0.1:4567/ws?token=tok%20en');
    const a = client.call('history.state', {});
    const b = client.call('takes.list', { clipId: 4 });
    expect(ws.sent).toEqual([]);
    ws.open();
    expect(ws.sent.map((f) => f.method)).toEqual(['history.state', 'takes.list']);
    expect(ws.sent[1]!.params).toEqual({ clipId: 4 });
    ws.push({ id: ws.sent[1]!.id, result: [] });
    ws.push({ id: ws.sent[0]!.id, result: { canUndo: true, canRedo: false, undoLabel: 'Edit', redoLabel: null } });
    await expect(b).resolves.toEqual([]);
    await expect(a).resolves.toMatchObject({ canUndo: true, undoLabel: 'Edit' });
    client.dispose();
  });

  it('rejects with a ClientError carrying the contract code', async () => {
    const client = new Client(new WebTransport('t', base));
    const ws = FakeWebSocket.all[0]!;
    ws.open();
    const p = client.call('history.undo', {});
    ws.push({ id: ws.sent[0]!.id, error: { code: 'E_NOTHING_TO_UNDO', message: 'Nothing to undo.' } });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({ code: 'E_NOTHING_TO_UNDO', message: 'Nothing to undo.' });
    client.dispose();
  });

  it('delivers events to subscribers until they unsubscribe', () => {
    const client = new Client(new WebTransport('t', base));
    const ws = FakeWebSocket.all[0]!;
    ws.open();
    const seen: number[] = [];
    const off = client.on('takes.changed', (p) => seen.push(p.clipId));
    ws.push({ event: 'takes.changed', payload: { clipId: 3 } });
    ws.push({ event: 'timeline.changed', payload: {} });
    off();
    ws.push({ event: 'takes.changed', payload: { clipId: 4 } });
    expect(seen).toEqual([3]);
    client.dispose();
  });

  it('fails calls in flight when the socket drops, then reconnects with growing delays', async () => {
    vi.useFakeTimers();
    const t = new WebTransport('t', base);
    const states: string[] = [];
    t.onConnection((s) => states.push(s));
    FakeWebSocket.all[0]!.open();
    const p = t.call('timeline.get', {});
    FakeWebSocket.all[0]!.drop();
    await expect(p).rejects.toMatchObject({ code: 'E_IO' });
    expect(states).toEqual(['open', 'closed']);

    vi.advanceTimersByTime(249);
    expect(FakeWebSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.all).toHaveLength(2);
    FakeWebSocket.all[1]!.drop();
    vi.advanceTimersByTime(499);
    expect(FakeWebSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.all).toHaveLength(3);
    FakeWebSocket.all[2]!.open();
    expect(t.connection).toBe('open');
    expect(states).toEqual(['open', 'closed', 'connecting', 'closed', 'connecting', 'open']);

    // After a successful open the backoff starts over.
    FakeWebSocket.all[2]!.drop();
    vi.advanceTimersByTime(250);
    expect(FakeWebSocket.all).toHaveLength(4);
    t.dispose();
    vi.advanceTimersByTime(10_000);
    expect(FakeWebSocket.all).toHaveLength(4);
  });

  it('takes the token out of the address bar', () => {
    const replaced: string[] = [];
    const loc = { search: '?token=abc&x=1', pathname: '/', hash: '#h' };
    const hist = { state: null, replaceState: (_s: unknown, _t: string, url: string) => void replaced.push(url) };
    expect(takeTokenFromLocation(loc, hist)).toBe('abc');
    expect(replaced).toEqual(['/?x=1#h']);
    expect(takeTokenFromLocation({ search: '', pathname: '/', hash: '' }, hist)).toBeNull();
    expect(replaced).toHaveLength(1);
  });

  it('adds the token to same-origin media URLs only', () => {
    const t = new WebTransport('abc', base);
    expect(t.resolveUrl('/media/x.wav')).toBe('/media/x.wav?token=abc');
    expect(t.resolveUrl('/exports/a.wav?download=1')).toBe('/exports/a.wav?download=1&token=abc');
    expect(t.resolveUrl('retake-media://x')).toBe('retake-media://x');
    t.dispose();
  });

  it('uploads a file with progress and reports an upload refused by the server with its code', async () => {
    const sent: Array<{ method: string; url: string; headers: Record<string, string>; body: unknown }> = [];
    let reply: { status: number; body: string } = { status: 200, body: JSON.stringify({ uploadId: 'a'.repeat(32) }) };
    // A stand-in for the page's XMLHttpRequest: records the request, reports progress, answers with `reply`.
    class FakeXhr {
      status = 0;
      responseText = '';
      responseType = '';
      upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
      onload: (() => void) | null = null;
      onerror: (() => void) | null = null;
      onabort: (() => void) | null = null;
      private req = { method: '', url: '', headers: {} as Record<string, string>, body: null as unknown };
      open(method: string, url: string) {
        this.req.method = method;
        this.req.url = url;
      }
      setRequestHeader(k: string, v: string) {
        this.req.headers[k] = v;
      }
      abort() {
        this.onabort?.();
      }
      send(body: unknown) {
        this.req.body = body;
        sent.push(this.req);
        this.upload.onprogress?.({ lengthComputable: true, loaded: 1, total: 2 });
        this.status = reply.status;
        this.responseText = reply.body;
        queueMicrotask(() => this.onload?.());
      }
    }
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const t = new WebTransport('tok', base);
    const file = new File([new Uint8Array([1, 2, 3])], 'take one.wav');
    const progress: number[] = [];
    await expect(t.importSource(file, { onProgress: (f) => progress.push(f) })).resolves.toEqual({ kind: 'upload', uploadId: 'a'.repeat(32) });
    expect(sent[0]).toMatchObject({ method: 'POST', url: '/upload?token=tok', body: file });
    expect(sent[0]!.headers['X-File-Name']).toBe('take%20one.wav');
    expect(progress).toEqual([0.5]);

    reply = { status: 413, body: JSON.stringify({ error: { code: 'E_VALIDATION', message: 'Too large.' } }) };
    await expect(t.importSource(file)).rejects.toMatchObject({ code: 'E_VALIDATION', message: 'Too large.' });
    reply = { status: 401, body: '' };
    await expect(t.importSource(file)).rejects.toMatchObject({ code: 'E_AUTH' });
    const ac = new AbortController();
    ac.abort();
    await expect(t.importSource(file, { signal: ac.signal })).rejects.toMatchObject({ code: 'E_CANCELLED' });
    t.dispose();
  });

  it('makes the sources of several files one after the other, with progress over all their bytes', async () => {
    const made: string[] = [];
    const transport: Transport = {
      kind: 'web',
      connection: 'open',
      call: async () => null,
      onEvent: () => () => {},
      onConnection: () => () => {},
      importSource: async (file, opts) => {
        opts?.onProgress?.(0.5);
        made.push(file.name);
        return { kind: 'upload', uploadId: String(made.length).repeat(32) };
      },
      resolveUrl: (u) => u,
      dispose: () => {},
    };
    const client = new Client(transport);
    const progress: number[] = [];
    const sources = await client.importSources([new File([new Uint8Array(1)], 'a.wav'), new File([new Uint8Array(3)], 'b.wav')], {
      onProgress: (f) => progress.push(f),
    });
    expect(made).toEqual(['a.wav', 'b.wav']);
    expect(sources.map((s) => s.kind)).toEqual(['upload', 'upload']);
    expect(progress).toEqual([0.125, 0.25, 0.625, 1]);
  });
});
