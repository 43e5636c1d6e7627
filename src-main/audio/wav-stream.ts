// WAV, RF64 and BW64 read from disk in pieces: the chunks in front of the audio are read first and parsed by the one
// header parser (./wav), then any run of frames can be read at its offset and decoded by the one sample decoder
// (./wav decodeWav, given a small header of its own in front of the block), so a streamed file passes exactly the
// checks a whole decode does, block by block. Files whose layout does not allow this (no data chunk within the
// first MAX_HEAD_BYTES, the format chunk behind the data) are left to the whole-file decoder.

import type { FileHandle } from 'node:fs/promises';
import type { AudioData } from './types';
import { decodeWav, isWav, parseWavHeader, type WavInfo, type WavSampleFormat } from './wav';
import { ADVICE_REEXPORT, audioError } from './audio-errors';

/**
 * How far into a file the chunks before the samples may reach (broadcast WAVs carry bext/iXML/axml metadata of a
 * few kilobytes, rarely a few megabytes); beyond that the file is decoded whole.
 */
const MAX_HEAD_BYTES = 16 * 1024 * 1024;
/** First read of a file: holds the whole header of nearly every WAV in one request. */
const FIRST_READ_BYTES = 64 * 1024;
/** The canonical 44-byte header put in front of each block for decodeWav: RIFF + fmt (16 bytes) + data headers. */
export const BLOCK_HEADER_BYTES = 44;

export interface WavHead {
  info: WavInfo;
  /** The file's bytes in front of its samples (everything up to and including the data chunk's header). */
  prefix: Uint8Array;
  fileSize: number;
}

/** Reads exactly `length` bytes at `position`; a file that ends first was changed (or cut) while it was read. */
export async function readExactly(fh: FileHandle, buf: Uint8Array, offset: number, length: number, position: number, name?: string): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, offset + done, length - done, position + done);
    if (bytesRead === 0) {
      throw audioError('E_CORRUPT_AUDIO', name, 'the file ended early while it was being read (was it changed or moved during the import?)', ADVICE_REEXPORT);
    }
    done += bytesRead;
  }
}

/**
 * The header of a WAV file that can be streamed, or null when the file is no WAV or its layout needs the whole-file
 * decoder (which then reports whatever is wrong with it). Header errors (unsupported formats, a data chunk that
 * claims more than the file holds, …) are thrown exactly as the whole-file decoder throws them.
 */
export async function readWavHead(fh: FileHandle, fileSize: number, name?: string): Promise<WavHead | null> {
  let buf = new Uint8Array(Math.min(fileSize, FIRST_READ_BYTES));
  await readExactly(fh, buf, 0, buf.length, 0, name);
  if (!isWav(buf)) return null;
  const ensure = async (end: number): Promise<boolean> => {
    if (end <= buf.length) return true;
    if (end > fileSize || end > MAX_HEAD_BYTES) return false;
    const more = new Uint8Array(Math.min(fileSize, MAX_HEAD_BYTES, Math.max(end, buf.length * 2)));
    more.set(buf);
    await readExactly(fh, more, buf.length, more.length - buf.length, buf.length, name);
    buf = more;
    return true;
  };
  // The same walk as parseWavHeader: chunk by chunk (odd sizes padded) until the data chunk, which must come after
  // the format chunk here.
  let sawFmt = false;
  let off = 12;
  for (;;) {
    if (!(await ensure(off + 8))) return null;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const id = String.fromCharCode(buf[off]!, buf[off + 1]!, buf[off + 2]!, buf[off + 3]!);
    const size = view.getUint32(off + 4, true);
    if (id === 'data') {
      if (!sawFmt) return null;
      const prefix = buf.subarray(0, off + 8);
      return { info: parseWavHeader(prefix, name, fileSize), prefix, fileSize };
    }
    if (id === 'fmt ') sawFmt = true;
    off += 8 + size + (size & 1);
  }
}

const FORMAT_TAGS: Record<WavSampleFormat, number> = {
  pcm8: 1,
  pcm16: 1,
  pcm24: 1,
  pcm32: 1,
  float32: 3,
  float64: 3,
  alaw: 6,
  mulaw: 7,
};

/** A buffer for `frames` frames of samples behind room for the block header; the samples go at BLOCK_HEADER_BYTES. */
export function blockBuffer(info: WavInfo, frames: number): Uint8Array {
  return new Uint8Array(BLOCK_HEADER_BYTES + frames * info.blockAlign);
}

/**
 * Decodes `frames` frames read into `buf` at BLOCK_HEADER_BYTES (see blockBuffer): writes a plain WAV header for
 * them in front and runs the whole-file sample decoder on it, with every check it makes (non-finite samples, …).
 */
export function decodeWavBlock(info: WavInfo, buf: Uint8Array, frames: number, name?: string): AudioData {
  const dataBytes = frames * info.blockAlign;
  const v = new DataView(buf.buffer, buf.byteOffset, BLOCK_HEADER_BYTES);
  const put4 = (o: number, s: string): void => {
    for (let i = 0; i < 4; i++) buf[o + i] = s.charCodeAt(i);
  };
  put4(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  put4(8, 'WAVE');
  put4(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, FORMAT_TAGS[info.sampleFormat], true);
  v.setUint16(22, info.channels, true);
  v.setUint32(24, info.sampleRate, true);
  v.setUint32(28, (info.sampleRate * info.blockAlign) >>> 0, true);
  v.setUint16(32, info.blockAlign, true);
  v.setUint16(34, (info.blockAlign / info.channels) * 8, true);
  put4(36, 'data');
  v.setUint32(40, dataBytes, true);
  return decodeWav(buf.subarray(0, BLOCK_HEADER_BYTES + dataBytes), name);
}

/** Reads and decodes frames [start, start + frames) of the file. */
export async function readWavFrames(fh: FileHandle, info: WavInfo, start: number, frames: number, name?: string): Promise<AudioData> {
  const buf = blockBuffer(info, frames);
  await readExactly(fh, buf, BLOCK_HEADER_BYTES, frames * info.blockAlign, info.dataOffset + start * info.blockAlign, name);
  return decodeWavBlock(info, buf, frames, name);
}
