// Decoding a file for import while it is read, so an hour of audio shows its waveform in well under a second:
//   * WAV/RF64/BW64 is streamed (./wav-stream): the header first, then a sparse overview sampled at OVERVIEW_PROBES
//     places across the whole file (positional reads, no decoding in between), then the data chunk in blocks from
//     the start, exact peaks computed as each block is decoded (./peaks-stream) and handed out in batches. Memory
//     stays at a few blocks whatever the length, plus what the caller asks to keep.
//   * Every other format (and WAV laid out so it cannot be streamed) is read in blocks and decoded whole by
//     ./decode, with all of its checks; its peaks follow at once.
// Either way every byte read can be written to a copy as it is read (`copyTo`): the file that is stored is the file
// that was decoded, read once. Progress is the share of the file's bytes read and decoded; cancelling stops within
// one block.

import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { RetakeError } from '../contract/errors';
import { decodeAudio, detectAudioFormat, type AudioFormat } from './decode';
import { checkWholeReadSize, fileReadError, openRegularFile } from './file-read';
import { DEFAULT_SAMPLES_PER_PEAK, peakCount, type Peaks } from './peaks';
import { PeaksBuilder, levelFor, quantizeMax, quantizeMin } from './peaks-stream';
import { frameCount, type AudioData } from './types';
import { BLOCK_HEADER_BYTES, blockBuffer, decodeWavBlock, readExactly, readWavFrames, readWavHead, type WavHead } from './wav-stream';

/** At most this many pairs in the overview: about one per pixel of a wide timeline showing the whole file. */
export const OVERVIEW_BUCKETS = 1024;
/** Places sampled for the overview, spread evenly over its buckets. */
const OVERVIEW_PROBES = 1024;
/** Frames read at each place (85 ms at 48 kHz: a syllable's peak is likely caught; 16 KiB of 16-bit stereo). */
const PROBE_FRAMES = 4096;
/** Probe reads in flight at once (the disk queues them; more buy nothing on a local disk). */
const PROBE_CONCURRENCY = 8;
/** At most this many pairs for the whole file while decoding: fine enough for any zoom a fitted hour allows. */
export const STREAM_BUCKETS = 32768;
/** Bytes of samples per block read and decoded (≈ 11 ms of work): the granularity of progress and cancel. */
const BLOCK_BYTES = 2 * 1024 * 1024;
/** Batches of streamed pairs go out at most this often (plus one at the end). */
const BATCH_MS = 150;
/** Reads of the whole-file path. */
const READ_BYTES = 4 * 1024 * 1024;
/** Share of the whole-file path's progress given to reading (the decode that follows reports none). */
const WHOLE_READ_SHARE = 0.3;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A piece of the waveform of the file being decoded. */
export interface PeaksUpdate {
  sampleRate: number;
  /** Frames of the whole file. */
  frames: number;
  /** Frames per pair (a power-of-two multiple of the cache's samples per peak). */
  bucketFrames: number;
  /** Index of the first pair's bucket at this resolution. */
  start: number;
  /** Interleaved [min, max, …] over all channels, in units of 1/32767 (as the peaks cache stores them). */
  pairs: Int16Array;
  /** A sparse overview sampled across the file, not exact extremes; exact pairs follow. */
  overview: boolean;
  /** The last update: every bucket of the file has been sent exactly. */
  last: boolean;
}

export interface StreamDecodeOptions {
  /** Names the file in error messages (default: its path). */
  name?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Writes every byte of the file, as it is read, to this new file. */
  copyTo?: string | null | undefined;
  samplesPerPeak?: number | undefined;
  /** Share of the file read and decoded, 0..1. */
  onProgress?: ((fraction: number) => void) | undefined;
  /** The waveform as it is decoded: an overview first where the format allows it, then exact pairs in order. */
  onPeaks?: ((update: PeaksUpdate) => void) | undefined;
  /** Leading seconds of the decoded audio to keep and return (for measuring); 0 (default) keeps none. */
  keepSeconds?: number | undefined;
}

export interface StreamDecodeResult {
  format: AudioFormat;
  sampleRate: number;
  channels: number;
  frames: number;
  /** Exactly computePeaks of the whole decoded audio. */
  peaks: Peaks;
  /** The first `keepSeconds` of the audio (all of it when shorter); null when none was asked for. */
  kept: AudioData | null;
}

/** Decodes a file as it is read (see the header). Throws the errors decodeFile throws for the same file. */
export async function decodeFileStreaming(file: string, opts: StreamDecodeOptions = {}): Promise<StreamDecodeResult> {
  const name = opts.name ?? file;
  // A regular file of known size only (no FIFO, device or folder); WAV is streamed whatever its size, other formats
  // are read whole and bounded by decodeWhole.
  const { fh, size } = await openRegularFile(file, Infinity);
  let copy: Copy | null = null;
  try {
    if (opts.copyTo) copy = await Copy.create(opts.copyTo);
    const head = size > 0 ? await readWavHead(fh, size, name) : null;
    const result = head ? await streamWav(fh, head, copy, name, opts) : await decodeWhole(fh, size, copy, name, opts);
    await copy?.finish();
    return result;
  } finally {
    await copy?.close();
    await fh.close();
  }
}

/** The copy written as the file is read: one write in flight while the next block is decoded. */
class Copy {
  private pending: Promise<unknown> = Promise.resolve();
  private failed: unknown = null;

  private constructor(
    private readonly fh: FileHandle,
    private readonly file: string,
  ) {}

  static async create(file: string): Promise<Copy> {
    try {
      return new Copy(await fsp.open(file, 'wx'), file);
    } catch (e) {
      throw copyError(file, e);
    }
  }

  /** Queues the bytes behind the previous write (waiting for that one first, so at most one is in flight). */
  async write(bytes: Uint8Array): Promise<void> {
    await this.settle();
    this.pending = this.writeAll(bytes).catch((e: unknown) => {
      this.failed = e;
    });
  }

  private async writeAll(bytes: Uint8Array): Promise<void> {
    for (let off = 0; off < bytes.length; ) {
      const { bytesWritten } = await this.fh.write(bytes, off, bytes.length - off);
      off += bytesWritten;
    }
  }

  private async settle(): Promise<void> {
    await this.pending;
    if (this.failed) throw copyError(this.file, this.failed);
  }

  async finish(): Promise<void> {
    await this.settle();
  }

  async close(): Promise<void> {
    await this.pending;
    await this.fh.close().catch(() => {});
  }
}

function copyError(file: string, e: unknown): RetakeError {
  const why = (e as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : e instanceof Error ? e.message : String(e);
  return new RetakeError('E_IO', `Could not store a copy of the file in the project (${why}). Free some space or check the project folder, then import again.`, {
    file,
  });
}

function cancelled(): RetakeError {
  return new RetakeError('E_CANCELLED', 'The import was cancelled.');
}

/** Frames of the first `seconds` (none for 0, all for Infinity). */
function keepFrames(seconds: number | undefined, sampleRate: number, frames: number): number {
  if (!seconds || seconds <= 0) return 0;
  return Math.min(frames, Math.floor(seconds * sampleRate));
}

async function streamWav(fh: FileHandle, head: WavHead, copy: Copy | null, name: string, opts: StreamDecodeOptions): Promise<StreamDecodeResult> {
  const { info, prefix, fileSize } = head;
  const { frames, sampleRate, blockAlign, dataOffset } = info;
  const nc = info.channels;
  const spp = opts.samplesPerPeak ?? DEFAULT_SAMPLES_PER_PEAK;
  const signal = opts.signal;
  const builder = new PeaksBuilder(nc, frames, sampleRate, spp);
  const fineGroup = levelFor(frames, spp, STREAM_BUCKETS);
  const coarseGroup = levelFor(frames, spp, OVERVIEW_BUCKETS);
  const fineGroups = Math.ceil(peakCount(frames, spp) / fineGroup);
  let done = 0;
  const progress = (bytes: number): void => {
    done += bytes;
    opts.onProgress?.(Math.min(1, done / fileSize));
  };

  await copy?.write(prefix);
  progress(prefix.length);
  signal?.throwIfAborted();

  // The overview: only where sampling is sparse (a file short enough to be read whole in a moment gets exact pairs
  // as fast) and coarser than the streamed level.
  if (opts.onPeaks && coarseGroup > fineGroup && frames > OVERVIEW_PROBES * PROBE_FRAMES) {
    const pairs = await overview(fh, info, coarseGroup * spp, name, signal);
    opts.onPeaks({ sampleRate, frames, bucketFrames: coarseGroup * spp, start: 0, pairs, overview: true, last: false });
  }

  // Blocks: a whole number of streamed buckets each, so each batch ends on a bucket edge.
  const fineFrames = fineGroup * spp;
  const byBytes = Math.max(1, Math.floor(BLOCK_BYTES / blockAlign));
  const blockFrames = byBytes >= fineFrames ? byBytes - (byBytes % fineFrames) : byBytes;
  const keep = keepFrames(opts.keepSeconds, sampleRate, frames);
  const kept = keep > 0 ? Array.from({ length: nc }, () => new Float32Array(keep)) : null;
  // Int16Array reads the platform's byte order; WAV is little-endian (so is every platform Retake ships for).
  const int16 = info.sampleFormat === 'pcm16' && LITTLE_ENDIAN;
  let sent = 0;
  let lastBatch = performance.now();
  const read = (start: number): Promise<{ buf: Uint8Array; n: number }> => {
    const n = Math.min(blockFrames, frames - start);
    const buf = blockBuffer(info, n);
    return readExactly(fh, buf, BLOCK_HEADER_BYTES, n * blockAlign, dataOffset + start * blockAlign, name).then(() => ({ buf, n }));
  };
  let next: Promise<{ buf: Uint8Array; n: number }> | null = read(0);
  for (let start = 0; start < frames; start += blockFrames) {
    const { buf, n } = await next!;
    // Read ahead while this block is decoded; a rejected read-ahead is awaited (and thrown) on the next turn.
    next = start + blockFrames < frames ? read(start + blockFrames) : null;
    next?.catch(() => {});
    if (signal?.aborted) throw cancelled();
    await copy?.write(buf.subarray(BLOCK_HEADER_BYTES));
    if (int16 && start >= keep) {
      // 16-bit PCM has no sample to refuse: its peaks come straight from the integers (the bulk of a long file).
      builder.pushInt16(new Int16Array(buf.buffer, buf.byteOffset + BLOCK_HEADER_BYTES, n * nc));
    } else {
      const audio = decodeWavBlock(info, buf, n, name);
      builder.push(audio.channels);
      if (kept && start < keep) {
        const m = Math.min(n, keep - start);
        for (let c = 0; c < nc; c++) kept[c]!.set(audio.channels[c]!.subarray(0, m), start);
      }
    }
    progress(n * blockAlign);
    const ready = builder.done ? fineGroups : Math.floor(builder.completed / fineGroup);
    const now = performance.now();
    if (opts.onPeaks && ready > sent && (builder.done || now - lastBatch >= BATCH_MS)) {
      opts.onPeaks({ sampleRate, frames, bucketFrames: fineFrames, start: sent, pairs: builder.envelope(fineGroup, sent, ready), overview: false, last: builder.done });
      sent = ready;
      lastBatch = now;
    }
  }

  // What follows the samples (a partial last frame, trailing chunks) belongs to the stored copy too.
  const dataEnd = dataOffset + frames * blockAlign;
  for (let pos = dataEnd; pos < fileSize; pos += READ_BYTES) {
    const n = Math.min(READ_BYTES, fileSize - pos);
    if (copy) {
      const buf = new Uint8Array(n);
      await readExactly(fh, buf, 0, n, pos, name);
      await copy.write(buf);
    }
    progress(n);
  }
  return {
    format: 'wav',
    sampleRate,
    channels: nc,
    frames,
    peaks: builder.peaks(),
    kept: kept ? { sampleRate, channels: kept } : null,
  };
}

/**
 * The overview: for each bucket of `bucketFrames`, the extremes of PROBE_FRAMES-long reads spread evenly inside it
 * (together OVERVIEW_PROBES reads), merged over the channels and quantised like the cache.
 */
async function overview(fh: FileHandle, info: WavHead['info'], bucketFrames: number, name: string, signal: AbortSignal | undefined): Promise<Int16Array> {
  const { frames } = info;
  const buckets = Math.ceil(frames / bucketFrames);
  const perBucket = Math.max(1, Math.floor(OVERVIEW_PROBES / buckets));
  const lo = new Float64Array(buckets).fill(Infinity);
  const hi = new Float64Array(buckets).fill(-Infinity);
  const probes: Array<{ bucket: number; start: number; n: number }> = [];
  for (let b = 0; b < buckets; b++) {
    const from = b * bucketFrames;
    const span = Math.min(frames, from + bucketFrames) - from;
    const n = Math.min(PROBE_FRAMES, span);
    for (let p = 0; p < perBucket; p++) {
      const centre = from + Math.floor(((p + 0.5) * span) / perBucket);
      probes.push({ bucket: b, start: Math.max(from, Math.min(from + span - n, centre - (n >> 1))), n });
    }
  }
  let next = 0;
  // The first failure stops every reader; all of them have ended before it is thrown (none may still use the file).
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (next < probes.length && !failure) {
      if (signal?.aborted) {
        failure ??= { error: cancelled() };
        return;
      }
      const { bucket, start, n } = probes[next++]!;
      let audio;
      try {
        audio = await readWavFrames(fh, info, start, n, name);
      } catch (e) {
        failure ??= { error: e };
        return;
      }
      for (const x of audio.channels) {
        let l = lo[bucket]!;
        let h = hi[bucket]!;
        for (let i = 0; i < n; i++) {
          const v = x[i]!;
          if (v < l) l = v;
          if (v > h) h = v;
        }
        lo[bucket] = l;
        hi[bucket] = h;
      }
    }
  };
  await Promise.all(Array.from({ length: PROBE_CONCURRENCY }, worker));
  if (failure) throw (failure as { error: unknown }).error;
  const out = new Int16Array(buckets * 2);
  for (let b = 0; b < buckets; b++) {
    out[2 * b] = lo[b] === Infinity ? 0 : quantizeMin(lo[b]!);
    out[2 * b + 1] = hi[b] === -Infinity ? 0 : quantizeMax(hi[b]!);
  }
  return out;
}

/** Every other format: read in blocks (copied as read), decoded whole with every check of ./decode. */
async function decodeWhole(fh: FileHandle, size: number, copy: Copy | null, name: string, opts: StreamDecodeOptions): Promise<StreamDecodeResult> {
  const signal = opts.signal;
  checkWholeReadSize(name, size);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(size);
  } catch (e) {
    throw fileReadError(name, e);
  }
  for (let pos = 0; pos < size; pos += READ_BYTES) {
    if (signal?.aborted) throw cancelled();
    const n = Math.min(READ_BYTES, size - pos);
    await readExactly(fh, bytes, pos, n, pos, name);
    await copy?.write(bytes.subarray(pos, pos + n));
    opts.onProgress?.((WHOLE_READ_SHARE * (pos + n)) / size);
  }
  const audio = await decodeAudio(bytes, name);
  if (signal?.aborted) throw cancelled();
  const format = detectAudioFormat(bytes) ?? 'wav';
  const frames = frameCount(audio);
  const spp = opts.samplesPerPeak ?? DEFAULT_SAMPLES_PER_PEAK;
  const builder = new PeaksBuilder(audio.channels.length, frames, audio.sampleRate, spp);
  builder.push(audio.channels);
  if (opts.onPeaks) {
    const group = levelFor(frames, spp, STREAM_BUCKETS);
    const pairs = builder.envelope(group, 0, Math.ceil(peakCount(frames, spp) / group));
    opts.onPeaks({ sampleRate: audio.sampleRate, frames, bucketFrames: group * spp, start: 0, pairs, overview: false, last: true });
  }
  opts.onProgress?.(1);
  const keep = keepFrames(opts.keepSeconds, audio.sampleRate, frames);
  const kept =
    keep === 0 ? null : keep === frames ? audio : { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.slice(0, keep)) };
  return { format, sampleRate: audio.sampleRate, channels: audio.channels.length, frames, peaks: builder.peaks(), kept };
}
