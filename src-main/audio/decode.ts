// Audio file decoding for the main side: recognises the format from its first bytes (never from the file name), decodes
// WAV and FLAC / Ogg FLAC itself (./wav, ./flac), MPEG audio (MP3) with our own decoder (./mp3, which also checks frame
// counts against the Xing/Info header) and Ogg Vorbis through the WASM decoder, and turns every failure into a
// RetakeError that names the file and says what to do. Also checks what the Vorbis decoder does not: Ogg page checksums
// and end-of-stream, so damaged or truncated files are reported instead of silently shortened; and every header's rate
// and channel count against ./limits before decoding.

import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import type { AudioData } from './types';
import { frameCount } from './types';
import { RetakeError } from '../contract/errors';
import { decodeWav, isWav, parseWavHeader } from './wav';
import { decodeFlac, decodeOggFlacPackets, readFlacHeader } from './flac';
import { MAX_SAMPLE_MAGNITUDE, RANGE_SENTENCE, checkFileLimits, describeLevel } from './limits';
import { ADVICE_CHOOSE, ADVICE_CONVERT, ADVICE_REEXPORT, audioError } from './audio-errors';
import { displayPath, readRegularFile, type FilePath } from './file-read';
import { decodeMpegAudio } from './mp3/decoder';
import { parseHeader } from './mp3/header';

export { fileReadError, type FilePath } from './file-read';

export type AudioFormat = 'wav' | 'flac' | 'ogg-flac' | 'ogg-vorbis' | 'mp3';

export interface AudioProbe {
  format: AudioFormat;
  /** Sample encoding: the WAV sample format (e.g. 'pcm16', 'float32'), or 'flac', 'vorbis', 'mp3'. */
  codec: string;
  sampleRate: number;
  channels: number;
  frames: number;
  durationSeconds: number;
}

type Sniffed =
  | { kind: 'wav' }
  | { kind: 'flac'; offset: number }
  | { kind: 'ogg-flac' }
  | { kind: 'ogg-vorbis' }
  | { kind: 'mp3'; offset: number }
  | { kind: 'unsupported'; what: string; notAudio?: true };

const te = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));
function startsWith(b: Uint8Array, sig: number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[at + i] !== sig[i]) return false;
  return true;
}

/** Skips any ID3v2 tags (several may be stacked) and returns the offset of what follows. */
function skipId3v2(b: Uint8Array): number {
  let off = 0;
  while (startsWith(b, te('ID3'), off) && b.length >= off + 10) {
    const size = ((b[off + 6]! & 0x7f) << 21) | ((b[off + 7]! & 0x7f) << 14) | ((b[off + 8]! & 0x7f) << 7) | (b[off + 9]! & 0x7f);
    const footer = b[off + 5]! & 0x10 ? 10 : 0;
    off += 10 + size + footer;
  }
  return off;
}

/** A frame header at `off` whose successor (if the file is long enough to hold one) is also a frame header. */
function isMpegStream(b: Uint8Array, off: number): boolean {
  const f = parseHeader(b, off);
  if (!f || f.bitrate === 0) return false;
  const next = off + f.frameBytes;
  if (next + 4 > b.length) return next <= b.length;
  const g = parseHeader(b, next);
  return g !== null && g.bitrate > 0;
}

/** An MPEG audio frame header with bitrate index 0 (free format: frame lengths are not stated) at `off`. */
function isFreeFormatMpeg(b: Uint8Array, off: number): boolean {
  return parseHeader(b, off)?.bitrate === 0;
}

function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 1024);
  if (n === 0) return false;
  let sample = b.subarray(0, n);
  // Do not let a multi-byte UTF-8 character cut at the window's end fail the check.
  if (n < b.length) {
    let cut = n;
    while (cut > n - 4 && cut > 0 && (b[cut - 1]! & 0xc0) === 0x80) cut--;
    if (cut > 0 && b[cut - 1]! >= 0xc0) cut--;
    sample = b.subarray(0, cut);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(sample);
  } catch {
    return false;
  }
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text);
}

function sniff(b: Uint8Array): Sniffed {
  if (isWav(b)) return { kind: 'wav' };
  if (startsWith(b, te('RIFF')) || startsWith(b, te('RF64')) || startsWith(b, te('BW64'))) {
    // Too short to hold "WAVE", or another RIFF type: let the WAV reader say which.
    return { kind: 'wav' };
  }
  if (startsWith(b, te('OggS'))) {
    const nsegs = b[26] ?? 0;
    const p = 27 + nsegs;
    if (startsWith(b, [0x01, ...te('vorbis')], p)) return { kind: 'ogg-vorbis' };
    if (startsWith(b, [0x7f, ...te('FLAC')], p)) return { kind: 'ogg-flac' };
    if (startsWith(b, te('OpusHead'), p)) {
      return { kind: 'unsupported', what: 'it is an Ogg Opus file; Retake reads Ogg Vorbis but not Opus yet' };
    }
    if (startsWith(b, te('Speex   '), p)) return { kind: 'unsupported', what: 'it is an Ogg Speex file, which Retake cannot read' };
    if (b.length < p + 8) return { kind: 'ogg-vorbis' }; // cut short: the Ogg reader reports it
    return { kind: 'unsupported', what: 'it is an Ogg file whose codec Retake cannot read (only Vorbis and FLAC)' };
  }
  const afterId3 = skipId3v2(b);
  if (startsWith(b, te('fLaC'), afterId3)) return { kind: 'flac', offset: afterId3 };
  if (afterId3 > 0) {
    // Behind an ID3 tag: take the first frame header within the next 64 KiB (encoders sometimes leave junk).
    const end = Math.min(b.length - 4, afterId3 + 65536);
    for (let o = afterId3; o <= end; o++) if (isMpegStream(b, o)) return { kind: 'mp3', offset: o };
    if (afterId3 >= b.length) return { kind: 'unsupported', what: 'it holds only an ID3 tag and no audio' };
  } else if (isMpegStream(b, 0)) {
    return { kind: 'mp3', offset: 0 };
  }
  if (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xf6) === 0xf0) return { kind: 'unsupported', what: 'it is an AAC (ADTS) stream, which Retake cannot read' };
  if (isFreeFormatMpeg(b, afterId3)) {
    return { kind: 'unsupported', what: 'it is a free-format MPEG audio stream (its frame headers state no bitrate), which Retake cannot read' };
  }
  if (startsWith(b, te('ftyp'), 4)) return { kind: 'unsupported', what: 'it is an MP4/M4A file (AAC or video), which Retake cannot read' };
  if (startsWith(b, te('FORM')) && (startsWith(b, te('AIFF'), 8) || startsWith(b, te('AIFC'), 8))) {
    return { kind: 'unsupported', what: 'it is an AIFF file, which Retake cannot read yet' };
  }
  if (startsWith(b, [0x1a, 0x45, 0xdf, 0xa3])) return { kind: 'unsupported', what: 'it is a WebM/Matroska file, which Retake cannot read' };
  if (startsWith(b, [0x30, 0x26, 0xb2, 0x75])) return { kind: 'unsupported', what: 'it is a Windows Media (ASF/WMA) file, which Retake cannot read' };
  if (startsWith(b, te('caff'))) return { kind: 'unsupported', what: 'it is a Core Audio (CAF) file, which Retake cannot read' };
  if (startsWith(b, te('.snd'))) return { kind: 'unsupported', what: 'it is a Sun/NeXT AU file, which Retake cannot read' };
  if (startsWith(b, te('#!AMR'))) return { kind: 'unsupported', what: 'it is an AMR file, which Retake cannot read' };
  if (startsWith(b, te('wvpk'))) return { kind: 'unsupported', what: 'it is a WavPack file, which Retake cannot read' };
  if (startsWith(b, te('MThd'))) return { kind: 'unsupported', what: 'it is a MIDI file, which holds notes rather than recorded audio', notAudio: true };
  if (looksLikeText(b)) return { kind: 'unsupported', what: 'it is a text file, not audio', notAudio: true };
  return { kind: 'unsupported', what: 'it is not an audio file Retake recognises (not WAV, FLAC, MP3 or Ogg Vorbis)', notAudio: true };
}

/** The format the bytes hold, judged from their content, or null when Retake cannot decode them. */
export function detectAudioFormat(bytes: Uint8Array): AudioFormat | null {
  const s = sniff(bytes);
  if (s.kind === 'unsupported') return null;
  if (s.kind === 'wav') return isWav(bytes) ? 'wav' : null;
  return s.kind;
}

// ----------------------------------------------------------------------------------------------------------- Ogg

let oggCrcTable: Uint32Array | null = null;
/** Ogg page checksum (RFC 3533): CRC-32, polynomial 0x04C11DB7, not reflected, initial value 0. */
function oggCrc(b: Uint8Array, start: number, end: number, crcField: number): number {
  if (!oggCrcTable) {
    oggCrcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let r = i << 24;
      for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
      oggCrcTable[i] = r >>> 0;
    }
  }
  const t = oggCrcTable;
  let crc = 0;
  for (let i = start; i < end; i++) {
    const byte = i >= crcField && i < crcField + 4 ? 0 : b[i]!;
    crc = ((crc << 8) ^ t[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  }
  return crc;
}

/**
 * Walks every Ogg page: structure, checksum, and an end-of-stream flag on the last page. Returns the packets of the
 * first logical stream (RFC 3533 lacing: a packet ends at a segment shorter than 255 bytes).
 */
function readOggPages(b: Uint8Array, name?: string): Uint8Array[] {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let off = 0;
  let pages = 0;
  let lastFlags = 0;
  let serial = -1;
  const packets: Uint8Array[] = [];
  let partial: Uint8Array[] = [];
  while (off < b.length) {
    if (!startsWith(b, te('OggS'), off)) {
      if (pages > 0) break; // trailing bytes after the stream (e.g. a tag some programs append) are ignored
      throw audioError('E_CORRUPT_AUDIO', name, 'its Ogg data is damaged', ADVICE_REEXPORT);
    }
    if (off + 27 > b.length) {
      throw audioError('E_CORRUPT_AUDIO', name, 'the Ogg file is truncated: its last page header is cut short', ADVICE_REEXPORT);
    }
    const nsegs = b[off + 26]!;
    let body = 0;
    for (let i = 0; i < nsegs; i++) body += b[off + 27 + i] ?? 0;
    const end = off + 27 + nsegs + body;
    if (end > b.length) {
      throw audioError('E_CORRUPT_AUDIO', name, 'the Ogg file is truncated: its last page is cut short', ADVICE_REEXPORT);
    }
    if (oggCrc(b, off, end, off + 22) !== view.getUint32(off + 22, true)) {
      throw audioError('E_CORRUPT_AUDIO', name, `the Ogg file is damaged: page ${pages + 1} fails its checksum`, ADVICE_REEXPORT);
    }
    const pageSerial = view.getUint32(off + 14, true);
    if (serial === -1) serial = pageSerial;
    if (pageSerial === serial) {
      if (!(b[off + 5]! & 0x01)) partial = []; // not a continuation: an unfinished packet before it was lost
      let p = off + 27 + nsegs;
      for (let i = 0; i < nsegs; i++) {
        const len = b[off + 27 + i]!;
        partial.push(b.subarray(p, p + len));
        p += len;
        if (len < 255) {
          packets.push(partial.length === 1 ? partial[0]! : concatBytes(partial));
          partial = [];
        }
      }
      lastFlags = b[off + 5]!;
    }
    pages++;
    off = end;
  }
  if (!(lastFlags & 0x04)) {
    throw audioError('E_CORRUPT_AUDIO', name, 'the Ogg file is truncated: it stops before the end of its stream', ADVICE_REEXPORT);
  }
  return packets;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

/** Vorbis identification header (Vorbis I §4.2.2): channels and rate, checked against the limits before decoding. */
function checkVorbisHeader(packets: Uint8Array[], name?: string): void {
  const id = packets[0];
  if (!id || id.length < 30 || id[0] !== 1 || !startsWith(id, te('vorbis'), 1)) {
    throw audioError('E_CORRUPT_AUDIO', name, 'its Ogg Vorbis header is damaged', ADVICE_REEXPORT);
  }
  const view = new DataView(id.buffer, id.byteOffset, id.byteLength);
  const channels = id[11]!;
  const rate = view.getUint32(12, true);
  if (channels === 0 || rate === 0) {
    throw audioError('E_CORRUPT_AUDIO', name, `its Ogg Vorbis header gives ${channels} channels at ${rate} Hz`, ADVICE_REEXPORT);
  }
  checkFileLimits(rate, channels, name);
}

async function decodeVorbisBytes(b: Uint8Array, name?: string): Promise<AudioData> {
  checkVorbisHeader(readOggPages(b, name), name);
  const decoder = new OggVorbisDecoder();
  let result;
  try {
    await decoder.ready;
    result = await decoder.decodeFile(b);
  } catch (e) {
    throw audioError('E_CORRUPT_AUDIO', name, `its Ogg Vorbis data could not be decoded (${errText(e)})`, ADVICE_REEXPORT);
  } finally {
    release(decoder);
  }
  const firstError = result.errors[0];
  if (firstError) {
    throw audioError('E_CORRUPT_AUDIO', name, `its Ogg Vorbis data is damaged (${firstError.message})`, ADVICE_REEXPORT);
  }
  const n = result.samplesDecoded;
  if (n === 0) throw audioError('E_EMPTY_AUDIO', name, 'the Ogg Vorbis file holds no audio', 'Record or export the audio again.');
  return { sampleRate: result.sampleRate, channels: result.channelData.map((c) => c.subarray(0, n)) };
}

// ----------------------------------------------------------------------------------------------------------- MP3

/** MPEG audio through our own decoder (./mp3): Layer III, gapless by the LAME tag, damage and truncation reported. */
function decodeMp3Bytes(b: Uint8Array, offset: number, name?: string): AudioData {
  const { sampleRate, channels } = decodeMpegAudio(b, offset, name);
  return { sampleRate, channels };
}

// ------------------------------------------------------------------------------------------------------- public

/** Frees a decoder's WASM instance; a decoder whose start-up failed has nothing to free and must not mask that error. */
function release(decoder: { free: () => void }): void {
  try {
    decoder.free();
  } catch {
    // nothing was allocated
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function checkDecoded(audio: AudioData, name?: string): AudioData {
  if (audio.channels.length === 0 || frameCount(audio) === 0) {
    throw audioError('E_EMPTY_AUDIO', name, 'the file holds no audio', 'Record or export the audio again.');
  }
  if (!(audio.sampleRate > 0)) {
    throw audioError('E_CORRUPT_AUDIO', name, 'its sample rate could not be determined', ADVICE_REEXPORT);
  }
  checkFileLimits(audio.sampleRate, audio.channels.length, name);
  let bad = 0;
  let loudest = 0;
  for (const ch of audio.channels) {
    for (let i = 0; i < ch.length; i++) {
      const v = ch[i]!;
      if (!(v <= MAX_SAMPLE_MAGNITUDE && v >= -MAX_SAMPLE_MAGNITUDE)) {
        if (Number.isFinite(v)) loudest = Math.max(loudest, Math.abs(v));
        else bad++;
      }
    }
  }
  if (bad > 0) {
    throw audioError('E_INVALID_SAMPLES', name, `it decodes to ${bad} ${bad === 1 ? 'sample that is' : 'samples that are'} not a number (NaN) or infinite`, ADVICE_REEXPORT);
  }
  if (loudest > 0) throw audioError('E_INVALID_SAMPLES', name, `it decodes to samples of ${describeLevel(loudest)}; ${RANGE_SENTENCE}`, ADVICE_REEXPORT);
  // Own every channel's memory: decoders may hand out views into larger buffers.
  const channels = audio.channels.map((c) => (c.byteOffset === 0 && c.buffer.byteLength === c.byteLength ? c : c.slice()));
  return { sampleRate: audio.sampleRate, channels };
}

function unsupported(s: Extract<Sniffed, { kind: 'unsupported' }>, name?: string): RetakeError {
  return audioError('E_UNSUPPORTED_AUDIO', name, s.what, s.notAudio ? ADVICE_CHOOSE : ADVICE_CONVERT);
}

/**
 * Decodes WAV, FLAC, Ogg FLAC, Ogg Vorbis or MP3 bytes into planar float32 audio. The format is judged from the
 * content; `name` only labels error messages. Errors: E_EMPTY_AUDIO (empty file, zero frames), E_UNSUPPORTED_AUDIO
 * (not audio, or a format/codec Retake does not read, e.g. Ogg Opus), E_CORRUPT_AUDIO (truncated or damaged),
 * E_INVALID_SAMPLES (NaN or infinite samples).
 */
export async function decodeAudio(bytes: Uint8Array, name?: string): Promise<AudioData> {
  if (bytes.length === 0) throw audioError('E_EMPTY_AUDIO', name, 'the file is empty (0 bytes)', ADVICE_REEXPORT);
  const s = sniff(bytes);
  switch (s.kind) {
    case 'unsupported':
      throw unsupported(s, name);
    case 'wav':
      return decodeWav(bytes, name);
    case 'flac':
      return checkDecoded(decodeFlac(bytes, s.offset, name), name);
    case 'ogg-flac':
      return checkDecoded(decodeOggFlacPackets(readOggPages(bytes, name), name), name);
    case 'ogg-vorbis':
      return checkDecoded(await decodeVorbisBytes(bytes, name), name);
    case 'mp3':
      return checkDecoded(decodeMp3Bytes(bytes, s.offset, name), name);
  }
}

/**
 * Reads and decodes a file (a regular file only, read up to its size: ./file-read). E_FILE_NOT_FOUND when it does not
 * exist, E_UNSUPPORTED_AUDIO for a folder, FIFO or device, E_IO when it cannot be read.
 */
export async function decodeFile(path: FilePath): Promise<AudioData> {
  return decodeAudio(await readAudioFile(path), displayPath(path));
}

/** The bytes of a regular file (see decodeFile for the errors). */
export async function readAudioFile(path: FilePath): Promise<Uint8Array> {
  return readRegularFile(path);
}

/**
 * Format, rate, channel count and length. WAV is answered from its header and FLAC from its STREAMINFO (when that
 * states the length) without decoding; MP3 and Ogg are decoded fully. Throws the same errors as decodeAudio for
 * unreadable input (a WAV's sample values are not checked here).
 */
export async function probeAudio(bytes: Uint8Array, name?: string): Promise<AudioProbe> {
  if (bytes.length === 0) throw audioError('E_EMPTY_AUDIO', name, 'the file is empty (0 bytes)', ADVICE_REEXPORT);
  const s = sniff(bytes);
  if (s.kind === 'unsupported') throw unsupported(s, name);
  const make = (format: AudioFormat, codec: string, sampleRate: number, channels: number, frames: number): AudioProbe => ({
    format,
    codec,
    sampleRate,
    channels,
    frames,
    durationSeconds: frames / sampleRate,
  });
  if (s.kind === 'wav') {
    const h = parseWavHeader(bytes, name);
    return make('wav', h.sampleFormat, h.sampleRate, h.channels, h.frames);
  }
  if (s.kind === 'flac') {
    const { info } = readFlacHeader(bytes, s.offset, name);
    if (info.totalSamples > 0 && info.sampleRate > 0) return make('flac', 'flac', info.sampleRate, info.channels, info.totalSamples);
  }
  const audio = await decodeAudio(bytes, name);
  const codec = s.kind === 'ogg-vorbis' ? 'vorbis' : s.kind === 'mp3' ? 'mp3' : 'flac';
  return make(s.kind, codec, audio.sampleRate, audio.channels.length, frameCount(audio));
}
