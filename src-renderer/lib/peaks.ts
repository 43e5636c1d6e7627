// What a waveform needs of a media file: its peaks, fetched once per hash from the core (`media.peaks`) and folded to
// one envelope for display, and the URL the page reaches the file at.

import type { Client } from './client';

// About 100 buckets per second resolves syllables at any zoom this view offers; the core caps a request at 20 000.
const BUCKETS_PER_SECOND = 100;
const MIN_BUCKETS = 256;
const MAX_BUCKETS = 20_000;

export function bucketsFor(durationSec: number): number {
  return Math.max(MIN_BUCKETS, Math.min(MAX_BUCKETS, Math.round(durationSec * BUCKETS_PER_SECOND)));
}

/** Per-channel [min, max, min, max, …] → one array of the largest magnitude per bucket over all channels. */
export function envelope(channels: readonly (readonly number[])[]): Float32Array {
  const buckets = Math.max(0, ...channels.map((c) => Math.floor(c.length / 2)));
  const out = new Float32Array(buckets);
  for (const ch of channels) {
    for (let i = 0; i < buckets; i++) {
      const a = Math.abs(ch[2 * i] ?? 0);
      const b = Math.abs(ch[2 * i + 1] ?? 0);
      const m = a > b ? a : b;
      if (m > (out[i] ?? 0)) out[i] = m;
    }
  }
  return out;
}

export class PeaksCache {
  private readonly client: Client;
  private cache = new Map<string, Promise<Float32Array>>();

  constructor(client: Client) {
    this.client = client;
  }

  get(hash: string, durationSec: number): Promise<Float32Array> {
    let p = this.cache.get(hash);
    if (!p) {
      p = this.client.call('media.peaks', { hash, buckets: bucketsFor(durationSec) }).then((r) => envelope(r.peaks));
      // A failed fetch is not cached: the next view of the clip retries.
      p.catch(() => this.cache.delete(hash));
      this.cache.set(hash, p);
    }
    return p;
  }

  /** The page's URL of a media file (the core's URL as the shell serves it). */
  urlOf(media: { url: string }): string {
    return this.client.resolveUrl(media.url);
  }

  clear(): void {
    this.cache.clear();
  }
}
