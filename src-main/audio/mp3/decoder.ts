// An MPEG audio stream (an .mp3 file's frames) to planar float PCM: walks the frames from the first header the caller
// found, skips tags (ID3v2 between frames, ID3v1, APEv2 and Lyrics3 at the end) and the Xing/Info/VBRI frame, finds
// the next frame again after garbage (two consecutive headers of the same stream), decodes Layer III (./layer3) or
// Layer I/II (./layer12) frame by frame into growing buffers, and trims the encoder and decoder delay as the LAME tag
// states them (gapless), or the decoder delay alone without one (529 samples in Layer III, 241 in Layers I/II), as
// `lame --decode` does. Frames it cannot decode become silence; a stream with no decodable frame, with most of its
// frames damaged, or shorter than its Xing header says, is reported as E_CORRUPT_AUDIO; free format as
// E_UNSUPPORTED_AUDIO.

import type { AudioData } from '../types';
import { ADVICE_CONVERT, ADVICE_REEXPORT, audioError } from '../audio-errors';
import { parseHeader, sameStream, sideInfoBytes, type MpegHeader } from './header';
import { Layer12Decoder } from './layer12';
import { Layer3Decoder, type GranuleCounts } from './layer3';

/** Decoder delay of Layer III: the hybrid filterbank's 528 samples plus one, as LAME and mpg123 count it. */
export const DECODER_DELAY = 529;
/** Decoder delay of Layers I and II (no IMDCT overlap): the polyphase filterbank's 240 plus one, as `lame --decode`. */
export const DECODER_DELAY_L12 = 241;

export interface StreamInfo {
  /** Frames the Xing/Info/VBRI header says the stream holds, or null. */
  frames: number | null;
  /** Encoder delay and padding from a LAME tag (gapless decoding), or null. */
  gapless: { delay: number; padding: number } | null;
  /** Bytes the info frame takes (it is not audio), or 0 when the first frame is audio. */
  infoFrameBytes: number;
}

/** Counts of what decoding met, for tests and messages. */
export interface DecodeStats {
  frames: number;
  damaged: number;
  /** Index (among the audio frames) of the first damaged frame, or -1. */
  firstDamaged: number;
  /** Frames whose data began in frames that are missing (a stream cut from the middle). */
  withoutReservoir: number;
  /** Stretches of bytes between frames that were not frames (garbage, skipped). */
  resyncs: number;
  /** The data ended inside a frame. */
  partialLastFrame: boolean;
  /** Granules decoded, and how many used short or mixed blocks (first channel), M/S or intensity stereo. */
  granules: GranuleCounts;
}

export interface MpegDecodeResult extends AudioData {
  stats: DecodeStats;
  info: StreamInfo;
}

const ascii = (b: Uint8Array, at: number, s: string): boolean => {
  if (at < 0 || at + s.length > b.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
};
const u32be = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
const u32le = (b: Uint8Array, at: number): number => ((b[at + 3]! << 24) | (b[at + 2]! << 16) | (b[at + 1]! << 8) | b[at]!) >>> 0;

/** Where the frames end: before an ID3v1 tag, an APEv2 tag and a Lyrics3 v2 tag at the end, in any order. */
export function audioEnd(b: Uint8Array, start: number): number {
  let end = b.length;
  for (let again = true; again; ) {
    again = false;
    if (end - 128 >= start && ascii(b, end - 128, 'TAG')) {
      end -= 128;
      again = true;
    }
    if (end - 32 >= start && ascii(b, end - 32, 'APETAGEX')) {
      // Footer: size (items + footer) at 12, flags at 20, bit 31 = a 32-byte header precedes the items.
      const total = u32le(b, end - 32 + 12) + (u32le(b, end - 32 + 20) & 0x80000000 ? 32 : 0);
      if (total >= 32 && total <= end - start) {
        end -= total;
        again = true;
      }
    }
    if (end - 15 >= start && ascii(b, end - 9, 'LYRICS200')) {
      const size = Number(String.fromCharCode(...b.subarray(end - 15, end - 9)));
      if (Number.isInteger(size) && size + 15 <= end - start) {
        end -= size + 15;
        again = true;
      }
    }
  }
  return end;
}

/** Reads a Xing/Info header (with a LAME tag's delay and padding) or a VBRI header from the first frame. */
export function readStreamInfo(b: Uint8Array, off: number, h: MpegHeader): StreamInfo {
  const none: StreamInfo = { frames: null, gapless: null, infoFrameBytes: 0 };
  if (h.layer !== 3) return none;
  const end = Math.min(b.length, off + h.frameBytes);
  // The tag sits where the frame's main data would start; LAME writes it after a CRC when the stream has them.
  for (const x of new Set([off + 4 + sideInfoBytes(h), off + 4 + (h.crc ? 2 : 0) + sideInfoBytes(h)])) {
    if (!(ascii(b, x, 'Xing') || ascii(b, x, 'Info')) || x + 8 > end) continue;
    const flags = u32be(b, x + 4);
    let p = x + 8;
    let frames: number | null = null;
    if (flags & 1) {
      if (p + 4 <= end) frames = u32be(b, p);
      p += 4;
    }
    if (flags & 2) p += 4; // stream bytes
    if (flags & 4) p += 100; // seek table
    if (flags & 8) p += 4; // quality
    let gapless: StreamInfo['gapless'] = null;
    // LAME's extension: a 9-byte encoder string, then at +21 the 12-bit encoder delay and 12-bit padding.
    if (p + 24 <= end && (ascii(b, p, 'LAME') || ascii(b, p, 'Lavc') || ascii(b, p, 'Lavf') || ascii(b, p, 'GOGO'))) {
      gapless = { delay: (b[p + 21]! << 4) | (b[p + 22]! >> 4), padding: ((b[p + 22]! & 15) << 8) | b[p + 23]! };
    }
    return { frames, gapless, infoFrameBytes: h.frameBytes };
  }
  // Fraunhofer's VBRI header, 32 bytes after the header: version, delay, quality (2 bytes each), bytes, frames.
  const v = off + 36;
  if (ascii(b, v, 'VBRI') && v + 18 <= end) return { frames: u32be(b, v + 14), gapless: null, infoFrameBytes: h.frameBytes };
  return none;
}

/** A header at `off` that continues the stream `first` began, with a frame long enough for its side information. */
function frameAt(b: Uint8Array, off: number, first: MpegHeader): MpegHeader | null {
  const h = parseHeader(b, off);
  if (!h || h.bitrate === 0 || !sameStream(h, first)) return null;
  if (h.frameBytes < 4 + (h.crc ? 2 : 0) + sideInfoBytes(h)) return null;
  return h;
}

/** Size of an ID3v2 tag at `off` (header, body and footer), or 0. */
function id3v2Size(b: Uint8Array, off: number): number {
  if (!ascii(b, off, 'ID3') || off + 10 > b.length) return 0;
  if ((b[off + 6]! | b[off + 7]! | b[off + 8]! | b[off + 9]!) & 0x80) return 0;
  const size = (b[off + 6]! << 21) | (b[off + 7]! << 14) | (b[off + 8]! << 7) | b[off + 9]!;
  return 10 + size + (b[off + 5]! & 0x10 ? 10 : 0);
}

/** Growable planar output. */
class Output {
  channels: Float32Array[];
  length = 0;
  constructor(channels: number, capacity: number) {
    this.channels = Array.from({ length: channels }, () => new Float32Array(Math.max(capacity, 1152)));
  }
  reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.channels[0]!.length) return;
    const size = Math.max(need, this.channels[0]!.length * 2);
    this.channels = this.channels.map((c) => {
      const g = new Float32Array(size);
      g.set(c.subarray(0, this.length));
      return g;
    });
  }
}

/**
 * Decodes the MPEG audio stream whose first frame header is at `offset` (found by the caller). `name` labels errors.
 */
export function decodeMpegAudio(b: Uint8Array, offset: number, name?: string): MpegDecodeResult {
  const first = parseHeader(b, offset);
  if (!first) throw audioError('E_CORRUPT_AUDIO', name, 'its MP3 data is damaged: no MPEG audio frame header where the audio starts', ADVICE_REEXPORT);
  if (first.bitrate === 0) {
    throw audioError('E_UNSUPPORTED_AUDIO', name, 'it is a free-format MPEG audio stream (no bitrate in its frame headers), which Retake cannot read', ADVICE_CONVERT);
  }
  const end = audioEnd(b, offset);
  const info = readStreamInfo(b, offset, first);
  const decoder = first.layer === 3 ? new Layer3Decoder(first) : new Layer12Decoder(first);
  const granules = decoder instanceof Layer3Decoder ? decoder.counts : { granules: 0, short: 0, mixed: 0, msStereo: 0, intensityStereo: 0, intensityBands: 0 };
  const stats: DecodeStats = { frames: 0, damaged: 0, firstDamaged: -1, withoutReservoir: 0, resyncs: 0, partialLastFrame: false, granules };
  // Room for the frames the Xing header states (exact for VBR), else for those the data holds at the first frame's
  // size (exact for CBR); never more than the data could hold at the lowest bitrate. Other streams grow as needed.
  const lowest = first.lsf && first.layer !== 1 ? 8 : 32;
  const mostFrames = Math.ceil((end - offset) / Math.max(1, Math.floor((first.frameBytes * lowest) / first.bitrate)));
  const expectFrames = Math.min(info.frames ?? Math.ceil((end - offset) / first.frameBytes), mostFrames);
  const out = new Output(first.channels, (expectFrames + 2) * first.samples);
  let pos = offset + info.infoFrameBytes;
  let synced = true;
  while (pos + 4 <= end) {
    const h = frameAt(b, pos, first);
    if (h && !synced) {
      // After garbage, take a header only when the next frame's header follows it (or the data ends there).
      const next = pos + h.frameBytes;
      if (next + 4 <= end && !frameAt(b, next, first)) {
        pos++;
        continue;
      }
    }
    if (!h) {
      const tag = id3v2Size(b, pos);
      if (tag > 0) {
        pos += tag;
        continue;
      }
      if (synced) stats.resyncs++;
      synced = false;
      pos++;
      while (pos < end && b[pos] !== 0xff) pos++;
      continue;
    }
    if (pos + h.frameBytes > end) {
      stats.partialLastFrame = true;
      break;
    }
    synced = true;
    out.reserve(h.samples);
    const outcome = decoder.decodeFrame(b, pos, h, out.channels, out.length);
    out.length += h.samples;
    if (outcome === 'damaged' && stats.damaged++ === 0) stats.firstDamaged = stats.frames;
    if (outcome === 'no-reservoir') stats.withoutReservoir++;
    stats.frames++;
    pos += h.frameBytes;
  }

  if (stats.frames === 0) {
    throw audioError('E_CORRUPT_AUDIO', name, stats.partialLastFrame ? 'the MP3 file is truncated: it stops inside its first audio frame' : 'no audio could be decoded from the MP3 data', ADVICE_REEXPORT);
  }
  if (stats.damaged * 2 > stats.frames) {
    throw audioError('E_CORRUPT_AUDIO', name, `its MP3 data is damaged: ${stats.damaged} of its ${stats.frames} frames cannot be decoded`, ADVICE_REEXPORT);
  }
  if (info.frames !== null && stats.frames + (stats.partialLastFrame ? 1 : 0) < info.frames) {
    throw audioError('E_CORRUPT_AUDIO', name, `the MP3 file is truncated: it holds ${stats.frames} of its ${info.frames} frames`, ADVICE_REEXPORT);
  }
  const total = out.length;
  const delay = first.layer === 3 ? DECODER_DELAY : DECODER_DELAY_L12;
  let start: number;
  let stop = total;
  if (info.gapless) {
    start = info.gapless.delay + DECODER_DELAY;
    const declared = (info.frames ?? stats.frames) * first.samples;
    stop = Math.min(total, declared - info.gapless.padding + DECODER_DELAY);
  } else {
    // Without a LAME tag the output still starts with the filterbank's delay, which `lame --decode` removes too.
    start = total > delay ? delay : 0;
  }
  start = Math.min(start, total);
  stop = Math.max(start, stop);
  return { sampleRate: first.sampleRate, channels: out.channels.map((c) => c.subarray(start, stop)), stats, info };
}
