// WAV reading and writing, written here rather than borrowed: RIFF, RF64 and BW64 containers; integer PCM in 8 (unsigned)
// to 32-bit containers, IEEE float 32/64, G.711 A-law/µ-law; WAVE_FORMAT_EXTENSIBLE; unknown and odd-sized chunks.
// Writing produces 16/24-bit PCM or 32-bit float with deterministic rounding (no dither), so equal input gives equal
// bytes.

import type { AudioData } from './types';
import { frameCount } from './types';
import { RetakeError } from '../contract/errors';
import { ADVICE_CONVERT, ADVICE_REEXPORT, audioError } from './audio-errors';
import { MAX_SAMPLE_MAGNITUDE, RANGE_SENTENCE, checkFileLimits, describeLevel } from './limits';

export type WavSampleFormat = 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64' | 'alaw' | 'mulaw';
export type WavEncodeFormat = 'pcm16' | 'pcm24' | 'float32';

export interface WavInfo {
  container: 'RIFF' | 'RF64' | 'BW64';
  sampleFormat: WavSampleFormat;
  /** Significant bits per sample as the header states them (e.g. 20 for 20-bit audio in 24-bit containers). */
  bitsPerSample: number;
  sampleRate: number;
  channels: number;
  /** Speaker mask of WAVE_FORMAT_EXTENSIBLE; null for the plain formats. */
  channelMask: number | null;
  frames: number;
  /** Bytes per frame (all channels). */
  blockAlign: number;
  /** Byte offset and length of the sample data that make up `frames` whole frames. */
  dataOffset: number;
  dataBytes: number;
}

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_ALAW = 0x0006;
const FORMAT_MULAW = 0x0007;
const FORMAT_EXTENSIBLE = 0xfffe;
/** Tail shared by every KSDATAFORMAT_SUBTYPE_* GUID (mmreg.h): the first 4 bytes hold the plain format tag. */
const SUBTYPE_GUID_TAIL = [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
/** A 32-bit chunk size of all ones: RF64/BW64 "see ds64", and a placeholder some streaming writers never fill in. */
const SIZE_UNKNOWN = 0xffffffff;

const OTHER_FORMAT_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG audio',
  0x0055: 'MP3',
  0x0161: 'Windows Media Audio',
  0x1610: 'AAC',
};

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(bytes[offset + i] ?? 0);
  return s;
}

/** True when the bytes start like a RIFF/RF64/BW64 WAVE file. */
export function isWav(bytes: Uint8Array): boolean {
  if (bytes.length < 12) return false;
  const id = ascii(bytes, 0, 4);
  return (id === 'RIFF' || id === 'RF64' || id === 'BW64') && ascii(bytes, 8, 4) === 'WAVE';
}

interface FmtChunk {
  tag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bits: number;
  validBits: number;
  channelMask: number | null;
}

function readFmt(view: DataView, bytes: Uint8Array, off: number, size: number, name?: string): FmtChunk {
  if (size < 16) {
    throw audioError('E_CORRUPT_AUDIO', name, `its WAV format chunk is ${size} bytes long, too short to describe the audio`, ADVICE_REEXPORT);
  }
  let tag = view.getUint16(off, true);
  const channels = view.getUint16(off + 2, true);
  const sampleRate = view.getUint32(off + 4, true);
  const blockAlign = view.getUint16(off + 12, true);
  const bits = view.getUint16(off + 14, true);
  let validBits = bits;
  let channelMask: number | null = null;
  if (tag === FORMAT_EXTENSIBLE) {
    if (size < 40) {
      throw audioError('E_CORRUPT_AUDIO', name, 'its WAV format chunk says "extensible" but is too short to name the sample format', ADVICE_REEXPORT);
    }
    validBits = view.getUint16(off + 18, true) || bits;
    channelMask = view.getUint32(off + 20, true);
    const guid = off + 24;
    if (!SUBTYPE_GUID_TAIL.every((b, i) => bytes[guid + 4 + i] === b)) {
      throw audioError('E_UNSUPPORTED_AUDIO', name, 'it is a WAV file whose sample format (an unknown extensible subtype) Retake cannot read', ADVICE_CONVERT);
    }
    tag = view.getUint32(guid, true);
  }
  return { tag, channels, sampleRate, blockAlign, bits, validBits, channelMask };
}

function sampleFormatOf(fmt: FmtChunk, bytesPerSample: number, name?: string): WavSampleFormat {
  const unsupported = (what: string): never => {
    throw audioError('E_UNSUPPORTED_AUDIO', name, `it is a WAV file in ${what}, which Retake cannot read`, ADVICE_CONVERT);
  };
  switch (fmt.tag) {
    case FORMAT_PCM:
      if (bytesPerSample === 1) return 'pcm8';
      if (bytesPerSample === 2) return 'pcm16';
      if (bytesPerSample === 3) return 'pcm24';
      if (bytesPerSample === 4) return 'pcm32';
      return unsupported(`${bytesPerSample * 8}-bit integer PCM`);
    case FORMAT_FLOAT:
      if (bytesPerSample === 4) return 'float32';
      if (bytesPerSample === 8) return 'float64';
      return unsupported(`${bytesPerSample * 8}-bit floating point`);
    case FORMAT_ALAW:
      if (bytesPerSample === 1) return 'alaw';
      return unsupported('an unusual A-law layout');
    case FORMAT_MULAW:
      if (bytesPerSample === 1) return 'mulaw';
      return unsupported('an unusual µ-law layout');
    default:
      return unsupported(OTHER_FORMAT_NAMES[fmt.tag] ?? `compressed format 0x${fmt.tag.toString(16).padStart(4, '0')}`);
  }
}

/**
 * Reads the header of a WAV file without touching the samples. Throws E_UNSUPPORTED_AUDIO for non-WAV input and
 * formats we cannot read, E_CORRUPT_AUDIO for broken or truncated headers and data, E_EMPTY_AUDIO for zero frames.
 * `bytes` may be only the file's beginning, up to and including its data chunk's header, when `fileSize` gives the
 * length of the whole file (a streaming reader; ./wav-stream).
 */
export function parseWavHeader(bytes: Uint8Array, name?: string, fileSize: number = bytes.length): WavInfo {
  if (bytes.length === 0) {
    throw audioError('E_EMPTY_AUDIO', name, 'the file is empty (0 bytes)', ADVICE_REEXPORT);
  }
  const head = ascii(bytes, 0, Math.min(4, bytes.length));
  if (head !== 'RIFF' && head !== 'RF64' && head !== 'BW64') {
    throw audioError('E_UNSUPPORTED_AUDIO', name, 'it is not a WAV file (it does not start with "RIFF")', ADVICE_CONVERT);
  }
  if (bytes.length < 12) {
    throw audioError('E_CORRUPT_AUDIO', name, `the WAV header is cut short after ${bytes.length} bytes`, ADVICE_REEXPORT);
  }
  if (ascii(bytes, 8, 4) !== 'WAVE') {
    const form = ascii(bytes, 8, 4);
    // Name the RIFF form only when it is printable (e.g. "AVI ", "RMID"); bytes of a damaged file could break the line.
    const what = /^[\x20-\x7e]{4}$/.test(form) ? `a RIFF "${form.trim()}" file` : 'a RIFF file of an unknown type';
    throw audioError('E_UNSUPPORTED_AUDIO', name, `it is ${what}, not WAV audio`, ADVICE_CONVERT);
  }
  const container = head as WavInfo['container'];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64 = (off: number): number => view.getUint32(off, true) + view.getUint32(off + 4, true) * 2 ** 32;

  let fmt: FmtChunk | null = null;
  let dataOffset = -1;
  let dataBytes = 0;
  let ds64DataSize: number | null = null;
  let off = 12;
  while (off + 8 <= bytes.length) {
    const id = ascii(bytes, off, 4);
    const size = view.getUint32(off + 4, true);
    const body = off + 8;
    const available = fileSize - body;
    if (id === 'ds64' && container !== 'RIFF' && size >= 24 && size <= available) {
      ds64DataSize = u64(body + 8);
    } else if (id === 'fmt ') {
      if (size > available) {
        throw audioError('E_CORRUPT_AUDIO', name, 'the WAV header is cut short inside its format chunk', ADVICE_REEXPORT);
      }
      fmt = readFmt(view, bytes, body, size, name);
    } else if (id === 'data') {
      let declared = size;
      if (size === SIZE_UNKNOWN && ds64DataSize !== null) declared = ds64DataSize;
      else if (size === SIZE_UNKNOWN) declared = available;
      if (declared > available) {
        throw audioError(
          'E_CORRUPT_AUDIO',
          name,
          `its WAV data chunk declares ${declared} bytes of audio but the file ends after ${available}, so the file is truncated`,
          ADVICE_REEXPORT,
        );
      }
      dataOffset = body;
      dataBytes = declared;
      if (fmt) break;
      off = body + declared + (declared & 1);
      continue;
    }
    off = body + size + (size & 1);
  }
  if (!fmt) {
    throw audioError('E_CORRUPT_AUDIO', name, 'the WAV file has no format chunk (its header is missing or cut short)', ADVICE_REEXPORT);
  }
  if (dataOffset < 0) {
    throw audioError('E_CORRUPT_AUDIO', name, 'the WAV file has no audio data chunk (it is probably truncated)', ADVICE_REEXPORT);
  }
  if (fmt.channels === 0 || fmt.sampleRate === 0) {
    throw audioError('E_CORRUPT_AUDIO', name, `its WAV header gives ${fmt.channels} channels at ${fmt.sampleRate} Hz`, ADVICE_REEXPORT);
  }
  checkFileLimits(fmt.sampleRate, fmt.channels, name);
  const containerBytes = Math.ceil(fmt.bits / 8);
  let blockAlign = fmt.blockAlign;
  // Some writers leave blockAlign at 0 or fill it inconsistently; derive it from the sample size then.
  if (blockAlign === 0 || blockAlign % fmt.channels !== 0 || blockAlign / fmt.channels < containerBytes) {
    blockAlign = containerBytes * fmt.channels;
  }
  if (blockAlign === 0) {
    throw audioError('E_CORRUPT_AUDIO', name, 'its WAV header gives a sample size of 0 bits', ADVICE_REEXPORT);
  }
  const bytesPerSample = blockAlign / fmt.channels;
  const sampleFormat = sampleFormatOf(fmt, bytesPerSample, name);
  const frames = Math.floor(dataBytes / blockAlign);
  if (frames === 0) {
    throw audioError('E_EMPTY_AUDIO', name, 'the WAV file holds no audio (its data chunk is empty)', 'Record or export the audio again.');
  }
  return {
    container,
    sampleFormat,
    bitsPerSample: fmt.validBits,
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    channelMask: fmt.channelMask,
    frames,
    blockAlign,
    dataOffset,
    dataBytes: frames * blockAlign,
  };
}

let alawTable: Float32Array | null = null;
let mulawTable: Float32Array | null = null;

/** ITU-T G.711 expansion to 16-bit linear, scaled by 1/32768 like 16-bit PCM. */
function g711Table(law: 'alaw' | 'mulaw'): Float32Array {
  const cached = law === 'alaw' ? alawTable : mulawTable;
  if (cached) return cached;
  const t = new Float32Array(256);
  for (let b = 0; b < 256; b++) {
    let v: number;
    if (law === 'mulaw') {
      const u = ~b & 0xff;
      const exponent = (u >> 4) & 7;
      const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
      v = u & 0x80 ? -magnitude : magnitude;
    } else {
      const a = b ^ 0x55;
      const exponent = (a >> 4) & 7;
      const mantissa = a & 0x0f;
      const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
      v = a & 0x80 ? magnitude : -magnitude;
    }
    t[b] = v / 32768;
  }
  if (law === 'alaw') alawTable = t;
  else mulawTable = t;
  return t;
}

/** Decodes a WAV file into planar float32 channels (integer PCM scaled by 1/2^(bits-1)). */
export function decodeWav(bytes: Uint8Array, name?: string): AudioData {
  const info = parseWavHeader(bytes, name);
  const { channels: nc, frames, blockAlign, dataOffset, sampleFormat } = info;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const channels: Float32Array[] = [];
  for (let c = 0; c < nc; c++) channels.push(new Float32Array(frames));
  const bps = blockAlign / nc;
  let badSamples = 0;
  let overRange = 0;
  let loudest = 0;
  for (let c = 0; c < nc; c++) {
    const out = channels[c]!;
    let p = dataOffset + c * bps;
    switch (sampleFormat) {
      case 'pcm8':
        for (let i = 0; i < frames; i++, p += blockAlign) out[i] = (bytes[p]! - 128) / 128;
        break;
      case 'pcm16':
        for (let i = 0; i < frames; i++, p += blockAlign) out[i] = view.getInt16(p, true) / 32768;
        break;
      case 'pcm24':
        for (let i = 0; i < frames; i++, p += blockAlign) {
          const v = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16);
          out[i] = ((v << 8) >> 8) / 8388608;
        }
        break;
      case 'pcm32':
        for (let i = 0; i < frames; i++, p += blockAlign) out[i] = view.getInt32(p, true) / 2147483648;
        break;
      case 'float32':
        for (let i = 0; i < frames; i++, p += blockAlign) {
          const v = view.getFloat32(p, true);
          if (!(v <= MAX_SAMPLE_MAGNITUDE && v >= -MAX_SAMPLE_MAGNITUDE)) {
            if (Number.isFinite(v)) {
              overRange++;
              if (Math.abs(v) > loudest) loudest = Math.abs(v);
            } else badSamples++;
          }
          out[i] = v;
        }
        break;
      case 'float64':
        for (let i = 0; i < frames; i++, p += blockAlign) {
          const f = Math.fround(view.getFloat64(p, true));
          if (!(f <= MAX_SAMPLE_MAGNITUDE && f >= -MAX_SAMPLE_MAGNITUDE)) {
            if (Number.isFinite(f)) {
              overRange++;
              if (Math.abs(f) > loudest) loudest = Math.abs(f);
            } else badSamples++;
          }
          out[i] = f;
        }
        break;
      case 'alaw':
      case 'mulaw': {
        const table = g711Table(sampleFormat);
        for (let i = 0; i < frames; i++, p += blockAlign) out[i] = table[bytes[p]!]!;
        break;
      }
    }
  }
  if (badSamples > 0) {
    throw audioError(
      'E_INVALID_SAMPLES',
      name,
      `it contains ${badSamples} ${badSamples === 1 ? 'sample that is' : 'samples that are'} not a number (NaN) or infinite, so it cannot be played or edited`,
      'Export it again from the program that made it.',
    );
  }
  if (overRange > 0) {
    throw audioError(
      'E_INVALID_SAMPLES',
      name,
      `its floating-point samples reach ${describeLevel(loudest)}; ${RANGE_SENTENCE}`,
      'Normalise it in the program that made it, or export it again as integer PCM, and import that.',
    );
  }
  return { sampleRate: info.sampleRate, channels };
}

/** Conventional speaker masks (Microsoft KSAUDIO_SPEAKER_*): mono, stereo, 3.0, quad, 5.0, 5.1, 6.1, 7.1; else none. */
const CHANNEL_MASKS = [0, 0x4, 0x3, 0x7, 0x33, 0x37, 0x3f, 0x13f, 0x63f];

/**
 * Encodes planar audio as a WAV file. pcm16/pcm24 scale by 2^(bits-1), round to nearest and clamp (no dither, so the
 * output is byte-reproducible and a decode→encode round trip of the same format is lossless). 24-bit files and files with
 * more than two channels use WAVE_FORMAT_EXTENSIBLE; float32 files carry the fact chunk the format requires.
 */
export function encodeWav(audio: AudioData, format: WavEncodeFormat): Uint8Array {
  const nc = audio.channels.length;
  const frames = frameCount(audio);
  if (nc === 0 || nc > 0xffff) {
    throw new RetakeError('E_VALIDATION', `Cannot write a WAV file with ${nc} channels; it needs between 1 and 65535.`);
  }
  if (!Number.isInteger(audio.sampleRate) || audio.sampleRate <= 0 || audio.sampleRate > 0xffffffff) {
    throw new RetakeError('E_VALIDATION', `Cannot write a WAV file at ${audio.sampleRate} Hz; WAV needs a whole positive sample rate.`);
  }
  for (const ch of audio.channels) {
    if (ch.length !== frames) {
      throw new RetakeError('E_VALIDATION', 'Cannot write a WAV file whose channels have different lengths.');
    }
  }
  const bps = format === 'pcm16' ? 2 : format === 'pcm24' ? 3 : 4;
  // Microsoft requires WAVE_FORMAT_EXTENSIBLE beyond two channels or 16-bit integer samples (libFLAC warns otherwise).
  const extensible = nc > 2 || format === 'pcm24';
  const blockAlign = bps * nc;
  const isFloat = format === 'float32';
  const fmtSize = extensible ? 40 : isFloat ? 18 : 16;
  const factSize = isFloat ? 12 : 0;
  const dataBytes = frames * blockAlign;
  const headerBytes = 12 + 8 + fmtSize + factSize + 8;
  const riffSize = headerBytes - 8 + dataBytes + (dataBytes & 1);
  if (riffSize > 0xffffffff) {
    throw new RetakeError(
      'E_INPUT_TOO_LONG',
      `This audio is too long for one WAV file (${dataBytes} bytes of samples; WAV holds at most 4 GiB). Export a shorter range or a lower bit depth.`,
    );
  }
  const out = new Uint8Array(headerBytes + dataBytes + (dataBytes & 1));
  const view = new DataView(out.buffer);
  const put4 = (off: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[off + i] = s.charCodeAt(i);
  };
  put4(0, 'RIFF');
  view.setUint32(4, riffSize, true);
  put4(8, 'WAVE');
  put4(12, 'fmt ');
  view.setUint32(16, fmtSize, true);
  const tag = isFloat ? FORMAT_FLOAT : FORMAT_PCM;
  view.setUint16(20, extensible ? FORMAT_EXTENSIBLE : tag, true);
  view.setUint16(22, nc, true);
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bps * 8, true);
  let off = 36;
  if (extensible) {
    view.setUint16(36, 22, true);
    view.setUint16(38, bps * 8, true);
    view.setUint32(40, CHANNEL_MASKS[nc] ?? 0, true);
    view.setUint32(44, tag, true);
    out.set(SUBTYPE_GUID_TAIL, 48);
    off = 60;
  } else if (isFloat) {
    view.setUint16(36, 0, true);
    off = 38;
  }
  if (isFloat) {
    put4(off, 'fact');
    view.setUint32(off + 4, 4, true);
    view.setUint32(off + 8, frames, true);
    off += 12;
  }
  put4(off, 'data');
  view.setUint32(off + 4, dataBytes, true);
  off += 8;

  let nonFinite = 0;
  for (let c = 0; c < nc; c++) {
    const ch = audio.channels[c]!;
    let p = off + c * bps;
    if (format === 'float32') {
      for (let i = 0; i < frames; i++, p += blockAlign) {
        const v = ch[i]!;
        if (!Number.isFinite(v)) nonFinite++;
        view.setFloat32(p, v, true);
      }
    } else if (format === 'pcm16') {
      for (let i = 0; i < frames; i++, p += blockAlign) {
        const v = ch[i]!;
        if (v !== v) nonFinite++;
        const q = Math.round(v * 32768);
        view.setInt16(p, q > 32767 ? 32767 : q < -32768 ? -32768 : q, true);
      }
    } else {
      for (let i = 0; i < frames; i++, p += blockAlign) {
        const v = ch[i]!;
        if (v !== v) nonFinite++;
        let q = Math.round(v * 8388608);
        q = q > 8388607 ? 8388607 : q < -8388608 ? -8388608 : q;
        out[p] = q & 0xff;
        out[p + 1] = (q >> 8) & 0xff;
        out[p + 2] = (q >> 16) & 0xff;
      }
    }
  }
  if (nonFinite > 0) {
    throw new RetakeError(
      'E_INVALID_SAMPLES',
      `Cannot write the WAV file: ${nonFinite} samples are not numbers or are infinite. Undo the last edit or report it as a bug.`,
    );
  }
  return out;
}
