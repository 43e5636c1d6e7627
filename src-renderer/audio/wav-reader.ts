// Reads frames of a WAV file over HTTP range requests, so playback and the deepest zoom fetch only the part they
// need of a file of any length (an hour of 48 kHz audio is never downloaded or decoded whole). A server that ignores
// ranges still works: the reader takes the bytes it needs from the start of the full reply and stops the download.

import { decodeFrames, NotWav, parseWavHeader, type WavLayout } from './wav-format';

// The first request reads this much: every ordinary header (fmt, a LIST or bext chunk, data) fits.
const HEADER_BYTES = 64 * 1024;

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** Bytes [start, end] (inclusive) of `url`: 206 answers as they are, a 200 is cut to them. */
async function fetchRange(doFetch: Fetch, url: string, start: number, end: number, signal?: AbortSignal): Promise<{ bytes: Uint8Array; total?: number }> {
  const init: RequestInit = { headers: { Range: `bytes=${start}-${end}` } };
  if (signal) init.signal = signal;
  const res = await doFetch(url, init);
  if (res.status === 206) {
    const total = /\/(\d+)$/.exec(res.headers.get('Content-Range') ?? '')?.[1];
    const bytes = new Uint8Array(await res.arrayBuffer());
    return total ? { bytes, total: Number(total) } : { bytes };
  }
  if (!res.ok) throw new Error(`HTTP ${res.status} for ${url}`);
  const len = Number(res.headers.get('Content-Length') ?? NaN);
  const total = Number.isFinite(len) ? len : undefined;
  // No range support: read up to `end` from the start and stop the rest of the download.
  const reader = res.body?.getReader();
  if (!reader) {
    const all = new Uint8Array(await res.arrayBuffer());
    return { bytes: all.slice(start, end + 1), total: all.length };
  }
  const want = end + 1;
  const parts: Uint8Array[] = [];
  let got = 0;
  while (got < want) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
    got += value.length;
  }
  void reader.cancel().catch(() => {});
  const joined = new Uint8Array(Math.min(got, want));
  let o = 0;
  for (const p of parts) {
    const n = Math.min(p.length, joined.length - o);
    joined.set(p.subarray(0, n), o);
    o += n;
    if (o >= joined.length) break;
  }
  return total !== undefined ? { bytes: joined.slice(start), total } : { bytes: joined.slice(start) };
}

export class WavReader {
  readonly url: string;
  readonly layout: WavLayout;
  private readonly doFetch: Fetch;

  private constructor(url: string, layout: WavLayout, doFetch: Fetch) {
    this.url = url;
    this.layout = layout;
    this.doFetch = doFetch;
  }

  /** Reads the header; rejects with NotWav for anything this reader does not play. */
  static async open(url: string, doFetch: Fetch = (u, i) => fetch(u, i), signal?: AbortSignal): Promise<WavReader> {
    let want = HEADER_BYTES;
    for (let tries = 0; tries < 4; tries++) {
      const { bytes, total } = await fetchRange(doFetch, url, 0, want - 1, signal);
      const r = parseWavHeader(bytes, total);
      if (!('need' in r)) return new WavReader(url, r, doFetch);
      if (bytes.length < want) break;
      want = Math.max(r.need, want * 4);
    }
    throw new NotWav('no data chunk in the first bytes of the file');
  }

  /** Frames [frame, frame + count) as one Float32Array per channel (fewer at the end of the file). */
  async read(frame: number, count: number, signal?: AbortSignal): Promise<Float32Array<ArrayBuffer>[]> {
    const l = this.layout;
    const first = Math.max(0, Math.min(l.frames, Math.floor(frame)));
    const last = Math.max(first, Math.min(l.frames, Math.floor(frame) + Math.ceil(count)));
    if (last <= first) return Array.from({ length: l.channels }, () => new Float32Array(0));
    const start = l.dataOffset + first * l.blockAlign;
    const end = l.dataOffset + last * l.blockAlign - 1;
    const { bytes } = await fetchRange(this.doFetch, this.url, start, end, signal);
    return decodeFrames(bytes, l);
  }
}

/** Opened readers by URL (the header is read once per file); failures are not kept, so a later try reads again. */
export class WavReaders {
  private readonly open = new Map<string, Promise<WavReader>>();
  private readonly doFetch: Fetch | undefined;

  constructor(doFetch?: Fetch) {
    this.doFetch = doFetch;
  }

  get(url: string): Promise<WavReader> {
    let p = this.open.get(url);
    if (!p) {
      p = WavReader.open(url, this.doFetch);
      // A file that is not WAV stays known as such; a failed read is tried again next time.
      p.catch((e: unknown) => {
        if (!(e instanceof NotWav)) this.open.delete(url);
      });
      this.open.set(url, p);
    }
    return p;
  }

  clear(): void {
    this.open.clear();
  }
}

export { NotWav };
