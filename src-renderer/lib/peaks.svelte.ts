// What the lanes draw of a media file: its waveform from the core's peaks (`media.peaks`, fetched once per hash, with
// the pauses found in it for snapping), and at deep zoom the samples themselves, read from WAV media with range
// requests in one-second chunks (a bounded cache, so zooming into an hour never loads the hour). `version` changes
// whenever something arrives, which is what the lanes redraw on.

import type { MediaInfo } from '../../src-main/contract';
import { WavReaders } from '../audio/wav-reader';
import type { Client } from './client';
import { FileWave, findPauses, type Pause } from './wave';

// Buckets a second asked of the core: 200 resolves 5 ms (the core's own 256-sample peaks at 48 kHz) for clips up to
// 100 s; the core caps a request at 20 000 buckets, and finer detail comes from the samples themselves.
const BUCKETS_PER_SECOND = 200;
const MIN_BUCKETS = 256;
const MAX_BUCKETS = 20_000;
// Sample chunks: one second each, at most this many kept (about 18 MB of float stereo at 48 kHz).
const CHUNK_SEC = 1;
const MAX_CHUNKS = 48;
// The lanes read samples only for spans up to this long (longer spans are drawn from the peaks).
export const SAMPLES_MAX_SPAN_SEC = 30;

export function bucketsFor(durationSec: number): number {
  return Math.max(MIN_BUCKETS, Math.min(MAX_BUCKETS, Math.round(durationSec * BUCKETS_PER_SECOND)));
}

type Entry = { state: 'loading'; promise: Promise<FileWave> } | { state: 'ready'; wave: FileWave; pauses: Pause[] } | { state: 'failed' };

interface Chunk {
  rate: number;
  channels: Float32Array[];
}

export class PeaksCache {
  /** Bumped when a waveform or a chunk of samples arrives. */
  version = $state(0);
  private readonly client: Client;
  private readonly readers: WavReaders;
  private entries = new Map<string, Entry>();
  private chunks = new Map<string, Chunk | 'loading' | 'failed'>();

  constructor(client: Client, readers = new WavReaders()) {
    this.client = client;
    this.readers = readers;
  }

  /** The waveform of a media file, fetched once (failures are retried on the next ask). */
  get(media: Pick<MediaInfo, 'hash' | 'durationSec' | 'frames' | 'sampleRate'>): Promise<FileWave> {
    const e = this.entries.get(media.hash);
    if (e?.state === 'ready') return Promise.resolve(e.wave);
    if (e?.state === 'loading') return e.promise;
    const promise = this.client.call('media.peaks', { hash: media.hash, buckets: bucketsFor(media.durationSec) }).then((r) => {
      const wave = FileWave.fromCore(r.peaks, media.frames, media.sampleRate);
      this.entries.set(media.hash, { state: 'ready', wave, pauses: findPauses(wave.magnitudes(), wave.bucketSec) });
      this.version++;
      return wave;
    });
    promise.catch(() => {
      this.entries.set(media.hash, { state: 'failed' });
      this.version++;
    });
    this.entries.set(media.hash, { state: 'loading', promise });
    return promise;
  }

  /** The waveform if it is here; otherwise null, and it is asked for. */
  wave(media: Pick<MediaInfo, 'hash' | 'durationSec' | 'frames' | 'sampleRate'>): FileWave | null {
    const e = this.entries.get(media.hash);
    if (e?.state === 'ready') return e.wave;
    if (!e) void this.get(media).catch(() => {});
    return null;
  }

  failed(hash: string): boolean {
    return this.entries.get(hash)?.state === 'failed';
  }

  /** Pauses in a media file (seconds into it), once its waveform is here. */
  pauses(hash: string): Pause[] {
    const e = this.entries.get(hash);
    return e?.state === 'ready' ? e.pauses : [];
  }

  /**
   * The samples of `url` over [t0, t1) seconds, as chunks in order, if all are here; otherwise null and the missing
   * ones are read (WAV media only; others answer null for good).
   */
  samples(url: string, t0: number, t1: number): { start: number; rate: number; channels: Float32Array[] }[] | null {
    if (t1 - t0 > SAMPLES_MAX_SPAN_SEC) return null;
    const first = Math.max(0, Math.floor(t0 / CHUNK_SEC));
    const last = Math.max(first, Math.floor(t1 / CHUNK_SEC));
    const out: { start: number; rate: number; channels: Float32Array[] }[] = [];
    let complete = true;
    for (let i = first; i <= last; i++) {
      const key = `${url}#${i}`;
      const c = this.chunks.get(key);
      if (c === 'failed') return null;
      if (c === undefined) {
        complete = false;
        this.load(url, i, key);
      } else if (c === 'loading') complete = false;
      else {
        // Touch: the most recently drawn chunks are kept.
        this.chunks.delete(key);
        this.chunks.set(key, c);
        out.push({ start: i * CHUNK_SEC, rate: c.rate, channels: c.channels });
      }
    }
    return complete ? out : null;
  }

  private load(url: string, index: number, key: string): void {
    this.chunks.set(key, 'loading');
    void (async () => {
      try {
        const reader = await this.readers.get(url);
        const rate = reader.layout.sampleRate;
        const channels = await reader.read(index * CHUNK_SEC * rate, CHUNK_SEC * rate);
        this.chunks.set(key, { rate, channels });
      } catch {
        this.chunks.set(key, 'failed');
      }
      while (this.chunks.size > MAX_CHUNKS) {
        const oldest = this.chunks.keys().next().value as string;
        if (this.chunks.get(oldest) === 'loading') break;
        this.chunks.delete(oldest);
      }
      this.version++;
    })();
  }

  /** The page's URL of a media file (the core's URL as the shell serves it). */
  urlOf(media: { url: string }): string {
    return this.client.resolveUrl(media.url);
  }

  clear(): void {
    this.entries.clear();
    this.chunks.clear();
    this.readers.clear();
    this.version++;
  }
}
