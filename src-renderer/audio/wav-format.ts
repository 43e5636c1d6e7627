// The layout of a WAV (RIFF, RF64 or WAVE_FORMAT_EXTENSIBLE) file read from its first bytes, and the conversion of
// a run of its frames to float samples. Pure: the streaming reader fetches the bytes with range requests and hands
// them here, so the page reads any part of an hour-long file without loading the rest.

export interface WavLayout {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** IEEE float samples (32 or 64 bit) rather than integers. */
  float: boolean;
  /** Bytes per frame (all channels). */
  blockAlign: number;
  /** Byte offset of the first frame. */
  dataOffset: number;
  frames: number;
}

/** Thrown when the bytes are not a WAV this reader plays (the caller falls back to the media element). */
export class NotWav extends Error {}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

function tag(b: DataView, at: number): string {
  return String.fromCharCode(b.getUint8(at), b.getUint8(at + 1), b.getUint8(at + 2), b.getUint8(at + 3));
}

/**
 * Reads the layout from the start of a file. Returns `{ need }` when the `data` chunk starts beyond the bytes given
 * (a long header: fetch that many bytes and call again).
 */
export function parseWavHeader(bytes: Uint8Array, fileBytes?: number): WavLayout | { need: number } {
  const b = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12) return { need: 4096 };
  const riff = tag(b, 0);
  if ((riff !== 'RIFF' && riff !== 'RF64' && riff !== 'BW64') || tag(b, 8) !== 'WAVE') throw new NotWav('not a RIFF/RF64 WAVE file');
  let at = 12;
  let fmt: { format: number; channels: number; rate: number; block: number; bits: number } | null = null;
  let ds64Data: number | null = null;
  while (at + 8 <= bytes.length) {
    const id = tag(b, at);
    let size = b.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'ds64') {
      if (body + 16 > bytes.length) return { need: body + 64 };
      ds64Data = b.getUint32(body + 8, true) + b.getUint32(body + 12, true) * 2 ** 32;
    } else if (id === 'fmt ') {
      if (body + 16 > bytes.length) return { need: body + 64 };
      let format = b.getUint16(body, true);
      if (format === FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= bytes.length) format = b.getUint16(body + 24, true);
      fmt = {
        format,
        channels: b.getUint16(body + 2, true),
        rate: b.getUint32(body + 4, true),
        block: b.getUint16(body + 12, true),
        bits: b.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) throw new NotWav('the data chunk comes before fmt');
      if (riff !== 'RIFF' && size === 0xffffffff && ds64Data !== null) size = ds64Data;
      const float = fmt.format === FORMAT_FLOAT;
      if (fmt.format !== FORMAT_PCM && !float) throw new NotWav(`WAV format ${fmt.format} is not PCM or float`);
      const okBits = float ? fmt.bits === 32 || fmt.bits === 64 : [8, 16, 24, 32].includes(fmt.bits);
      if (!okBits || fmt.channels < 1 || fmt.rate < 1 || fmt.block !== (fmt.bits / 8) * fmt.channels) {
        throw new NotWav(`unsupported WAV layout (${fmt.bits} bit, ${fmt.channels} ch, block ${fmt.block})`);
      }
      // A header written before the length was known (streamed recorders) says 0 or too much: the file decides.
      const available = fileBytes !== undefined ? fileBytes - body : size;
      const dataBytes = size === 0 || size > available ? available : size;
      return {
        sampleRate: fmt.rate,
        channels: fmt.channels,
        bitsPerSample: fmt.bits,
        float,
        blockAlign: fmt.block,
        dataOffset: body,
        frames: Math.max(0, Math.floor(dataBytes / fmt.block)),
      };
    }
    at = body + size + (size & 1);
  }
  return { need: Math.max(at + 64, bytes.length * 2) };
}

/** Frames of interleaved sample bytes → one Float32Array per channel (whole frames only). */
export function decodeFrames(bytes: Uint8Array, layout: WavLayout): Float32Array<ArrayBuffer>[] {
  const frames = Math.floor(bytes.length / layout.blockAlign);
  const ch = layout.channels;
  const out = Array.from({ length: ch }, () => new Float32Array(frames));
  const b = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const step = layout.bitsPerSample / 8;
  for (let f = 0; f < frames; f++) {
    const base = f * layout.blockAlign;
    for (let c = 0; c < ch; c++) {
      const at = base + c * step;
      let v: number;
      if (layout.float) v = step === 4 ? b.getFloat32(at, true) : b.getFloat64(at, true);
      else if (step === 2) v = b.getInt16(at, true) / 32768;
      else if (step === 3) v = ((b.getUint8(at) | (b.getUint8(at + 1) << 8) | (b.getInt8(at + 2) << 16)) as number) / 8388608;
      else if (step === 4) v = b.getInt32(at, true) / 2147483648;
      else v = (b.getUint8(at) - 128) / 128;
      out[c]![f] = v;
    }
  }
  return out;
}
