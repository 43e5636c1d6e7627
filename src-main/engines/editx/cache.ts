// What the EditX engine computes from an input before the language model runs — its audio tokens (vq02 and vq06
// codes), its 24 kHz prompt mel and its CAM++ speaker embedding — kept by content, so re-editing a take, choosing
// another option or running another iteration's parent again never recomputes them. Tokenization and feature
// extraction dominate end-to-end time in other EditX runtimes (over 70 % in a vLLM integration).
//
// The key is the sha256 of the audio as the engine receives it (rate, channel count, float32 samples) salted with
// the pack's hash and whatever else changes the result (the providers, the cache format): a take is the same audio
// whether it comes from its file or from the previous iteration in memory. Two layers: a bounded LRU in memory, and
// files under the pack's cache folder in RETAKE_HOME (bounded in bytes, the least recently used removed first; a
// damaged file is a miss and is removed). Writes go through a temp file and a rename, so a crash leaves no half entry.

import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { AudioData } from '../../audio/types';

/** Bumped when what an entry holds, or how it is computed, changes: old entries then simply miss. */
export const PROMPT_CACHE_FORMAT = 1;
const MAGIC = 'RTKPC1\0\0';

export interface PromptFeatures {
  vq02: Int32Array;
  vq06: Int32Array;
  /** The 24 kHz prompt mel, frames × bins (row-major). */
  mel: { data: Float32Array; frames: number; bins: number };
  embedding: Float32Array;
  /** Seconds of tokenizer input (after trim and the length rule), and the rate it was resampled from (null: 16 kHz). */
  tokenizerSeconds: number;
  resampledFrom: number | null;
}

export type CacheHit = 'memory' | 'disk';

export interface PromptCacheOptions {
  /** Folder for the disk layer; null keeps entries in memory only. */
  dir: string | null;
  /** Entries kept in memory (a 30 s prompt is ~0.5 MB). */
  maxEntries?: number;
  /** Bytes kept on disk before the least recently used entries go. */
  maxDiskBytes?: number;
}

/** 32 prompts of up to 30 s hold ~16 MB: enough for the takes of a working session. */
const DEFAULT_ENTRIES = 32;
/** ~500 prompts of 30 s. */
const DEFAULT_DISK_BYTES = 256 * 1024 * 1024;

export class PromptCache {
  private readonly memory = new Map<string, PromptFeatures>();
  private readonly maxEntries: number;
  private readonly maxDiskBytes: number;
  readonly dir: string | null;

  constructor(opts: PromptCacheOptions) {
    this.dir = opts.dir;
    this.maxEntries = opts.maxEntries ?? DEFAULT_ENTRIES;
    this.maxDiskBytes = opts.maxDiskBytes ?? DEFAULT_DISK_BYTES;
  }

  /** The content key of `audio` under `salt` (pack hash, providers …). */
  static key(audio: AudioData, salt: string): string {
    const h = createHash('sha256');
    h.update(`retake-editx-prompt ${PROMPT_CACHE_FORMAT} ${salt} ${audio.sampleRate} ${audio.channels.length}\n`);
    for (const c of audio.channels) h.update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
    return h.digest('hex');
  }

  async get(key: string): Promise<{ value: PromptFeatures; from: CacheHit } | null> {
    const m = this.memory.get(key);
    if (m) {
      // Map order is the LRU order: a hit moves to the end.
      this.memory.delete(key);
      this.memory.set(key, m);
      return { value: m, from: 'memory' };
    }
    if (!this.dir) return null;
    const file = this.file(key);
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(file);
    } catch {
      return null;
    }
    const value = decodeEntry(bytes);
    if (!value) {
      await fsp.rm(file, { force: true });
      return null;
    }
    const now = new Date();
    await fsp.utimes(file, now, now).catch(() => {});
    this.remember(key, value);
    return { value, from: 'disk' };
  }

  async put(key: string, value: PromptFeatures): Promise<void> {
    this.remember(key, value);
    if (!this.dir) return;
    const file = this.file(key);
    const tmp = `${file}.${process.pid}.part`;
    try {
      await fsp.mkdir(this.dir, { recursive: true });
      await fsp.writeFile(tmp, encodeEntry(value));
      await fsp.rename(tmp, file);
      await this.prune();
    } catch (e) {
      // The cache only saves time: a full or read-only disk must not fail the edit.
      await fsp.rm(tmp, { force: true });
      console.error(`EditX: could not write the prompt cache in ${this.dir} (${(e as Error).message}).`);
    }
  }

  /** Entries in memory (tests). */
  get size(): number {
    return this.memory.size;
  }

  clearMemory(): void {
    this.memory.clear();
  }

  private remember(key: string, value: PromptFeatures): void {
    this.memory.delete(key);
    this.memory.set(key, value);
    while (this.memory.size > this.maxEntries) this.memory.delete(this.memory.keys().next().value as string);
  }

  private file(key: string): string {
    return path.join(this.dir as string, `${key}.bin`);
  }

  /** Removes the least recently used entries until the folder holds at most maxDiskBytes. */
  private async prune(): Promise<void> {
    const dir = this.dir as string;
    const entries: { file: string; bytes: number; used: number }[] = [];
    for (const name of await fsp.readdir(dir)) {
      if (!name.endsWith('.bin')) continue;
      const st = await fsp.stat(path.join(dir, name)).catch(() => null);
      if (st) entries.push({ file: path.join(dir, name), bytes: st.size, used: st.mtimeMs });
    }
    let total = entries.reduce((s, e) => s + e.bytes, 0);
    entries.sort((a, b) => a.used - b.used);
    for (const e of entries) {
      if (total <= this.maxDiskBytes) break;
      await fsp.rm(e.file, { force: true });
      total -= e.bytes;
    }
  }
}

interface EntryHeader {
  vq02: number;
  vq06: number;
  melFrames: number;
  melBins: number;
  embedding: number;
  tokenizerSeconds: number;
  resampledFrom: number | null;
}

function encodeEntry(v: PromptFeatures): Uint8Array {
  const header: EntryHeader = {
    vq02: v.vq02.length,
    vq06: v.vq06.length,
    melFrames: v.mel.frames,
    melBins: v.mel.bins,
    embedding: v.embedding.length,
    tokenizerSeconds: v.tokenizerSeconds,
    resampledFrom: v.resampledFrom,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const head = 8 + 4 + json.length;
  const start = Math.ceil(head / 4) * 4;
  const parts = [v.vq02, v.vq06, v.mel.data, v.embedding];
  const payload = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = Buffer.alloc(start + payload);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  let at = start;
  for (const p of parts) {
    Buffer.from(p.buffer, p.byteOffset, p.byteLength).copy(out, at);
    at += p.byteLength;
  }
  return out;
}

function decodeEntry(b: Buffer): PromptFeatures | null {
  try {
    if (b.length < 12 || b.toString('latin1', 0, 8) !== MAGIC) return null;
    const n = b.readUInt32LE(8);
    const h = JSON.parse(b.toString('utf8', 12, 12 + n)) as EntryHeader;
    const start = Math.ceil((12 + n) / 4) * 4;
    const counts = [h.vq02, h.vq06, h.melFrames * h.melBins, h.embedding];
    if (counts.some((c) => !Number.isInteger(c) || c < 0) || start + 4 * counts.reduce((s, c) => s + c, 0) !== b.length) return null;
    // A copy into an aligned buffer of its own (the file buffer may share a pool and be unaligned).
    const data = new Uint8Array(b.length - start);
    data.set(b.subarray(start));
    let at = 0;
    const take = <T>(count: number, make: (buf: ArrayBuffer, off: number, len: number) => T): T => {
      const v = make(data.buffer, at, count);
      at += 4 * count;
      return v;
    };
    const vq02 = take(h.vq02, (buf, o, l) => new Int32Array(buf, o, l));
    const vq06 = take(h.vq06, (buf, o, l) => new Int32Array(buf, o, l));
    const mel = take(h.melFrames * h.melBins, (buf, o, l) => new Float32Array(buf, o, l));
    const embedding = take(h.embedding, (buf, o, l) => new Float32Array(buf, o, l));
    return {
      vq02,
      vq06,
      mel: { data: mel, frames: h.melFrames, bins: h.melBins },
      embedding,
      tokenizerSeconds: h.tokenizerSeconds,
      resampledFrom: h.resampledFrom,
    };
  } catch {
    return null;
  }
}
